import CRdKafka

/// One Kafka record header: a name and raw bytes.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public init(key: String, string: String) {
        self.init(key: key, value: Array(string.utf8))
    }

    public var stringValue: String? { String(validating: value, as: UTF8.self) }
}

/// A topic and partition pair.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// Where a partition's log starts (`low`, the first offset still held) and ends (`high`, the offset the next record gets).
public struct Watermarks: Sendable, Hashable {
    public var low: Int64
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }

    /// Asks the partition's leader (blocking, on any client handle).
    static func query(_ tp: TopicPartition, handle: OpaquePointer, timeoutMs: Int32) throws(KafkaError) -> Watermarks {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, reason: "watermarks of \(tp)") }
        return Watermarks(low: low, high: high)
    }
}

/// A record to produce. A `nil` value is a tombstone (deletes the key on a compacted topic).
public struct KafkaProducerMessage: Sendable {
    public var topic: String
    /// The partition to write to; `nil` lets the producer's partitioner choose from the key.
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// What `send` keeps in order: the partition when it is given, else the key (which decides the partition).
    public var lane: ProduceLane {
        if let partition { return ProduceLane(topic: topic, partition: partition, key: nil) }
        return ProduceLane(topic: topic, partition: nil, key: key)
    }
}

/// The unit of order in one `send`: a topic's partition, or a key of a topic when the partition is left to the partitioner.
public struct ProduceLane: Hashable, Sendable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
}

/// Kafka's default partitioning of keyed records (Java's `murmur2`, librdkafka's `murmur2_random` for a key):
/// the positive murmur2 hash of the key bytes modulo the partition count.
public enum KeyPartitioner {
    public static func partition(key: [UInt8], partitionCount: Int32) -> Int32 {
        Int32(bitPattern: murmur2(key) & 0x7fff_ffff) % partitionCount
    }

    /// Kafka's murmur2 (seed 0x9747b28c), as in `org.apache.kafka.common.utils.Utils.murmur2`.
    public static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: data.count)
        let blocks = data.count / 4
        for i in 0..<blocks {
            let j = i * 4
            var k = UInt32(data[j]) | UInt32(data[j + 1]) << 8 | UInt32(data[j + 2]) << 16 | UInt32(data[j + 3]) << 24
            k = k &* m
            k ^= k >> r
            k = k &* m
            h = h &* m
            h ^= k
        }
        let tail = blocks * 4
        switch data.count % 4 {
        case 3:
            h ^= UInt32(data[tail + 2]) << 16
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 2:
            h ^= UInt32(data[tail + 1]) << 8
            h ^= UInt32(data[tail])
            h = h &* m
        case 1:
            h ^= UInt32(data[tail])
            h = h &* m
        default: break
        }
        h ^= h >> 13
        h = h &* m
        h ^= h >> 15
        return h
    }
}

/// A consumed record. `value` is `nil` for a tombstone.
public struct KafkaConsumerMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch, as stamped by the producer or broker (-1 when absent).
    public var timestamp: Int64

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader],
        timestamp: Int64 = -1
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }

    /// The first header with this name, as a string.
    public func header(_ name: String) -> String? {
        headers.first { $0.key == name }?.stringValue
    }
}

/// The outcome of producing one message: where it landed, or why it did not.
public struct KafkaDeliveryReport: Sendable {
    public var partition: Int32
    public var offset: Int64
    public var error: KafkaError?

    public init(partition: Int32, offset: Int64, error: KafkaError?) {
        self.partition = partition
        self.offset = offset
        self.error = error
    }
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The oldest record still held by the partition.
    public static let beginning: Int64 = -2
    /// The next record to be written.
    public static let end: Int64 = -1
}
