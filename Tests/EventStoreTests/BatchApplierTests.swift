import EventContracts
@testable import EventStore
import Foundation
import GRDB
import Kafka
import Synchronization
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

    /// A record of a type its topic does not carry is dead-lettered, whatever its handler would make of it.
    @Test func aRecordOfAnotherTypeThanItsTopicsIsDeadLettered() throws {
        let store = try makeStore()
        let applier = BatchApplier(store: store, handler: CountingHandler(), service: "test")
        func typed(_ offset: Int64, _ type: String, topic: String) -> KafkaConsumerMessage {
            let attributes = CloudEventAttributes(
                id: "t\(offset)", source: EventSources.service("intake"), type: type, time: "2026-01-01T00:00:00Z", subject: "h3")
            var message = record(offset, id: "t\(offset)", key: "h3", value: "x", headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
            message.topic = topic
            return message
        }
        let outcome = try applier.apply([
            typed(0, EventTypes.classifiedHousehold, topic: Topics.household.name), typed(1, EventTypes.householdSnapshot, topic: Topics.household.name),
        ])
        #expect(outcome.deadLettered == 1 && outcome.applied == 1)
        let reason = try store.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT headers FROM outbox WHERE topic = ?", arguments: [Topics.deadLetter("test").name])
        }.map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(reason.contains("ce_type: '\(EventTypes.classifiedHousehold)' is not a type giamngheo.household.v1 carries (\(EventTypes.householdSnapshot))"))
        // Calendar days travel with the classified households.
        #expect(Topics.eventTypes(of: Topics.classifiedHousehold.name) == [EventTypes.classifiedHousehold, EventTypes.calendarDay])
        #expect(Topics.eventTypes(of: Topics.deadLetter("test").name) == nil)
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
    /// Queues `count` events on `topic` (sequence and payload `i`, key `key(i)`).
    func queue(_ count: Int, on topic: String, in store: ServiceStore, key: @escaping @Sendable (Int) -> String) async throws {
        try await store.pool.write { db in
            for i in 0..<count {
                try Outbox.append(
                    OutboundEvent.json(
                        topic: TopicDefinition(topic, compacted: false), key: key(i), type: "test.out", source: "/test",
                        idParts: [topic, String(i)], sequence: Int64(i), time: "2026-01-01T00:00:00Z", payload: i),
                    in: db)
            }
        }
    }

    @Test func publishesInOrderAndDeletesOnlyDeliveredRows() async throws {
        let brokers = try TestEnvironment.brokers()
        let store = try makeStore()
        let topic = TestEnvironment.uniqueTopic("relay")
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(brokers), logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 2)])
        try await queue(300, on: topic, in: store) { "h\($0 % 7)" }
        let relay = OutboxRelay(store: store, config: TestEnvironment.kafkaConfig(brokers), batchSize: 128, logger: TestEnvironment.logger)
        var published = 0
        while published < 300 { published += try relay.publish(producer).delivered }
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

    @Test func aFailedRowHoldsBackTheRowsBehindItOnItsPartitionUntilItIsSent() async throws {
        let brokers = try TestEnvironment.brokers()
        let store = try makeStore()
        let topic = TestEnvironment.uniqueTopic("relay-order")
        // The producer refuses a record over 2,000 bytes at once: one row in the middle of the batch fails.
        let strict = TestEnvironment.kafkaConfig(brokers).merging(["message.max.bytes": "2000"])
        let producer = try KafkaProducer(config: strict, logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 2)])
        let keys = (0..<40).map { "h\($0)" }
        let onZero = keys.filter { KeyPartitioner.partition(key: Array($0.utf8), partitionCount: 2) == 0 }.prefix(3)
        let onOne = keys.filter { KeyPartitioner.partition(key: Array($0.utf8), partitionCount: 2) == 1 }.prefix(3)
        // Rows 0–11 alternate between the partitions; row 4, on partition 0, is too large.
        let rows: [(key: String, size: Int)] = (0..<12).map { i in
            (i % 2 == 0 ? onZero[onZero.startIndex + (i / 2) % 3] : onOne[onOne.startIndex + (i / 2) % 3], i == 4 ? 5_000 : 10)
        }
        try await store.pool.write { db in
            for (i, row) in rows.enumerated() {
                try Outbox.append(
                    OutboundEvent.json(
                        topic: TopicDefinition(topic, compacted: true), key: row.key, type: "test.out", source: "/test",
                        idParts: ["relay-order", String(i)], sequence: Int64(i), time: "2026-01-01T00:00:00Z",
                        payload: String(repeating: "x", count: row.size)),
                    in: db)
            }
        }
        let relay = OutboxRelay(store: store, config: strict, batchSize: 100, logger: TestEnvironment.logger)
        // Partition 0 stops at row 4; partition 1 (the odd rows) is not held back.
        #expect(try relay.publish(producer).delivered == 2 + 6)
        func sequences(_ partition: Int32) async throws -> [Int] {
            try await TopicReader.readAll([topic], brokers: brokers).filter { $0.partition == partition }
                .compactMap { $0.header("ce_sequence").flatMap { Int($0) } }
        }
        #expect(try await sequences(0) == [0, 2])
        #expect(try await sequences(1) == [1, 3, 5, 7, 9, 11])
        let kept = try await store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM outbox ORDER BY seq") }
        #expect(kept.count == 4, "row 4 and the partition-0 rows after it stay: \(kept)")
        // Again with the same limit: nothing behind the failed row goes out.
        #expect(try relay.publish(producer).delivered == 0)
        #expect(try await sequences(0) == [0, 2])

        // Once the row can be sent, it goes first and the rest of its partition follows in order.
        let relaxed = TestEnvironment.kafkaConfig(brokers)
        let relay2 = OutboxRelay(store: store, config: relaxed, batchSize: 100, logger: TestEnvironment.logger)
        #expect(try relay2.publish(try KafkaProducer(config: relaxed, logger: TestEnvironment.logger)).delivered == 4)
        #expect(try await sequences(0) == [0, 2, 4, 6, 8, 10])
        #expect(try store.outboxDepth() == 0)
    }

    @Test func aMissingTopicIsCreatedAgainFromTheTopologyAndTheRowsFollow() async throws {
        let brokers = try TestEnvironment.brokers()
        let store = try makeStore()
        let topic = TestEnvironment.uniqueTopic("relay-missing")
        try await queue(3, on: topic, in: store) { "h\($0)" }
        // The producer gives up on an unknown topic after a second here (30 s by default).
        let config = TestEnvironment.kafkaConfig(brokers).merging(["topic.metadata.propagation.max.ms": "1000"])
        let created = Mutex(0)
        let relay = OutboxRelay(store: store, config: config, recreateTopics: {
            created.withLock { $0 += 1 }
            try KafkaProducer(config: config, logger: TestEnvironment.logger).createTopics([TopicSpec(name: topic, partitions: 1)])
        }, logger: TestEnvironment.logger)
        Thread { try? relay.runBlocking() }.start()
        defer { relay.stop() }
        try await waitUntil("the outbox to be delivered to the created topic") { try store.outboxDepth() == 0 }
        #expect(created.withLock { $0 } == 1)
        let records = try await TopicReader.readAll([topic], brokers: brokers)
        #expect(records.compactMap { $0.header("ce_sequence").flatMap { Int($0) } } == [0, 1, 2])
    }

    @Test func keepsADeliveredRowThatCameBehindAFailedOneOnItsPartition() throws {
        // A delivery can fail after later records of its partition were delivered; those stay to be sent again after it.
        let message = { (key: String) in KafkaProducerMessage(topic: "t", partition: key == "a" ? 0 : 1, key: Array(key.utf8), value: nil) }
        let ok = KafkaDeliveryReport(partition: 0, offset: 1, error: nil)
        let failed = KafkaDeliveryReport(partition: 0, offset: -1, error: .client("timed out", retriable: true))
        let (deletable, failures, error) = OutboxRelay.deletable(
            [message("a"), message("b"), message("a"), message("a"), message("b")], reports: [ok, ok, failed, ok, ok])
        #expect(deletable == [0, 1, 4])
        #expect(failures == 1)
        #expect(error?.reason == "timed out")
    }
}

/// The relay puts each keyed record on the partition Kafka's own partitioner would.
@Suite(.timeLimit(.minutes(2)))
struct KeyPartitionerTests {
    @Test func hashesAsKafkaDoes() {
        // Vectors of Kafka's own test of `Utils.murmur2` (signed 32-bit results).
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829), ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ]
        for (text, expected) in vectors {
            #expect(Int32(bitPattern: KeyPartitioner.murmur2(Array(text.utf8))) == expected, "\(text)")
        }
    }

    @Test func choosesThePartitionLibrdkafkaChooses() async throws {
        let brokers = try TestEnvironment.brokers()
        let topic = TestEnvironment.uniqueTopic("partitioner")
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(brokers), logger: TestEnvironment.logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: 6)])
        let keys = (0..<60).map { "household-\($0)" }
        let reports = try producer.send(keys.map { KafkaProducerMessage(topic: topic, key: Array($0.utf8), value: Array("{}".utf8)) })
        for (key, report) in zip(keys, reports) {
            #expect(report.error == nil)
            #expect(report.partition == KeyPartitioner.partition(key: Array(key.utf8), partitionCount: 6), "\(key)")
        }
    }
}
