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
        let rows = try store.pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, topic, message_key, headers, payload FROM outbox ORDER BY seq LIMIT ?"),
                arguments: [batchSize])
        }
        depthGauge.record(rows.count < batchSize ? rows.count : try store.outboxDepth())
        guard !rows.isEmpty else { return 0 }
        let messages = rows.map { row in
            KafkaProducerMessage(
                topic: row["topic"],
                key: (row["message_key"] as Data?).map { [UInt8]($0) },
                value: (row["payload"] as Data?).map { [UInt8]($0) },
                headers: HeaderCoding.decode(row["headers"]))
        }
        let reports = try producer.send(messages)
        var delivered: [Int64] = []
        var firstError: KafkaError?
        for (row, report) in zip(rows, reports) {
            if let error = report.error {
                firstError = firstError ?? error
            } else {
                delivered.append(row["seq"])
            }
        }
        if !delivered.isEmpty {
            try store.pool.write { db in
                for chunk in stride(from: 0, to: delivered.count, by: 500) {
                    let part = delivered[chunk..<min(chunk + 500, delivered.count)]
                    try db.run(
                        "DELETE FROM outbox WHERE seq IN (\(part.map { _ in "?" }.joined(separator: ",")))", StatementArguments(Array(part)))
                }
            }
            produced.increment(by: delivered.count)
        }
        if let firstError {
            failures.increment(by: rows.count - delivered.count)
            logger.error("delivery failed; will retry", metadata: ["error": "\(firstError)", "failed": "\(rows.count - delivered.count)"])
            store.outboxSignal.wait(timeout: 0.5)  // back off before re-sending to a failing broker
        }
        return delivered.count
    }
}
