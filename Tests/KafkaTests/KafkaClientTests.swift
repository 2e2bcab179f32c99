import Foundation
import Kafka
import Synchronization
import TestSupport
import Testing

/// The librdkafka wrapper against the real broker that compose/test started.
@Suite(.timeLimit(.minutes(3)))
struct KafkaClientTests {
    let brokers: String
    let config: KafkaConfig

    init() throws {
        brokers = try TestEnvironment.brokers()
        config = TestEnvironment.kafkaConfig(brokers)
    }

    func producer() throws -> KafkaProducer { try KafkaProducer(config: config, logger: TestEnvironment.logger) }

    func messages(_ topic: String, count: Int, partitionKey: (Int) -> String = { "key-\($0)" }) -> [KafkaProducerMessage] {
        (0..<count).map { i in
            KafkaProducerMessage(
                topic: topic, key: Array(partitionKey(i).utf8), value: Array("value-\(i)".utf8),
                headers: [KafkaHeader(key: "ce_id", string: "id-\(i)"), KafkaHeader(key: "n", value: [UInt8(i % 256)])])
        }
    }

    @Test func producesAndConsumesWithHeadersAndTombstones() async throws {
        let topic = TestEnvironment.uniqueTopic("roundtrip")
        let producer = try producer()
        try producer.createTopics([TopicSpec(name: topic, partitions: 3, configs: ["cleanup.policy": "compact"])])
        #expect(try producer.partitionCounts()[topic] == 3)
        var batch = messages(topic, count: 50)
        batch.append(KafkaProducerMessage(topic: topic, key: Array("key-7".utf8), value: nil, headers: []))
        let reports = try producer.send(batch)
        #expect(reports.count == 51)
        #expect(reports.allSatisfy { $0.error == nil && $0.offset >= 0 })

        let records = try await TopicReader.readAll([topic], brokers: brokers)
        #expect(records.count == 51)
        let values = Set(records.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } })
        #expect(values == Set((0..<50).map { "value-\($0)" }))
        let tombstone = try #require(records.first { $0.value == nil })
        #expect(tombstone.key == Array("key-7".utf8))
        let first = try #require(records.first { $0.value == Array("value-3".utf8) })
        #expect(first.header("ce_id") == "id-3")
        #expect(first.headers.first { $0.key == "n" }?.value == [3])
        // One key always lands on one partition (murmur2, as Java producers do).
        let key7 = records.filter { $0.key == Array("key-7".utf8) }
        #expect(Set(key7.map(\.partition)).count == 1)
    }

    @Test func createTopicsIsIdempotentAndRejectsBadConfig() throws {
        let topic = TestEnvironment.uniqueTopic("create")
        let producer = try producer()
        try producer.createTopics([TopicSpec(name: topic, partitions: 2)])
        try producer.createTopics([TopicSpec(name: topic, partitions: 2)])
        #expect(try producer.partitionCounts()[topic] == 2)
        #expect(throws: KafkaError.self) { try KafkaProducer(config: KafkaConfig(["no.such.property": "1"]), logger: TestEnvironment.logger) }
    }

    @Test func startOffsetsComeFromTheStoreNotTheGroup() async throws {
        let topic = TestEnvironment.uniqueTopic("start-offset")
        let producer = try producer()
        try producer.createTopics([TopicSpec(name: topic, partitions: 1)])
        _ = try producer.send(messages(topic, count: 10))
        let consumerConfig = config.merging(["group.id": "start-\(UUID().uuidString)"])
        let offsets = try await runOnThreadForTests {
            let consumer = try KafkaConsumer(
                config: consumerConfig, topics: [topic],
                startOffsets: { partitions in Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(6)) }) },
                logger: TestEnvironment.logger)
            defer { consumer.close() }
            var seen: [Int64] = []
            let deadline = Date().addingTimeInterval(30)
            while seen.count < 4 && Date() < deadline { seen += try consumer.poll(maxMessages: 100, timeoutMs: 100).map(\.offset) }
            return seen
        }
        #expect(offsets == [6, 7, 8, 9])
    }

    @Test func twoMembersOfOneGroupShareAndHandOverPartitions() async throws {
        let topic = TestEnvironment.uniqueTopic("rebalance")
        let producer = try producer()
        try producer.createTopics([TopicSpec(name: topic, partitions: 4)])
        let group = "rebalance-\(UUID().uuidString)"
        let memberConfig = config.merging(["group.id": group])
        let first = try await runOnThreadForTests {
            try KafkaConsumer(config: memberConfig, topics: [topic], startOffsets: { _ in [:] }, logger: TestEnvironment.logger)
        }
        try await pollUntil(first) { first.assignment.count == 4 }
        let second = try await runOnThreadForTests {
            try KafkaConsumer(config: memberConfig, topics: [topic], startOffsets: { _ in [:] }, logger: TestEnvironment.logger)
        }
        try await pollUntil(first, second) { first.assignment.count == 2 && second.assignment.count == 2 }
        #expect(first.assignment.isDisjoint(with: second.assignment))
        // Records produced now are consumed once, by whichever member owns their partition.
        _ = try producer.send(messages(topic, count: 40))
        let seen = Mutex<[String]>([])
        try await pollUntil(first, second, onMessage: { m in seen.withLock { $0.append(String(decoding: m.value ?? [], as: UTF8.self)) } }) {
            seen.withLock { $0.count } >= 40
        }
        #expect(Set(seen.withLock { $0 }).count == 40)
        #expect(seen.withLock { $0.count } == 40)
        // The second member leaves: the first takes every partition over.
        try await runOnThreadForTests { second.close() }
        try await pollUntil(first) { first.assignment.count == 4 }
    }

    /// Polls the members on their own threads until `done` (rebalances are served inside poll).
    func pollUntil(
        _ consumers: KafkaConsumer..., onMessage: @escaping @Sendable (KafkaConsumerMessage) -> Void = { _ in },
        _ done: @escaping @Sendable () -> Bool
    ) async throws {
        let members = consumers
        try await runOnThreadForTests {
            let deadline = Date().addingTimeInterval(60)
            while !done() {
                guard Date() < deadline else { throw TestFailure("group did not settle in 60 s") }
                for consumer in members { try consumer.poll(maxMessages: 100, timeoutMs: 50).forEach(onMessage) }
            }
        }
    }
}
