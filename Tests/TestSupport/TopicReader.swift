import EventContracts
import EventStore
import Foundation
import Kafka

/// Reads topics from the beginning to their current end: what the services published, for assertions.
public enum TopicReader {
    /// Every record now held by `topics`, in partition order.
    public static func readAll(_ topics: [String], brokers: String, timeout: Duration = .seconds(60)) async throws -> [KafkaConsumerMessage] {
        try await runOnThreadForTests {
            var records: [KafkaConsumerMessage] = []
            try TopicScan.readToEnd(
                topics, config: TestEnvironment.kafkaConfig(brokers), logger: TestEnvironment.logger,
                timeout: TimeInterval(timeout.components.seconds)
            ) { records.append($0) }
            return records
        }
    }

    /// The record with the highest `ce_sequence` per key among those whose `ce_type` is `type`, decoded.
    public static func latestByKey<T: Decodable>(_ records: [KafkaConsumerMessage], type: String, as: T.Type) throws -> [String: T] {
        var latest: [String: (sequence: Int64, value: [UInt8])] = [:]
        for record in records where record.header("ce_type") == type {
            guard let key = record.key, let value = record.value else { continue }
            let id = String(decoding: key, as: UTF8.self)
            let sequence = record.header("ce_sequence").flatMap { Int64($0) } ?? 0
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
