import CRdKafka
import Logging
import Synchronization

/// A Kafka producer whose `send` returns only once every message has a delivery report.
///
/// Blocking by design: it is owned by one OS thread (the outbox relay's, or a tool's), which also serves
/// librdkafka's callbacks by polling, so Swift's cooperative thread pool never waits on librdkafka.
/// Defaults: idempotent (`enable.idempotence=true`, hence `acks=all`) and `murmur2_random` partitioning, so
/// that Java producers of other agencies put the same key on the same partition.
public final class KafkaProducer: @unchecked Sendable {
    // @unchecked: `handle` is used under `lock` only; the context is touched only by the thread holding it.
    private let handle: OpaquePointer
    private let context: ProducerContext
    private let lock = Mutex(())
    private let logger: Logger

    /// Overridable per deployment (`KAFKA_PROPERTY_*`). Measured on the local broker (docs/benchmarks.md):
    /// `linger.ms` 20 rather than 5 and no compression halved the broker's CPU per household; against a remote
    /// cluster, set `compression.codec=lz4` to trade client CPU for network (docs/operations.md).
    public static let defaults: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "partitioner": "murmur2_random",
        "linger.ms": "20",
        "compression.codec": "none",
        "message.timeout.ms": "30000",
    ]

    public init(config: KafkaConfig, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let context = ProducerContext(logger: logger)
        self.context = context
        self.handle = try makeNativeHandle(
            type: RD_KAFKA_PRODUCER,
            config: KafkaConfig(Self.defaults).merging(config.properties),
            context: context
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, producerDeliveryCallback)
        }
    }

    deinit {
        rd_kafka_flush(handle, 10_000)
        rd_kafka_destroy(handle)
    }

    /// Produces `messages` in order and waits for all their delivery reports.
    ///
    /// Order holds per partition (or per key, for a message whose partition is left to the partitioner): a message
    /// that cannot be queued stops the ones after it on the same partition, which are reported as
    /// ``KafkaError/blockedBehindEarlierFailure`` without being produced.
    /// - Returns: one report per message, in the same order; failed ones carry an error.
    /// - Throws: only when the producer itself is unusable (a fatal error).
    public func send(_ messages: [KafkaProducerMessage]) throws(KafkaError) -> [KafkaDeliveryReport] {
        try lock.withLock { _ throws(KafkaError) in
            context.begin(count: messages.count)
            var blocked = Set<ProduceLane>()
            for (index, message) in messages.enumerated() {
                if !blocked.isEmpty, blocked.contains(message.lane) {
                    context.record(token: index + 1, KafkaDeliveryReport(partition: -1, offset: -1, error: .blockedBehindEarlierFailure))
                    continue
                }
                while true {
                    let error = produce(message, token: index + 1)
                    guard let error else { break }
                    if error.code == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue {
                        rd_kafka_poll(handle, 50)  // let delivery reports free queue space, then retry
                        continue
                    }
                    context.record(token: index + 1, KafkaDeliveryReport(partition: -1, offset: -1, error: error))
                    blocked.insert(message.lane)
                    break
                }
            }
            while context.outstanding > 0 {
                rd_kafka_poll(handle, 100)
                if let fatal = fatalError() { throw fatal }
            }
            return context.finish()
        }
    }

    /// Serves pending callbacks (logs, errors) without producing; call when idle.
    public func poll(timeoutMs: Int32 = 0) {
        lock.withLock { _ in _ = rd_kafka_poll(handle, timeoutMs) }
    }

    /// Waits up to `timeoutMs` for in-flight messages; used at shutdown.
    public func flush(timeoutMs: Int32) {
        lock.withLock { _ in _ = rd_kafka_flush(handle, timeoutMs) }
    }

    /// The producer's fatal error, if librdkafka raised one (the handle must then be recreated).
    public func fatalError() -> KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: code.rawValue, name: String(cString: rd_kafka_err2name(code)),
                          reason: String(cString: errstr), isFatal: true)
    }

    /// Creates topics that do not exist yet; existing ones are left as they are.
    public func createTopics(_ specs: [TopicSpec], timeoutMs: Int32 = 15_000) throws(KafkaError) {
        try lock.withLock { _ throws(KafkaError) in try KafkaAdmin.createTopics(specs, handle: handle, timeoutMs: timeoutMs) }
    }

    /// Partition counts of existing topics (absent when the topic does not exist); also proves the broker answers.
    public func partitionCounts(timeoutMs: Int32 = 5_000) throws(KafkaError) -> [String: Int] {
        try lock.withLock { _ throws(KafkaError) in try KafkaAdmin.partitionCounts(handle: handle, timeoutMs: timeoutMs) }
    }

    /// The partition's first and next offset as the broker says now (a round trip).
    public func watermarks(of partition: TopicPartition, timeoutMs: Int32 = 5_000) throws(KafkaError) -> Watermarks {
        try lock.withLock { _ throws(KafkaError) in try Watermarks.query(partition, handle: handle, timeoutMs: timeoutMs) }
    }

    /// Low and high watermarks of a partition, asked of the broker.
    public func watermarks(topic: String, partition: Int32, timeoutMs: Int32 = 5_000) throws(KafkaError) -> (low: Int64, high: Int64) {
        try lock.withLock { _ throws(KafkaError) in
            var low: Int64 = -1
            var high: Int64 = -1
            let err = rd_kafka_query_watermark_offsets(handle, topic, partition, &low, &high, timeoutMs)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, reason: "watermarks of \(topic)[\(partition)]") }
            return (low, high)
        }
    }

    /// Records currently held by a topic (sum of high minus low watermarks over its partitions).
    public func recordCount(topic: String) throws(KafkaError) -> Int64 {
        guard let partitions = try partitionCounts()[topic] else { return 0 }
        var total: Int64 = 0
        for partition in 0..<Int32(partitions) {
            let (low, high) = try watermarks(topic: topic, partition: partition)
            total += high - low
        }
        return total
    }

    private func produce(_ message: KafkaProducerMessage, token: Int) -> KafkaError? {
        let headers = rd_kafka_headers_new(message.headers.count)!
        for header in message.headers {
            header.value.withUnsafeBytes { value in
                _ = rd_kafka_header_add(headers, header.key, -1, value.baseAddress, value.count)
            }
        }
        let error: OpaquePointer? = message.topic.withCString { topic in
            withOptionalBytes(message.key) { key in
                withOptionalBytes(message.value) { value in
                    var args = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: message.partition == nil ? 6 : 7)
                    args[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    args[0].u.cstr = topic
                    args[1].vtype = RD_KAFKA_VTYPE_KEY
                    args[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    args[1].u.mem.size = key.count
                    args[2].vtype = RD_KAFKA_VTYPE_VALUE
                    args[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    args[2].u.mem.size = value.count
                    args[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    args[3].u.i = RD_KAFKA_MSG_F_COPY
                    args[4].vtype = RD_KAFKA_VTYPE_HEADERS
                    args[4].u.headers = headers
                    args[5].vtype = RD_KAFKA_VTYPE_OPAQUE
                    args[5].u.ptr = UnsafeMutableRawPointer(bitPattern: token)
                    if let partition = message.partition {
                        args[6].vtype = RD_KAFKA_VTYPE_PARTITION
                        args[6].u.i32 = partition
                    }
                    return rd_kafka_produceva(handle, args, args.count)
                }
            }
        }
        guard let error else { return nil }  // librdkafka now owns `headers`
        rd_kafka_headers_destroy(headers)
        return KafkaError(consuming: error)
    }
}

/// Runs `body` with the bytes of `bytes`, or with an empty buffer at a null address when `bytes` is nil
/// (librdkafka reads a null value as a tombstone and a null key as "no key").
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
    return bytes.withUnsafeBytes(body)
}

/// Delivery reports of the batch being sent. Only touched by the thread inside `KafkaProducer.send`,
/// which is also the thread on which librdkafka invokes the delivery callback.
final class ProducerContext: NativeClientContext, @unchecked Sendable {
    private var reports: [KafkaDeliveryReport?] = []
    private(set) var outstanding = 0

    func begin(count: Int) {
        reports = Array(repeating: nil, count: count)
        outstanding = count
    }

    func record(token: Int, _ report: KafkaDeliveryReport) {
        let index = token - 1
        guard reports.indices.contains(index), reports[index] == nil else { return }
        reports[index] = report
        outstanding -= 1
    }

    func finish() -> [KafkaDeliveryReport] {
        defer { reports = [] }
        return reports.map { $0 ?? KafkaDeliveryReport(partition: -1, offset: -1, error: .client("no delivery report")) }
    }
}

private let producerDeliveryCallback: @convention(c) (
    OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?
) -> Void = { _, message, opaque in
    guard let message, let opaque else { return }
    let context = Unmanaged<NativeClientContext>.fromOpaque(opaque).takeUnretainedValue() as! ProducerContext
    let token = Int(bitPattern: message.pointee._private)
    let err = message.pointee.err
    context.record(
        token: token,
        KafkaDeliveryReport(
            partition: message.pointee.partition,
            offset: message.pointee.offset,
            error: err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(err)
        )
    )
}
