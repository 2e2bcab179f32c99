import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import TestSupport
import Testing

/// A handler that counts what it applies per key, rejects "poison" values and fails on "explode".
struct CountingHandler: EventHandler {
    struct Explosion: Error {}

    func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let text = String(decoding: event.data ?? [], as: UTF8.self)
        if text == "\"poison\"" { throw PoisonRecord(FieldError("value", "is poison")) }
        if text == "\"explode\"" { throw Explosion() }
        try db.execute(
            sql: "INSERT INTO applied (key, count) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET count = count + 1",
            arguments: [event.attributes.subject])
        return [
            try OutboundEvent.json(
                topic: TopicDefinition("out", compacted: false), key: event.attributes.subject, type: "test.out", source: "/test",
                idParts: ["out", event.attributes.id], sequence: nil, time: "2026-01-01T00:00:00Z", payload: text)
        ]
    }
}

func makeStore() throws -> ServiceStore {
    let dir = try TestEnvironment.temporaryDirectory("store")
    return try ServiceStore(path: "\(dir)/test.sqlite") { migrator in
        migrator.registerMigration("test") { db in
            try db.execute(sql: "CREATE TABLE applied (key TEXT PRIMARY KEY, count INTEGER NOT NULL)")
        }
    }
}

func record(_ offset: Int64, id: String, key: String, value: String, partition: Int32 = 0, headers: [KafkaHeader]? = nil) -> KafkaConsumerMessage {
    let attributes = CloudEventAttributes(id: id, source: "/test", type: "test.in", time: "2026-01-01T00:00:00Z", subject: key)
    return KafkaConsumerMessage(
        topic: "in", partition: partition, offset: offset, key: Array(key.utf8), value: Array("\"\(value)\"".utf8),
        headers: headers ?? attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
}

@Suite struct BatchApplierTests {
    @Test func appliesOnceRecordsOffsetsAndQueuesEmittedEvents() throws {
        let store = try makeStore()
        let applier = BatchApplier(store: store, handler: CountingHandler(), service: "test")
        let first = try applier.apply([record(0, id: "a", key: "h1", value: "x"), record(1, id: "b", key: "h1", value: "y")])
        #expect(first.applied == 2 && first.emitted == 2)
        // The same events again (a redelivery or a relay re-send) change nothing.
        let again = try applier.apply([record(0, id: "a", key: "h1", value: "x"), record(2, id: "b", key: "h1", value: "y")])
        #expect(again.applied == 0 && again.duplicates == 2)
        let count = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count FROM applied WHERE key = 'h1'") }
        #expect(count == 2)
        #expect(try store.outboxDepth() == 2)
        #expect(try store.allOffsets() == [TopicPartition(topic: "in", partition: 0): 3])
    }

    @Test func poisonGoesToTheDeadLetterQueueAndThePartitionMovesOn() throws {
        let store = try makeStore()
        let applier = BatchApplier(store: store, handler: CountingHandler(), service: "test")
        var missingHeader = record(1, id: "c", key: "h2", value: "z")
        missingHeader.headers.removeAll { $0.key == "ce_id" }
        let outcome = try applier.apply([record(0, id: "p", key: "h2", value: "poison"), missingHeader, record(2, id: "d", key: "h2", value: "ok")])
        #expect(outcome.deadLettered == 2 && outcome.applied == 1)
        let dead = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT headers, payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.deadLetter("test").name])
        }
        #expect(dead.count == 2)
        let reasons = dead.map { row in
            String(decoding: Array(row["headers"] as Data), as: UTF8.self)
        }
        #expect(reasons[0].contains("value: is poison"))
        #expect(reasons[1].contains("ce_id: required CloudEvents header is missing"))
        // The original bytes travel unchanged.
        #expect((dead[0]["payload"] as Data) == Data("\"poison\"".utf8))
        #expect(try store.allOffsets()[TopicPartition(topic: "in", partition: 0)] == 3)
    }

    @Test func aFailingBatchChangesNothingAtAll() throws {
        let store = try makeStore()
        let applier = BatchApplier(store: store, handler: CountingHandler(), service: "test")
        #expect(throws: CountingHandler.Explosion.self) {
            try applier.apply([record(0, id: "e", key: "h3", value: "fine"), record(1, id: "f", key: "h3", value: "explode")])
        }
        let applied = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM applied") }
        let inbox = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox") }
        #expect(applied == 0 && inbox == 0)
        #expect(try store.outboxDepth() == 0)
        #expect(try store.allOffsets().isEmpty)
    }

    @Test func groupCommitIsolatesFailingRequests() async throws {
        let store = try makeStore()
        let writer = GroupCommitWriter(store: store)
        struct Refused: Error {}
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask {
                    do {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO applied (key, count) VALUES (?, 1)", arguments: ["k\(i)"])
                            if i % 10 == 0 { throw Refused() }
                        }
                        return true
                    } catch is Refused {
                        return false
                    }
                }
            }
            var committed = 0
            for try await ok in group where ok { committed += 1 }
            #expect(committed == 180)
        }
        let rows = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM applied") }
        #expect(rows == 180)
    }
}

