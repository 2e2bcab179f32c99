import EventContracts
@testable import EventStore
import Foundation
import GRDB
import Kafka
import Synchronization
import TestSupport
import Testing

/// The consumer loop against the real broker, where a topic no longer fits the store: a position past a partition's end
/// (the topic re-created or the broker replaced), and a subscribed topic that does not exist.
@Suite(.timeLimit(.minutes(3)))
struct ConsumerLoopTests {
    let brokers: String
    let config: KafkaConfig

    init() throws {
        brokers = try TestEnvironment.brokers()
        config = TestEnvironment.kafkaConfig(brokers)
    }

    /// Five CloudEvents `h0`…`h4` on a one-partition topic.
    func topicWithFiveEvents(_ name: String) throws -> String {
        let topic = TestEnvironment.uniqueTopic(name)
        let producer = try KafkaProducer(config: config, logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 1)])
        try send(5, to: topic, producer: producer)
        return topic
    }

    func send(_ count: Int, to topic: String, from first: Int = 0, producer: KafkaProducer) throws {
        let messages = (first..<(first + count)).map { i in
            let attributes = CloudEventAttributes(id: "e\(i)", source: "/test", type: "test.in", time: "2026-01-01T00:00:00Z", subject: "h\(i)")
            return KafkaProducerMessage(
                topic: topic, key: Array("h\(i)".utf8), value: Array("\"v\(i)\"".utf8),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        #expect(try producer.send(messages).allSatisfy { $0.error == nil })
    }

    /// A loop of the services' kind (positions from the store, `auto.offset.reset=error`) on its own thread.
    func start(_ loop: ConsumerLoop) {
        Thread { try? loop.runBlocking() }.start()
    }

    func loop(_ topic: String, store: ServiceStore, policy: PastEndPolicy, recreate: (@Sendable () throws -> Void)? = nil) -> ConsumerLoop {
        ConsumerLoop(
            name: "test", config: config.merging(["group.id": "loop-\(UUID().uuidString)", "auto.offset.reset": "error"]),
            topics: [topic], applier: BatchApplier(store: store, handler: AcceptingHandler(), service: "test"),
            pastEnd: policy, pastEndGrace: 0.5, recreateTopics: recreate, logger: TestEnvironment.logger)
    }

    func applied(_ store: ServiceStore) throws -> Int {
        try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM applied") ?? 0 }
    }

    func setPosition(_ store: ServiceStore, _ topic: String, _ offset: Int64) throws {
        try store.pool.write { db in
            try db.execute(
                sql: "INSERT INTO consumer_offset (topic, partition, next_offset, updated_at) VALUES (?, 0, ?, '2026-01-01T00:00:00Z')",
                arguments: [topic, offset])
        }
    }

    @Test func aPositionPastThePartitionsEndPausesItAndSaysSo() async throws {
        let topic = try topicWithFiveEvents("past-end-stop")
        let store = try makeStore()
        try setPosition(store, topic, 50)  // the store consumed 50 records of a topic that now holds 5
        let loop = loop(topic, store: store, policy: .stop)
        start(loop)
        defer { loop.stop() }
        try await waitUntil("the loop to report the partition past its end") { !loop.problems.isEmpty }
        #expect(loop.problems == [
            "\(topic)[0]: the store resumes at offset 50 but the partition ends at 5 (topic re-created or broker replaced); "
                + "run giamngheo-admin offsets --rewind after stopping the service, or restart it with OFFSETS_PAST_END=rewind",
        ])
        #expect(loop.lag == 0)  // why lag alone could not tell
        // The partition grows past the old position: still paused, nothing applied, the position unchanged.
        try send(60, to: topic, from: 5, producer: try KafkaProducer(config: config, logger: TestEnvironment.logger))
        loop.stop()
        try await waitUntil("the loop to close") { loop.assignment.isEmpty }
        #expect(try applied(store) == 0)
        #expect(try store.allOffsets() == [TopicPartition(topic: topic, partition: 0): 50])
    }

    @Test func theRewindPolicyStartsThePartitionAgainFromItsBeginning() async throws {
        let topic = try topicWithFiveEvents("past-end-rewind")
        let store = try makeStore()
        try setPosition(store, topic, 50)
        let loop = loop(topic, store: store, policy: .rewind)
        start(loop)
        defer { loop.stop() }
        try await waitUntil("the five records to be applied from the beginning") { try applied(store) == 5 }
        try await waitUntil("the position to follow") { try store.allOffsets()[TopicPartition(topic: topic, partition: 0)] == 5 }
        #expect(loop.problems.isEmpty)
    }

    @Test func aMissingSubscribedTopicIsReportedAndCreatedAgain() async throws {
        let topic = TestEnvironment.uniqueTopic("missing")
        let store = try makeStore()
        let config = config
        let recreated = Mutex(0)
        let loop = loop(topic, store: store, policy: .stop) {
            recreated.withLock { $0 += 1 }
            try KafkaProducer(config: config, logger: TestEnvironment.logger).createTopics([TopicSpec(name: topic, partitions: 1)])
        }
        start(loop)
        defer { loop.stop() }
        try await waitUntil("the topic to be created by the loop") { recreated.withLock { $0 } > 0 }
        try await waitUntil("the partition to be assigned") { !loop.assignment.isEmpty }
        try send(3, to: topic, producer: try KafkaProducer(config: config, logger: TestEnvironment.logger))
        try await waitUntil("the records to be applied") { try applied(store) == 3 }
        #expect(loop.problems.isEmpty)
    }
}

/// Applies every event into `applied` (the table ``makeStore()`` creates).
struct AcceptingHandler: EventHandler {
    func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try db.execute(sql: "INSERT OR IGNORE INTO applied (key, count) VALUES (?, 1)", arguments: [event.attributes.subject])
        return []
    }
}
