import EventContracts
import Foundation
import Kafka
import Logging
import Metrics
import Synchronization

/// Polls a consumer group on one dedicated OS thread and applies each batch with a ``BatchApplier``.
///
/// Start positions come from the store (set in the rebalance callback); the group's committed offsets are
/// updated after each batch for lag monitoring only. On ``stop()`` it finishes the batch in hand, commits and
/// closes the consumer. With static membership (`group.instance.id`) closing does not leave the group: a restart
/// within `session.timeout.ms` gets the same partitions back without a rebalance.
public final class ConsumerLoop: Sendable {
    public let name: String
    private let config: KafkaConfig
    private let topics: [String]
    private let applier: BatchApplier
    private let batchSize: Int
    private let logger: Logger
    private let stopping = Mutex(false)
    private let currentAssignment = Mutex<Set<TopicPartition>>([])
    private let lagByPartition = Mutex<[TopicPartition: Int64]>([:])
    private let consumed: Counter
    private let deadLettered: Counter
    private let applyTimer: Metrics.Timer
    private let lagGauge: Gauge

    /// - Parameters:
    ///   - name: the consumer group's role, used in logs and metrics.
    ///   - config: librdkafka properties including `bootstrap.servers` and `group.id`.
    public init(name: String, config: KafkaConfig, topics: [String], applier: BatchApplier, batchSize: Int = 1_000, logger: Logger) {
        self.name = name
        self.config = config
        self.topics = topics
        self.applier = applier
        self.batchSize = batchSize
        self.logger = logger
        let dimensions = [("consumer", name)]
        consumed = Counter(label: "giamngheo_records_consumed_total", dimensions: dimensions)
        deadLettered = Counter(label: "giamngheo_records_dead_lettered_total", dimensions: dimensions)
        applyTimer = Metrics.Timer(label: "giamngheo_batch_apply_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        lagGauge = Gauge(label: "giamngheo_consumer_lag_records", dimensions: dimensions)
    }

    private let failed = Mutex<String?>(nil)

    /// Why the loop stopped on an error, if it did (readiness reports it until the process exits).
    public var failure: String? { failed.withLock { $0 } }

    /// Partitions this member applies now.
    public var assignment: Set<TopicPartition> { currentAssignment.withLock { $0 } }

    /// Records behind the high watermark, summed over the assigned partitions.
    public var lag: Int64 { lagByPartition.withLock { $0.values.reduce(0, +) } }

    /// Asks the loop to finish its batch, commit and leave the group.
    public func stop() { stopping.withLock { $0 = true } }

    /// Runs on the calling thread until ``stop()``; the consumer lives and dies on this thread.
    public func runBlocking() throws {
        do {
            try consume()
        } catch {
            failed.withLock { $0 = "\(error)" }
            logger.critical("consumer failed; the service stops", metadata: ["consumer": "\(name)", "error": "\(error)"])
            throw error
        }
    }

    private func consume() throws {
        let store = applier.store
        let consumer = try KafkaConsumer(
            config: config, topics: topics, startOffsets: { try store.startOffsets(for: $0) }, logger: logger)
        defer {
            consumer.close()
            currentAssignment.withLock { $0.removeAll() }
            logger.info("consumer closed", metadata: ["consumer": "\(name)"])
        }
        logger.info("consumer started", metadata: ["consumer": "\(name)", "topics": "\(topics)"])
        var lastLagCheck = Date.distantPast
        while !stopping.withLock({ $0 }) {
            let batch = try consumer.poll(maxMessages: batchSize, timeoutMs: 100)
            currentAssignment.withLock { $0 = consumer.assignment }
            if !batch.isEmpty {
                let outcome = try applyWithRetry(batch)
                consumer.storeOffsets(outcome.nextOffsets)
                consumed.increment(by: batch.count)
                if outcome.deadLettered > 0 {
                    deadLettered.increment(by: outcome.deadLettered)
                    logger.warning(
                        "records sent to the dead-letter topic",
                        metadata: ["consumer": "\(name)", "count": "\(outcome.deadLettered)"])
                }
            }
            if Date().timeIntervalSince(lastLagCheck) > 1 {
                lastLagCheck = Date()
                updateLag(consumer)
            }
        }
    }

    /// Retries a batch that failed for a transient reason (busy or failing disk) until it applies or the loop stops.
    private func applyWithRetry(_ batch: [KafkaConsumerMessage]) throws -> BatchOutcome {
        var attempt = 0
        while true {
            let start = DispatchTime.now()
            do {
                let outcome = try applier.apply(batch)
                applyTimer.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds))
                return outcome
            } catch {
                attempt += 1
                logger.error("batch failed; retrying", metadata: ["consumer": "\(name)", "attempt": "\(attempt)", "error": "\(error)"])
                if stopping.withLock({ $0 }) { throw error }
                Thread.sleep(forTimeInterval: min(5, 0.05 * Double(1 << min(attempt, 7))))  // backoff before retrying
            }
        }
    }

    private func updateLag(_ consumer: KafkaConsumer) {
        guard let offsets = try? applier.store.startOffsets(for: Array(consumer.assignment)) else { return }
        let lags = consumer.highWatermarks().reduce(into: [TopicPartition: Int64]()) { result, entry in
            // A partition the store has not seen yet starts at its beginning (a negative logical offset).
            result[entry.key] = max(0, entry.value - max(0, offsets[entry.key] ?? 0))
        }
        lagByPartition.withLock { $0 = lags }
        lagGauge.record(lags.values.reduce(0, +))
    }
}
