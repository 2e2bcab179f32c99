import EventContracts
import Foundation
import GRDB
import Kafka
import Logging
import Metrics
import Synchronization

/// Publishes the outbox in order with the idempotent producer and deletes rows only after their delivery report.
///
/// Order holds per partition: each keyed row is written to the partition Kafka's default partitioner gives its key
/// (the relay computes it from the topic's partition count, so it knows the row's partition before sending), and a row
/// that fails blocks the rows after it on its partition. None of them is deleted until the failed row is delivered:
/// they are sent again after it, so a compacted topic never ends a key on an older record. Rows on other partitions go on.
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
    private let failures: Counter
    private let producerReplaced: Counter
    /// Partition counts of the topics written to, refreshed when a row names a topic not in it.
    private let partitionCounts = Mutex<[String: Int32]>([:])

    /// Creates the topology's missing topics (when the service may), for a row whose topic the broker does not know.
    private let recreateTopics: (@Sendable () throws -> Void)?
    private let topicsRecreated: Counter

    /// - Parameter recreateTopics: creates the topology's missing topics; `nil` where the service may not.
    public init(
        store: ServiceStore, config: KafkaConfig, batchSize: Int = 2_000, drainTimeout: TimeInterval = 10,
        recreateTopics: (@Sendable () throws -> Void)? = nil, logger: Logger
    ) {
        self.store = store
        self.config = config
        self.recreateTopics = recreateTopics
        topicsRecreated = Counter(label: "giamngheo_topics_recreated_total")
        self.batchSize = batchSize
        self.drainTimeout = drainTimeout
        self.logger = logger
        produced = Counter(label: "giamngheo_records_produced_total")
        failures = Counter(label: "giamngheo_delivery_failures_total")
        producerReplaced = Counter(label: "giamngheo_producers_replaced_total")
    }

    public func stop() {
        stopping.withLock { $0 = true }
        store.outboxChanged()
    }

    /// Runs on the calling thread until ``stop()`` and the drain that follows it. A pass that fails waits before the
    /// next (``Backoff``, 0.5 s doubling to 30 s), so a broker that refuses everything is not sent the outbox in a loop.
    public func runBlocking() throws {
        var producer = try KafkaProducer(config: config, logger: logger)
        var stopDeadline: Date?
        var backoff = Backoff(initial: 0.5, maximum: 30)
        while true {
            if stopDeadline == nil, stopping.withLock({ $0 }) { stopDeadline = Date().addingTimeInterval(drainTimeout) }
            let pass: RelayPass
            do {
                pass = try publish(producer)
            } catch let error as KafkaError where error.needsNewProducer {
                // The rows stay in the outbox; a new producer id sends them again, in order.
                logger.warning(
                    "the producer's identity no longer fits the broker (a topic re-created, a broker replaced): starting a new producer",
                    metadata: ["error": "\(error)"])
                producerReplaced.increment()
                pause(backoff.failed(), until: stopDeadline)
                producer = try KafkaProducer(config: config, logger: logger)
                continue
            }
            if let failure = pass.failure {
                if stopDeadline.map({ Date() > $0 }) ?? false { break }
                if failure.isUnknownTopic { repairTopics() }
                let delay = backoff.failed()
                logger.error(
                    "delivery failed; the failed rows and those behind them on their partitions are kept to be sent again",
                    metadata: ["error": "\(failure)", "failed": "\(pass.failed)", "kept": "\(pass.kept)", "retryInSeconds": "\(delay)"])
                pause(delay, until: stopDeadline)
                continue
            }
            backoff.succeeded()
            if pass.delivered == 0 {
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

    /// Waits `seconds` (not past the drain deadline); a stop request cuts the wait short, new rows do not.
    private func pause(_ seconds: TimeInterval, until deadline: Date?) {
        let end = min(Date().addingTimeInterval(seconds), deadline ?? .distantFuture)
        while Date() < end, !stopping.withLock({ $0 }) || deadline != nil {
            Thread.sleep(forTimeInterval: min(0.1, max(0, end.timeIntervalSinceNow)))
        }
    }

    private func repairTopics() {
        guard let recreateTopics else {
            logger.error("a topic the outbox writes to does not exist, and this service may not create topics (CREATE_TOPICS=false)")
            return
        }
        do {
            try recreateTopics()
            topicsRecreated.increment()
            logger.warning("a topic the outbox writes to was missing; the topology's missing topics were created again")
        } catch {
            logger.error("cannot create the missing topics", metadata: ["error": "\(error)"])
        }
    }

    /// What one pass of the relay did.
    public struct RelayPass: Sendable {
        /// Rows delivered and deleted.
        public var delivered: Int
        /// Rows that failed, and rows kept because an earlier row of their partition failed.
        public var failed: Int
        public var kept: Int
        /// The first delivery error of the pass, if any.
        public var failure: KafkaError?
    }

    /// Publishes up to one batch: rows are deleted once delivered (0 when the outbox is empty).
    /// - Throws: the error that calls for a new producer (``KafkaError/needsNewProducer``), or a store error.
    public func publish(_ producer: KafkaProducer) throws -> RelayPass {
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
        guard !messages.isEmpty else { return RelayPass(delivered: 0, failed: 0, kept: 0) }
        assignPartitions(&messages, producer: producer)
        let reports = try producer.send(messages)
        let (delivered, failed, firstError) = Self.deletable(messages, reports: reports)
        if !delivered.isEmpty {
            let deleted = delivered.map { seqs[$0] }
            try store.pool.write { db in
                if deleted.count == seqs.count {
                    // The whole batch: the oldest rows up to its last, since the batch was the outbox's head in order and
                    // rows queued since have higher `seq` (AUTOINCREMENT never reuses one).
                    try db.run("DELETE FROM outbox WHERE seq <= ?", [deleted[deleted.count - 1]])
                } else {
                    for seq in deleted { try db.run("DELETE FROM outbox WHERE seq = ?", [seq]) }
                }
            }
            produced.increment(by: deleted.count)
        }
        if let replace = reports.compactMap(\.error).first(where: \.needsNewProducer) ?? producer.fatalError() {
            failures.increment(by: failed)
            throw replace
        }
        if firstError != nil {
            failures.increment(by: failed)
            partitionCounts.withLock { $0.removeAll() }  // a topic may have been re-created with other partitions
        }
        return RelayPass(delivered: delivered.count, failed: failed, kept: seqs.count - delivered.count, failure: firstError)
    }

    /// Which rows of a sent batch may be deleted: a delivered row none of whose earlier rows on its partition failed.
    /// A row delivered behind a failed one stays, to be sent again after it.
    /// - Returns: the indexes to delete, in order; how many failed; the first error.
    static func deletable(_ messages: [KafkaProducerMessage], reports: [KafkaDeliveryReport]) -> ([Int], Int, KafkaError?) {
        var blocked = Set<ProduceLane>()
        var deletable: [Int] = []
        var failed = 0
        var firstError: KafkaError?
        for (index, (message, report)) in zip(messages, reports).enumerated() {
            if let error = report.error {
                failed += 1
                if error.code != KafkaError.blockedBehindEarlierFailure.code { firstError = firstError ?? error }
                blocked.insert(message.lane)
            } else if blocked.isEmpty || !blocked.contains(message.lane) {
                deletable.append(index)
            }
        }
        return (deletable, failed, firstError ?? (failed > 0 ? KafkaError.blockedBehindEarlierFailure : nil))
    }

    /// Sets each keyed message's partition from its topic's partition count, as Kafka's default partitioner would
    /// choose it for the record's `ce_partitionkey` (its key when it has none); a message whose topic the broker does
    /// not list yet, or without a key, is left to the producer (its key, or its topic for a keyless one, is then its
    /// unit of order).
    private func assignPartitions(_ messages: inout [KafkaProducerMessage], producer: KafkaProducer) {
        var counts = partitionCounts.withLock { $0 }
        if messages.contains(where: { counts[$0.topic] == nil }), let fresh = try? producer.partitionCounts() {
            counts = fresh.mapValues { Int32($0) }
            partitionCounts.withLock { $0 = counts }
        }
        for index in messages.indices {
            guard let key = messages[index].key, let count = counts[messages[index].topic], count > 0 else { continue }
            let partitionKey = messages[index].headers.first { $0.key == "ce_partitionkey" }?.value ?? key
            messages[index].partition = KeyPartitioner.partition(key: partitionKey, partitionCount: count)
        }
    }
}
