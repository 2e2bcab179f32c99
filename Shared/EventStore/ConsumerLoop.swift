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
/// closes the consumer, leaving the group (unless it is a static member, `STATIC_MEMBERSHIP=true`).
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
    /// Per assigned partition, the end it had when first seen after the assignment; `current` holds those applied that far.
    private let catchUp = Mutex<(targets: [TopicPartition: Int64], current: Set<TopicPartition>)>(([:], []))
    private let consumed: Counter
    private let deadLettered: Counter
    private let applyTimer: Metrics.Timer
    private let lagGauge: Gauge
    private let assignmentChanges: Counter
    private let assignedGauge: Gauge
    private let eventAge: Metrics.Timer
    private let pastEndPolicy: PastEndPolicy
    private let pastEndGrace: TimeInterval
    /// How long a position may stay below the partition's end without moving before it counts as stalled.
    private let stallGrace: TimeInterval
    private let recreateTopics: (@Sendable () throws -> Void)?
    private let pastEndGauge: Gauge
    private let rewinds: Counter
    private let missingTopicGauge: Gauge
    /// Partitions paused past their end (policy `stop`), and subscribed topics the broker does not know, for readiness.
    private let stuck = Mutex<(pastEnd: [TopicPartition: PastEnd], missingTopics: Set<String>)>(([:], []))

    /// - Parameters:
    ///   - name: the consumer group's role, used in logs and metrics.
    ///   - config: librdkafka properties including `bootstrap.servers` and `group.id`.
    ///   - pastEnd: what to do with a partition whose stored position lies past its end (``PastEndPolicy``).
    ///   - pastEndGrace: how long a position must stay past the end the fetcher sees before the broker is asked.
    ///   - stallGrace: how long the fetch position may stay below the end without moving before the partition is treated
    ///     as if it lay past its end (records the broker counts and does not serve).
    ///   - recreateTopics: creates the topology's missing topics, when the service may; called (with back-off) while a
    ///     subscribed topic does not exist.
    ///   - onRelease: called with partitions this member loses, after it stops applying them and before another member
    ///     can get them, and whether they were lost rather than taken back by a rebalance (``KafkaConsumer``'s `released`).
    public init(
        name: String, config: KafkaConfig, topics: [String], applier: BatchApplier, batchSize: Int = 1_000,
        pastEnd: PastEndPolicy = .stop, pastEndGrace: TimeInterval = 10, stallGrace: TimeInterval = 60, recreateTopics: (@Sendable () throws -> Void)? = nil,
        onRelease: (@Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void)? = nil, logger: Logger
    ) {
        self.onRelease = onRelease
        self.name = name
        self.config = config
        self.topics = topics
        self.applier = applier
        self.batchSize = batchSize
        self.pastEndPolicy = pastEnd
        self.pastEndGrace = pastEndGrace
        self.stallGrace = stallGrace
        self.recreateTopics = recreateTopics
        self.logger = logger
        let dimensions = [("consumer", name)]
        pastEndGauge = Gauge(label: "giamngheo_consumer_partitions_past_end", dimensions: dimensions)
        rewinds = Counter(label: "giamngheo_consumer_rewinds_total", dimensions: dimensions)
        missingTopicGauge = Gauge(label: "giamngheo_consumer_topics_missing", dimensions: dimensions)
        consumed = Counter(label: "giamngheo_records_consumed_total", dimensions: dimensions)
        deadLettered = Counter(label: "giamngheo_records_dead_lettered_total", dimensions: dimensions)
        applyTimer = Metrics.Timer(label: "giamngheo_batch_apply_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        lagGauge = Gauge(label: "giamngheo_consumer_lag_records", dimensions: dimensions)
        assignmentChanges = Counter(label: "giamngheo_consumer_assignment_changes_total", dimensions: dimensions)
        assignedGauge = Gauge(label: "giamngheo_consumer_assigned_partitions", dimensions: dimensions)
        eventAge = Metrics.Timer(label: "giamngheo_event_age_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    private let failed = Mutex<String?>(nil)
    private let onRelease: (@Sendable ([TopicPartition], Bool) -> Void)?

    /// Why the loop stopped on an error, if it did (readiness reports it until the process exits).
    public var failure: String? { failed.withLock { $0 } }

    /// Why this member is not consuming everything it should, one line each (empty when it is): partitions paused past
    /// their end and topics missing from the broker.
    public var problems: [String] {
        stuck.withLock { state in
            state.pastEnd.values.map { found in
                found.stalledSeconds == nil
                    ? "\(found); run giamngheo-admin offsets --rewind after stopping the service, or restart it with OFFSETS_PAST_END=rewind"
                    : "\(found); restart the service with OFFSETS_PAST_END=rewind to read the partition again from its beginning"
            }.sorted()
                + state.missingTopics.sorted().map { "topic \($0) does not exist on the broker" }
        }
    }

    /// Partitions this member applies now.
    public var assignment: Set<TopicPartition> { currentAssignment.withLock { $0 } }

    /// Partitions this member applies and has caught up on since it got them: applied at least as far as the partition's
    /// end when it took the partition over, so its store answers for their keys. Checked about once a second.
    public var current: Set<TopicPartition> {
        let assigned = assignment
        return catchUp.withLock { $0.current }.intersection(assigned)
    }

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

    /// One group member after another: a member left without partitions while its topics exist is closed and replaced
    /// by a new one (``Rejoin``).
    private func consume() throws {
        var rejoin = Rejoin()
        var stalls = StallWatch(grace: stallGrace)
        while try consumeAsOneMember(rejoin: &rejoin, stalls: &stalls) {
            logger.warning(
                "no partitions assigned while every subscribed topic exists; rejoining the group as a new member",
                metadata: ["consumer": "\(name)", "topics": "\(topics)"])
        }
    }

    /// - Returns: whether to go on as a new member.
    private func consumeAsOneMember(rejoin: inout Rejoin, stalls: inout StallWatch) throws -> Bool {
        let store = applier.store
        let consumer = try KafkaConsumer(
            config: config, topics: topics, startOffsets: { try store.startOffsets(for: $0) },
            released: { [self] partitions, lost in
                currentAssignment.withLock { $0.subtract(partitions) }
                onRelease?(partitions, lost)
            }, logger: logger)
        defer {
            consumer.close()
            currentAssignment.withLock { $0.removeAll() }
            logger.info("consumer closed", metadata: ["consumer": "\(name)"])
        }
        stuck.withLock { $0.pastEnd.removeAll() }  // a new member pauses nothing yet
        logger.info("consumer started", metadata: ["consumer": "\(name)", "topics": "\(topics)"])
        var lastLagCheck = Date.distantPast
        var lastTopicCheck = Date()
        var watch = PastEndWatch(grace: pastEndGrace)
        var topicRepair = TopicRepair(backoff: Backoff(initial: 1, maximum: 60))
        while !stopping.withLock({ $0 }) {
            let batch = try consumer.poll(maxMessages: batchSize, timeoutMs: 100)
            let assigned = consumer.assignment
            // Only a member empty all along is replaced: one that held partitions in between (a rebalance) starts over.
            if !assigned.isEmpty { rejoin.reset() }
            if currentAssignment.withLock({ old in defer { old = assigned }; return old != assigned }) {
                assignmentChanges.increment()
                assignedGauge.record(assigned.count)
            }
            handle(consumer.takeProblems(), consumer: consumer, topicRepair: &topicRepair)
            if !batch.isEmpty {
                let outcome = try applyWithRetry(batch)
                consumer.storeOffsets(outcome.nextOffsets)
                consumed.increment(by: batch.count)
                recordAges(batch)
                if outcome.deadLettered > 0 {
                    deadLettered.increment(by: outcome.deadLettered)
                    logger.warning(
                        "records sent to the dead-letter topic",
                        metadata: ["consumer": "\(name)", "count": "\(outcome.deadLettered)"])
                }
            }
            if Date().timeIntervalSince(lastLagCheck) > 1 {
                lastLagCheck = Date()
                updateLag(consumer, watch: &watch, stalls: &stalls)
            }
            if Date().timeIntervalSince(lastTopicCheck) > 10 {
                lastTopicCheck = Date()
                if checkSubscribedTopics(consumer, rejoin: &rejoin) { return true }
            }
        }
        return false
    }

    /// Retries a batch that failed for a transient reason (busy or failing disk) until it applies or the loop stops.
    private func applyWithRetry(_ batch: [KafkaConsumerMessage]) throws -> BatchOutcome {
        var attempt = 0
        var backoff = Backoff(initial: 0.05, maximum: 5)
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
                Thread.sleep(forTimeInterval: backoff.failed())
            }
        }
    }

    private func updateLag(_ consumer: KafkaConsumer, watch: inout PastEndWatch, stalls: inout StallWatch) {
        let assigned = consumer.assignment
        guard let offsets = try? applier.store.startOffsets(for: Array(assigned)) else { return }
        let ends = consumer.highWatermarks()
        let lags = ends.reduce(into: [TopicPartition: Int64]()) { result, entry in
            // A partition the store has not seen yet starts at its beginning (a negative logical offset).
            result[entry.key] = max(0, entry.value - max(0, offsets[entry.key] ?? 0))
        }
        let revoked = lagByPartition.withLock { previous in
            defer { previous = lags }
            return previous.keys.filter { lags[$0] == nil }
        }
        for (tp, lag) in lags { partitionLagGauge(tp).record(lag) }
        for tp in revoked { partitionLagGauge(tp).record(0) }  // its new owner reports it
        // A partition just given: its end as the leader says, since the fetcher's can be a batch short on the local broker
        // (issue 18), and an instance that counted itself caught up a batch early would answer from an old row.
        let newlyAssigned = catchUp.withLock { state in assigned.filter { state.targets[$0] == nil && !state.current.contains($0) } }
        let leaderEnds = newlyAssigned.reduce(into: [TopicPartition: Int64]()) { result, tp in
            result[tp] = try? consumer.queryWatermarks(of: tp, timeoutMs: 2_000).high
        }
        catchUp.withLock { state in
            state.targets = state.targets.filter { assigned.contains($0.key) }
            state.current.formIntersection(assigned)
            for tp in assigned where !state.current.contains(tp) {
                if state.targets[tp] == nil, let end = [ends[tp], leaderEnds[tp]].compactMap({ $0 }).max() { state.targets[tp] = end }
                if let target = state.targets[tp], max(0, offsets[tp] ?? 0) >= target { state.current.insert(tp) }
            }
        }
        lagGauge.record(lags.values.reduce(0, +))
        let paused = stuck.withLock { state in
            state.pastEnd = state.pastEnd.filter { assigned.contains($0.key) }  // a revoked partition is its new owner's
            return Set(state.pastEnd.keys)
        }
        for tp in watch.observe(positions: offsets, ends: ends, now: Date()) where !paused.contains(tp) {
            // Confirmed with the partition's leader, since what the fetcher saw may be old. The local broker's answer
            // can be a batch short of the real end (issue 18), so the fetcher's end is the one reported.
            guard let position = offsets[tp], let end = ends[tp], let confirmed = try? consumer.queryWatermarks(of: tp, timeoutMs: 2_000).high
            else { continue }
            watch.forget(tp)
            if position > confirmed { pastEnd(PastEnd(partition: tp, position: position, end: end), consumer: consumer) }
        }
        // The fetch position, not the store's: it moves past the control records of transactional producers, which take
        // offsets no consumer ever sees.
        let fetching = consumer.fetchPositions()
        for (tp, unmoved) in stalls.observe(fetching: fetching, stored: offsets, ends: ends, now: Date()) where !paused.contains(tp) {
            stalls.forget(tp)
            let position = max(0, fetching[tp] ?? offsets[tp] ?? 0)
            // More than one record: a transaction's closing marker alone may sit after the last record a consumer sees.
            // A partition stalled again where a rewind left it is not rewound again.
            guard let confirmed = try? consumer.queryWatermarks(of: tp, timeoutMs: 2_000).high, confirmed > position + 1 else { continue }
            let found = PastEnd(partition: tp, position: position, end: confirmed, stalledSeconds: Int(unmoved))
            // Stalled again where it was dealt with (a rewind that brought nothing): paused and said, whatever the policy.
            if stalls.handled[tp] == position {
                pastEnd(found, consumer: consumer, policy: .stop)
            } else {
                stalls.handled[tp] = position
                pastEnd(found, consumer: consumer)
            }
        }
        pastEndGauge.record(stuck.withLock { $0.pastEnd.count })
    }

    private func partitionLagGauge(_ tp: TopicPartition) -> Gauge {
        Gauge(label: "giamngheo_consumer_partition_lag_records", dimensions: [("consumer", name), ("topic", tp.topic), ("partition", String(tp.partition))])
    }

    /// How long ago each applied record was produced (its Kafka timestamp), into `giamngheo_event_age_seconds`.
    private func recordAges(_ batch: [KafkaConsumerMessage]) {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        for message in batch where message.timestamp > 0 {
            eventAge.recordNanoseconds(max(0, now - message.timestamp) * 1_000_000)
        }
    }

    /// Applies the policy to a partition whose position the broker confirmed is past its end.
    private func pastEnd(_ found: PastEnd, consumer: KafkaConsumer, policy: PastEndPolicy? = nil) {
        switch policy ?? pastEndPolicy {
        case .stop:
            consumer.pause([found.partition])
            stuck.withLock { $0.pastEnd[found.partition] = found }
            logger.error(
                "partition paused: \(found.stalledSeconds == nil ? "its position lies past its end" : "its position has not moved while records wait beyond it"); the service reports not ready until the operator rewinds it",
                metadata: ["consumer": "\(name)", "topic": "\(found.partition.topic)", "partition": "\(found.partition.partition)",
                           "position": "\(found.position)", "end": "\(found.end)"])
        case .rewind:
            do {
                try applier.store.forgetOffsets([found.partition])
                try consumer.seek([found.partition], to: KafkaOffset.beginning)
                rewinds.increment()
                logger.warning(
                    "partition rewound to its beginning: \(found.stalledSeconds == nil ? "its position lay past its end" : "its position had not moved while records waited beyond it"); events already applied change nothing",
                    metadata: ["consumer": "\(name)", "topic": "\(found.partition.topic)", "partition": "\(found.partition.partition)",
                               "position": "\(found.position)", "end": "\(found.end)"])
            } catch {
                logger.error("rewind failed; tried again at the next check", metadata: ["consumer": "\(name)", "partition": "\(found.partition)", "error": "\(error)"])
            }
        }
    }

    /// While the member holds no partition, or a topic is known missing: asks the broker for the topics now, which also
    /// lets the group see a topic created since (librdkafka would wait for its metadata refresh), and notes the
    /// subscribed topics the broker does not have (after a broker was replaced, nothing else reports them).
    /// - Returns: whether this member should be replaced by a new one (see ``Rejoin``).
    private func checkSubscribedTopics(_ consumer: KafkaConsumer, rejoin: inout Rejoin) -> Bool {
        guard consumer.assignment.isEmpty || !stuck.withLock({ $0.missingTopics.isEmpty }),
              let counts = try? consumer.refreshMetadata(timeoutMs: 2_000) else { return false }
        let missing = Set(topics.filter { counts[$0] == nil })
        stuck.withLock { $0.missingTopics = missing }
        // Every topic exists and the member still has nothing: the group may have formed while they were missing, and
        // the local broker can then hand the same member the empty assignment at every rejoin (seen after a broker was
        // replaced). A new member is made, at growing intervals: a member with more peers than partitions stays empty on
        // purpose, and each new member costs the group a rebalance.
        guard missing.isEmpty, consumer.assignment.isEmpty else {
            rejoin.reset()
            return false
        }
        return rejoin.due(now: Date())
    }


    /// Acts on what the consumer reported: a position the broker refused as outside the log, a topic it does not know.
    private func handle(_ reported: [ConsumerProblem], consumer: KafkaConsumer, topicRepair: inout TopicRepair) {
        let assignedTopics = Set(consumer.assignment.map(\.topic))
        var missing = stuck.withLock { $0.missingTopics }.subtracting(assignedTopics)
        for problem in reported {
            if problem.error.isOffsetOutOfRange, let tp = problem.topicPartition,
               let position = try? applier.store.startOffsets(for: [tp])[tp],
               let end = try? consumer.queryWatermarks(of: tp, timeoutMs: 2_000).high
            {
                pastEnd(PastEnd(partition: tp, position: position, end: end), consumer: consumer)
            } else if problem.error.isUnknownTopic, let topic = problem.topic, topics.contains(topic) {
                missing.insert(topic)
            }
        }
        stuck.withLock { $0.missingTopics = missing }
        missingTopicGauge.record(missing.count)
        guard !missing.isEmpty, let recreateTopics, topicRepair.due(now: Date()) else { return }
        do {
            try recreateTopics()
            try consumer.refreshMetadata()
            topicRepair.succeeded(now: Date())
            logger.warning("subscribed topics were missing and were created again from the topology", metadata: ["consumer": "\(name)", "topics": "\(missing.sorted())"])
        } catch {
            let delay = topicRepair.failed(now: Date())
            logger.error("cannot create the missing topics; trying again", metadata: ["consumer": "\(name)", "topics": "\(missing.sorted())", "retryInSeconds": "\(delay)", "error": "\(error)"])
        }
    }
}

