import EventContracts
import Foundation
import GRDB
import Kafka
import Logging
import Metrics
import Synchronization

/// Publishes the outbox in order with the idempotent producer and deletes rows only after their delivery report.
///
/// Runs on one dedicated OS thread that owns the producer. A crash between the broker's acknowledgement and
/// the delete re-sends the same `ce_id`, which consumers ignore. On ``stop()`` it drains what is queued
/// (bounded by `drainTimeout`) before returning.
public final class OutboxRelay: Sendable {
    private let store: ServiceStore
    private let config: KafkaConfig
    private let batchSize: Int
    private let drainTimeout: TimeInterval
    private let logger: Logger
    private let stopping = Mutex(false)
    private let produced: Counter
    private let depthGauge: Gauge
    private let failures: Counter

    public init(store: ServiceStore, config: KafkaConfig, batchSize: Int = 2_000, drainTimeout: TimeInterval = 10, logger: Logger) {
        self.store = store
        self.config = config
        self.batchSize = batchSize
        self.drainTimeout = drainTimeout
        self.logger = logger
        produced = Counter(label: "giamngheo_records_produced_total")
        depthGauge = Gauge(label: "giamngheo_outbox_depth")
        failures = Counter(label: "giamngheo_delivery_failures_total")
    }

    public func stop() {
        stopping.withLock { $0 = true }
        store.outboxChanged()
    }

    /// Runs on the calling thread until ``stop()`` and the drain that follows it.
    public func runBlocking() throws {
        let producer = try KafkaProducer(config: config, logger: logger)
        var stopDeadline: Date?
        while true {
            if stopDeadline == nil, stopping.withLock({ $0 }) { stopDeadline = Date().addingTimeInterval(drainTimeout) }
            let published = try publishBatch(producer)
            if published == 0 {
                if stopDeadline != nil { break }
                producer.poll()
                store.outboxSignal.wait(timeout: 0.2)
            } else if let stopDeadline, Date() > stopDeadline {
                logger.warning("outbox not fully drained at shutdown; the rest is sent after restart")
                break
            }
        }
        producer.flush(timeoutMs: 5_000)
        logger.info("outbox relay stopped")
    }

    /// Publishes up to one batch. Returns how many rows were delivered (0 when the outbox is empty or the broker failed).
    @discardableResult
    public func publishBatch(_ producer: KafkaProducer) throws -> Int {
        // A cursor and `dataNoCopy` copy each blob once, into the message, rather than into a `Row` and then again.
        var seqs: [Int64] = []
        var messages: [KafkaProducerMessage] = []
        try store.pool.read { db in
            let rows = try Row.fetchCursor(
                db.cachedStatement(sql: "SELECT seq, topic, message_key, headers, payload FROM outbox ORDER BY seq LIMIT ?"),
                arguments: [batchSize])
            while let row = try rows.next() {
                seqs.append(row[0])
                messages.append(
                    KafkaProducerMessage(
                        topic: row[1], key: row.dataNoCopy(atIndex: 2).map { [UInt8]($0) },
                        value: row.dataNoCopy(atIndex: 4).map { [UInt8]($0) },
                        headers: HeaderCoding.decode(row.dataNoCopy(atIndex: 3) ?? Data())))
            }
        }
        depthGauge.record(messages.count < batchSize ? messages.count : try store.outboxDepth())
        guard !messages.isEmpty else { return 0 }
        let reports = try producer.send(messages)
        var delivered: [Int64] = []
        var firstError: KafkaError?
        for (seq, report) in zip(seqs, reports) {
            if let error = report.error {
                firstError = firstError ?? error
            } else {
                delivered.append(seq)
            }
        }
        if !delivered.isEmpty {
            try store.pool.write { db in
                if delivered.count == seqs.count {
                    // The whole batch: the oldest rows up to its last, since the batch was the outbox's head in order and
                    // rows queued since have higher `seq` (AUTOINCREMENT never reuses one).
                    try db.run("DELETE FROM outbox WHERE seq <= ?", [delivered[delivered.count - 1]])
                } else {
                    for seq in delivered { try db.run("DELETE FROM outbox WHERE seq = ?", [seq]) }
                }
            }
            produced.increment(by: delivered.count)
        }
        if let firstError {
            failures.increment(by: seqs.count - delivered.count)
            logger.error("delivery failed; will retry", metadata: ["error": "\(firstError)", "failed": "\(seqs.count - delivered.count)"])
            store.outboxSignal.wait(timeout: 0.5)  // back off before re-sending to a failing broker
        }
        return delivered.count
    }
}
