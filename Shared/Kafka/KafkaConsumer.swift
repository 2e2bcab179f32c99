import CRdKafka
import Logging
import Synchronization

/// Decides where each newly assigned partition starts: the service's store knows, not the group.
///
/// Called on the consumer's thread from inside librdkafka's rebalance callback, before the partitions are
/// assigned (seeking afterwards would race the fetcher). Partitions missing from the result start at the
/// group's committed offset, or at `auto.offset.reset` when there is none.
public typealias StartOffsetProvider = @Sendable ([TopicPartition]) throws -> [TopicPartition: Int64]

/// A consumer-group member that polls batches on the thread that owns it.
///
/// Not thread-safe by design: one OS thread creates it, polls it and closes it, and librdkafka serves
/// rebalances on that same thread (`rd_kafka_poll_set_consumer`). Offsets are the store's business;
/// the group's committed offsets are kept up to date for lag monitoring only.
public final class KafkaConsumer: @unchecked Sendable {
    // @unchecked: used from its owning thread only; `assignedPartitions` is the one value read elsewhere.
    private let handle: OpaquePointer
    private let context: ConsumerContext
    private var closed = false
    /// Topic names by librdkafka topic handle, so a batch does not re-decode the same C string per record.
    private var topicNames: [OpaquePointer: String] = [:]

    /// `fetch.wait.max.ms` bounds each hop's added latency; the broker answers an empty fetch after about half of it,
    /// so 50 rather than 20 cuts idle fetches (broker CPU) while keeping a five-hop path well under a second.
    /// `queued.min.messages` 500 (per partition, librdkafka's default 100,000): a service behind its input stops
    /// prefetching once a few batches are queued, instead of sending a fetch for every few records that arrive. The
    /// local broker's CPU per household fell by 14–35 % in four alternated runs (docs/benchmarks.md), and prefetched
    /// records no longer grow towards librdkafka's 64 MB queue per consumer.
    public static let defaults: [String: String] = [
        "enable.auto.commit": "true",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "earliest",
        "partition.assignment.strategy": "range",
        "fetch.wait.max.ms": "50",
        "fetch.queue.backoff.ms": "10",
        "queued.min.messages": "500",
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "1000",
        // A deleted or re-created topic is noticed within this time (librdkafka's default is 5 minutes): the local
        // broker answers a fetch of a deleted topic in a way librdkafka cannot tie to it, so only a refresh tells.
        "topic.metadata.refresh.interval.ms": "10000",
    ]