/// When a member left without partitions rejoins its group: first after `initial` seconds without any, then after
/// doubling delays up to `maximum`; any assignment starts it over.
struct Rejoin {
    var initial: TimeInterval = 20
    var maximum: TimeInterval = 600
    private var emptySince: Date?
    private var delay: TimeInterval = 0
    private var last: Date?

    mutating func reset() { (emptySince, delay, last) = (nil, 0, nil) }

    mutating func due(now: Date) -> Bool {
        guard let since = emptySince else {
            emptySince = now
            return false
        }
        let wait = delay == 0 ? initial : delay
        guard now.timeIntervalSince(last ?? since) >= wait else { return false }
        last = now
        delay = min(maximum, wait * 2)
        return true
    }
}

/// When to try creating missing topics again: at once the first time, then after a growing delay while it fails.
struct TopicRepair {
    var backoff: Backoff
    private var notBefore = Date.distantPast

    init(backoff: Backoff) { self.backoff = backoff }

    func due(now: Date) -> Bool { now >= notBefore }

    /// The subscription takes a metadata refresh to see a created topic: no new attempt before then.
    mutating func succeeded(now: Date) {
        backoff.succeeded()
        notBefore = now.addingTimeInterval(10)
    }

    mutating func failed(now: Date) -> TimeInterval {
        let delay = backoff.failed()
        notBefore = now.addingTimeInterval(delay)
        return delay
    }
}
