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

/// A record to produce. A `nil` value is a tombstone (deletes the key on a compacted topic).
public struct KafkaProducerMessage: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
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
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The oldest record still held by the partition.
    public static let beginning: Int64 = -2
    /// The next record to be written.
    public static let end: Int64 = -1
}
