import EventContracts
import Foundation
import Kafka

/// Reads topics from the beginning to their current end: what the services published, for assertions.
public enum TopicReader {
    /// Every record now held by `topics`, in partition order.
    public static func readAll(_ topics: [String], brokers: String, timeout: Duration = .seconds(60)) async throws -> [KafkaConsumerMessage] {
        try await runOnThreadForTests {
            let config = TestEnvironment.kafkaConfig(brokers)
            let producer = try KafkaProducer(config: config, logger: TestEnvironment.logger)
            let counts = try producer.partitionCounts()
            var ends: [TopicPartition: Int64] = [:]
            for topic in topics {
                for partition in 0..<Int32(counts[topic] ?? 0) {
                    let (_, high) = try producer.watermarks(topic: topic, partition: partition)
                    if high > 0 { ends[TopicPartition(topic: topic, partition: partition)] = high }
                }
            }
            let consumer = try KafkaConsumer(
                config: config.merging(["group.id": "reader-\(UUID().uuidString)", "auto.offset.reset": "earliest", "enable.auto.commit": "false"]),
                topics: topics, startOffsets: { _ in [:] }, logger: TestEnvironment.logger)
            defer { consumer.close() }
            var records: [KafkaConsumerMessage] = []
            var reached: [TopicPartition: Int64] = [:]
            let deadline = ContinuousClock.now + timeout
            while ends.contains(where: { (reached[$0.key] ?? 0) < $0.value }) {
                guard ContinuousClock.now < deadline else { throw TestFailure("reading \(topics) timed out at \(reached) of \(ends)") }
                for message in try consumer.poll(maxMessages: 5_000, timeoutMs: 100) {
                    records.append(message)
                    reached[message.topicPartition] = message.offset + 1
                }
            }
            return records
        }
    }

    /// The record with the highest `ce_sequence` per key among those whose `ce_type` is `type`, decoded.
    public static func latestByKey<T: Decodable>(_ records: [KafkaConsumerMessage], type: String, as: T.Type) throws -> [String: T] {
        var latest: [String: (sequence: String, value: [UInt8])] = [:]
        for record in records where record.header("ce_type") == type {
            guard let key = record.key, let value = record.value else { continue }
            let id = String(decoding: key, as: UTF8.self)
            let sequence = record.header("ce_sequence") ?? ""
            if let held = latest[id], held.sequence > sequence { continue }
            latest[id] = (sequence, value)
        }
        return try latest.mapValues { try EventJSON.decode(T.self, from: $0.value) }
    }
}

/// Runs blocking Kafka calls off the cooperative pool.
public func runOnThreadForTests<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
