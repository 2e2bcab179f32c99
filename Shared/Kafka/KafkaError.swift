import CRdKafka

/// An error from librdkafka or from this wrapper, saying whether retrying can help.
///
/// `isFatal` means the client handle is unusable and must be recreated (for example an idempotent
/// producer that lost its sequence); `isRetriable` means the same call may succeed later.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t` value (negative values are client-side errors).
    public let code: Int32
    /// librdkafka's symbolic name for `code`, such as `_MSG_TIMED_OUT` or `TOPIC_ALREADY_EXISTS`.
    public let name: String
    /// What went wrong, in librdkafka's words or ours.
    public let reason: String
    public let isFatal: Bool
    public let isRetriable: Bool

    public init(code: Int32, name: String, reason: String, isFatal: Bool = false, isRetriable: Bool = false) {
        self.code = code
        self.name = name
        self.reason = reason
        self.isFatal = isFatal
        self.isRetriable = isRetriable
    }

    /// The idempotent producer's identity no longer fits the broker (fenced, an unknown producer id, a sequence gap or
    /// an old epoch: a topic re-created, a broker replaced), or the handle is unusable: only a new producer (a new
    /// producer id) can send again.
    public var needsNewProducer: Bool {
        isFatal || Self.producerStateCodes.contains(code)
    }

    /// The broker does not know the topic (deleted, or never created): re-creating it from the topology can help.
    public var isUnknownTopic: Bool {
        code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue || code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    }

    /// A partition's fetch position is outside the log (`auto.offset.reset=error` turns the broker's
    /// `OFFSET_OUT_OF_RANGE` into this instead of a silent jump).
    public var isOffsetOutOfRange: Bool {
        code == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET.rawValue || code == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE.rawValue
    }

    static let producerStateCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR_PRODUCER_FENCED.rawValue, RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID.rawValue,
        RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER.rawValue, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH.rawValue,
        RD_KAFKA_RESP_ERR__FATAL.rawValue,
    ]

    public var description: String {
        "KafkaError(\(name), \(reason)\(isFatal ? ", fatal" : "")\(isRetriable ? ", retriable" : ""))"
    }

    /// Builds an error from a bare response code, classifying the codes librdkafka documents as transient.
    init(_ err: rd_kafka_resp_err_t, reason: String? = nil) {
        let code = err.rawValue
        self.init(
            code: code,
            name: String(cString: rd_kafka_err2name(err)),
            reason: reason ?? String(cString: rd_kafka_err2str(err)),
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL,
            isRetriable: Self.retriableCodes.contains(code)
        )
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            name: String(cString: rd_kafka_error_name(error)),
            reason: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    /// An error raised by this wrapper rather than by librdkafka.
    public static func client(_ reason: String, retriable: Bool = false) -> KafkaError {
        KafkaError(code: -1, name: "CLIENT", reason: reason, isRetriable: retriable)
    }

    /// Not produced: an earlier message of the same partition in the same `send` failed, and sending this one first
    /// would put it ahead of that one.
    public static let blockedBehindEarlierFailure = KafkaError(
        code: -2, name: "BLOCKED", reason: "not sent: an earlier message of the same partition failed", isRetriable: true)

    private static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue,
        RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR__TRANSPORT.rawValue,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue,
        RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue,
        RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue,
        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND.rawValue,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue,
        RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION.rawValue,
    ]
}