@Suite(.timeLimit(.minutes(2)))
struct OutboxRelayTests {
    @Test func publishesInOrderAndDeletesOnlyDeliveredRows() async throws {
        let brokers = try TestEnvironment.brokers()
        let store = try makeStore()
        let topic = TestEnvironment.uniqueTopic("relay")
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(brokers), logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 2)])
        try await store.pool.write { db in
            for i in 0..<300 {
                try Outbox.append(
                    OutboundEvent.json(
                        topic: TopicDefinition(topic, compacted: false), key: "h\(i % 7)", type: "test.out", source: "/test",
                        idParts: ["relay", String(i)], sequence: Int64(i), time: "2026-01-01T00:00:00Z", payload: i),
                    in: db)
            }
        }
        let relay = OutboxRelay(store: store, config: TestEnvironment.kafkaConfig(brokers), batchSize: 128, logger: TestEnvironment.logger)
        var published = 0
        while published < 300 { published += try relay.publishBatch(producer) }
        #expect(try store.outboxDepth() == 0)
        let records = try await TopicReader.readAll([topic], brokers: brokers)
        #expect(records.count == 300)
        // Per key, the order of the outbox is the order on the topic.
        for key in 0..<7 {
            let sequence = records.filter { $0.key == Array("h\(key)".utf8) }.compactMap { $0.header("ce_sequence").flatMap { Int($0) } }
            #expect(sequence == sequence.sorted())
            #expect(sequence.count == (0..<300).filter { $0 % 7 == key }.count)
        }
    }

    @Test func keepsTheRowsWhoseDeliveryFailedAndDeletesTheRest() async throws {
        let brokers = try TestEnvironment.brokers()
        let store = try makeStore()
        let topic = TestEnvironment.uniqueTopic("relay-partial")
        let missing = TestEnvironment.uniqueTopic("relay-missing")  // never created; topics are not auto-created
        // Fail undeliverable records within seconds rather than after the 30 s defaults.
        let config = TestEnvironment.kafkaConfig(brokers).merging(["message.timeout.ms": "3000", "topic.metadata.propagation.max.ms": "1000"])
        let producer = try KafkaProducer(config: config, logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 1)])
        try await store.pool.write { db in
            for i in 0..<9 {
                try Outbox.append(
                    OutboundEvent.json(
                        topic: TopicDefinition(i == 4 ? missing : topic, compacted: false), key: "h", type: "test.out", source: "/test",
                        idParts: ["relay-partial", String(i)], sequence: Int64(i), time: "2026-01-01T00:00:00Z", payload: i),
                    in: db)
            }
        }
        let relay = OutboxRelay(store: store, config: config, batchSize: 100, logger: TestEnvironment.logger)
        #expect(try relay.publishBatch(producer) == 8)
        // The failed row is in the middle of the batch: only it stays, to be sent again.
        let left = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT topic FROM outbox") }
        #expect(left == [missing])
        #expect(try await TopicReader.readAll([topic], brokers: brokers).count == 8)
    }
}