    /// - Parameters:
    ///   - config: librdkafka properties; must include `bootstrap.servers` and `group.id`.
    ///   - topics: topics to subscribe to.
    ///   - startOffsets: where newly assigned partitions start (see ``StartOffsetProvider``).
    ///   - released: called on the consumer's thread with partitions taken away, once they are no longer assigned and
    ///     before the member joins the group again: whatever it blocks for (a flush) happens before another member gets
    ///     them. `lost` is true when the member lost them without a rebalance (its session expired, the coordinator is
    ///     unreachable), false when the group took them back to hand them on.
    public init(
        config: KafkaConfig, topics: [String], startOffsets: @escaping StartOffsetProvider,
        released: (@Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void)? = nil, logger: Logger
    ) throws(KafkaError) {
        let context = ConsumerContext(logger: logger, startOffsets: startOffsets, released: released)
        self.context = context
        let handle = try makeNativeHandle(
            type: RD_KAFKA_CONSUMER,
            config: KafkaConfig(Self.defaults).merging(config.properties),
            context: context
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, consumerRebalanceCallback)
        }
        self.handle = handle
        rd_kafka_poll_set_consumer(handle)
        self.topics = topics
        do {
            try subscribe()
        } catch {
            rd_kafka_destroy(handle)
            throw error
        }
    }

    private let topics: [String]

    private func subscribe() throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, reason: "subscribe to \(topics)") }
    }

    deinit {
        close()
        rd_kafka_destroy(handle)
    }

    /// Partitions currently assigned to this member (safe to read from any thread).
    public var assignment: Set<TopicPartition> { context.assigned.withLock { $0 } }

    /// Waits up to `timeoutMs` for a first record, then takes what is already fetched, up to `maxMessages`.
    ///
    /// Records of partitions revoked while the batch was gathered are dropped: their new owner handles them.
    public func poll(maxMessages: Int, timeoutMs: Int32) throws(KafkaError) -> [KafkaConsumerMessage] {
        var batch: [KafkaConsumerMessage] = []
        var wait = timeoutMs
        while batch.count < maxMessages, let raw = rd_kafka_consumer_poll(handle, wait) {
            defer { rd_kafka_message_destroy(raw) }
            wait = 0
            let message = raw.pointee
            if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                let error = KafkaError(message.err, reason: rd_kafka_message_errstr(raw).map { String(cString: $0) })
                if error.isFatal { throw error }
                let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) }
                context.logger.warning("consumer error", metadata: ["error": "\(error)", "topic": "\(topic ?? "-")", "partition": "\(message.partition)"])
                problems.append(ConsumerProblem(topic: topic, partition: topic == nil ? nil : message.partition, error: error))
                continue
            }
            batch.append(convert(raw))
        }
        if let failure = context.failure.withLock({ $0 }) { throw failure }
        if context.revokedDuringBatch.withLock({ flag in defer { flag = false }; return flag }) {
            let assigned = assignment
            batch.removeAll { !assigned.contains($0.topicPartition) }
        }
        return batch
    }

    private var problems: [ConsumerProblem] = []

    /// The errors `poll` met since the last call (a missing topic, a position outside a partition's log), oldest first.
    public func takeProblems() -> [ConsumerProblem] {
        defer { problems.removeAll() }
        return problems
    }

    /// Stops fetching `partitions` until they are resumed or assigned again.
    public func pause(_ partitions: [TopicPartition]) {
        withList(partitions) { _ = rd_kafka_pause_partitions(handle, $0) }
    }

    /// Moves `partitions` to `offset` (a logical offset such as ``KafkaOffset/beginning`` is allowed) and resumes them.
    public func seek(_ partitions: [TopicPartition], to offset: Int64) throws(KafkaError) {
        var failure: KafkaError?
        withList(partitions, offset: offset) { list in
            if let error = rd_kafka_seek_partitions(handle, list, 5_000) { failure = KafkaError(consuming: error) }
            _ = rd_kafka_resume_partitions(handle, list)
        }
        if let failure { throw failure }
    }

    /// Asks the broker for every topic's metadata now, so a subscribed topic created since the last refresh is seen
    /// (and the group rebalances onto it) without waiting for `topic.metadata.refresh.interval.ms`.
    /// - Returns: each topic's partition count.
    @discardableResult
    public func refreshMetadata(timeoutMs: Int32 = 5_000) throws(KafkaError) -> [String: Int] {
        try KafkaAdmin.partitionCounts(handle: handle, timeoutMs: timeoutMs)
    }

    /// The partition's watermarks as its leader says now (a round trip, unlike ``highWatermarks()``).
    public func queryWatermarks(of partition: TopicPartition, timeoutMs: Int32 = 5_000) throws(KafkaError) -> Watermarks {
        try Watermarks.query(partition, handle: handle, timeoutMs: timeoutMs)
    }

    private func withList(_ partitions: [TopicPartition], offset: Int64? = nil, _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void) {
        guard !partitions.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for tp in partitions {
            let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
            if let offset { element.pointee.offset = offset }
        }
        body(list)
    }

    /// Records `nextOffsets` (offset of the last applied record + 1) for the group's advisory commit.
    public func storeOffsets(_ nextOffsets: [TopicPartition: Int64]) {
        guard !nextOffsets.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(nextOffsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (tp, offset) in nextOffsets {
            rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition).pointee.offset = offset
        }
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__STATE {
            context.logger.debug("offsets_store failed", metadata: ["error": "\(KafkaError(err))"])
        }
    }

    /// Where the consumer will fetch next in each assigned partition (past control records the application never sees);
    /// partitions it has not fetched from yet are missing. No broker round trip.
    public func fetchPositions() -> [TopicPartition: Int64] {
        let partitions = Array(assignment)
        var result: [TopicPartition: Int64] = [:]
        withList(partitions) { list in
            guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return }
            for index in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[index]
                if element.offset >= 0 { result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset }
            }
        }
        return result
    }

    /// High watermarks of the assigned partitions as last seen by the fetcher (no broker round trip).
    public func highWatermarks() -> [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for tp in assignment {
            var low: Int64 = -1
            var high: Int64 = -1
            if rd_kafka_get_watermark_offsets(handle, tp.topic, tp.partition, &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR,
                high >= 0
            {
                result[tp] = high
            }
        }
        return result
    }

    /// Commits stored offsets and leaves the group, so the partitions move at once rather than after the session times out.
    public func close() {
        guard !closed else { return }
        closed = true
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            context.logger.warning("consumer close", metadata: ["error": "\(KafkaError(err))"])
        }
        context.assigned.withLock { $0.removeAll() }
    }

    private func convert(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaConsumerMessage {
        let message = raw.pointee
        let topic: String
        if let name = topicNames[message.rkt] {
            topic = name
        } else {
            topic = String(cString: rd_kafka_topic_name(message.rkt))
            topicNames[message.rkt] = topic
        }
        var headers: [KafkaHeader] = []
        var native: OpaquePointer?
        if rd_kafka_message_headers(raw, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native {
            var index = 0
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(native, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                if let name { headers.append(KafkaHeader(key: String(cString: name), value: [UInt8](bytes: value, count: size))) }
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        return KafkaConsumerMessage(
            topic: topic,
            partition: message.partition,
            offset: message.offset,
            key: message.key.map { [UInt8](bytes: $0, count: message.key_len) },
            value: message.payload.map { [UInt8](bytes: $0, count: message.len) },
            headers: headers,
            timestamp: rd_kafka_message_timestamp(raw, &timestampType)
        )
    }
}

/// An error the consumer met on a topic or partition (or on none), for the loop to act on.
public struct ConsumerProblem: Sendable, CustomStringConvertible {
    public var topic: String?
    public var partition: Int32?
    public var error: KafkaError

    public var topicPartition: TopicPartition? {
        guard let topic, let partition, partition >= 0 else { return nil }
        return TopicPartition(topic: topic, partition: partition)
    }

    public var description: String { "\(topicPartition?.description ?? topic ?? "consumer"): \(error.reason)" }
}

/// State the rebalance callback needs. `assigned` and `revokedDuringBatch` are read by other threads
/// (readiness, lag), hence the mutexes; the rest is immutable.
final class ConsumerContext: NativeClientContext, @unchecked Sendable {
    let startOffsets: StartOffsetProvider
    let assigned = Mutex<Set<TopicPartition>>([])
    let revokedDuringBatch = Mutex(false)
    /// Set when an assignment could not be taken up; the next `poll` throws it, so the member stops instead of
    /// holding partitions it does not consume.
    let failure = Mutex<KafkaError?>(nil)

    let released: (@Sendable ([TopicPartition], Bool) -> Void)?

    init(logger: Logger, startOffsets: @escaping StartOffsetProvider, released: (@Sendable ([TopicPartition], Bool) -> Void)?) {
        self.startOffsets = startOffsets
        self.released = released
        super.init(logger: logger)
    }
}

private func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
    (0..<Int(list.pointee.cnt)).map { index in
        let element = list.pointee.elems[index]
        return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
    }
}

/// Sets each assigned partition's start offset from the store, then assigns (cooperative or eager).
private let consumerRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { handle, err, list, opaque in
    guard let handle, let list, let opaque else { return }
    let context = Unmanaged<NativeClientContext>.fromOpaque(opaque).takeUnretainedValue() as! ConsumerContext
    let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
    let changed = partitions(of: list)
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        do {
            let offsets = try context.startOffsets(changed)
            for index in 0..<Int(list.pointee.cnt) {
                let element = list.pointee.elems[index]
                let tp = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
                if let offset = offsets[tp] { list.pointee.elems[index].offset = offset }
            }
        } catch {
            // Without the store's offsets we must not consume (assigning would start from the group's offsets), and must
            // not sit on the partitions either: the next poll fails the member, which closes and leaves to the others.
            context.logger.critical("cannot read start offsets; stopping this consumer", metadata: ["error": "\(error)"])
            context.failure.withLock { $0 = KafkaError.client("cannot read the start offsets of \(changed.map(\.description).sorted()) from the store: \(error)") }
            return
        }
        if cooperative {
            if let error = rd_kafka_incremental_assign(handle, list) {
                context.logger.error("incremental assign failed", metadata: ["error": "\(KafkaError(consuming: error))"])
            }
        } else {
            _ = rd_kafka_assign(handle, list)
        }
        context.assigned.withLock { $0.formUnion(changed) }
        context.logger.info("partitions assigned", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        let lost = rd_kafka_assignment_lost(handle) != 0
        if cooperative {
            if let error = rd_kafka_incremental_unassign(handle, list) { _ = KafkaError(consuming: error) }
        } else {
            _ = rd_kafka_assign(handle, nil)
        }
        context.assigned.withLock { $0.subtract(changed) }
        context.revokedDuringBatch.withLock { $0 = true }
        context.logger.info("partitions revoked", metadata: ["partitions": "\(changed.map(\.description).sorted())"])
        context.released?(changed, lost)
    default:
        _ = rd_kafka_assign(handle, nil)
        let lost = context.assigned.withLock { assigned in defer { assigned.removeAll() }; return assigned }
        context.revokedDuringBatch.withLock { $0 = true }
        context.logger.error("rebalance error", metadata: ["error": "\(KafkaError(err))"])
        if !lost.isEmpty { context.released?(Array(lost), true) }
    }
}
