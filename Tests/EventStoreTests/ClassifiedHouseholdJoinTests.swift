import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import Synchronization
import TestSupport
import Testing

/// Records every pair the join completes, so a test can count them.
struct PairRecorder: EventHandler {
    static let join = ClassifiedHouseholdJoin()

    func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try Self.join.handle(event, in: db) { snapshot, classification in
            try db.execute(
                sql: "INSERT INTO completed (household_version, classification_version) VALUES (?, ?)",
                arguments: [snapshot.version, classification.version])
            return []
        }
    }
}

@Suite("The household-classification join")
final class ClassifiedHouseholdJoinTests: Sendable {
    let store: ServiceStore
    let applier: BatchApplier
    /// The next record's offset on the one input partition.
    let nextOffset = Mutex<Int64>(0)

    init() throws {
        let dir = try TestEnvironment.temporaryDirectory("join")
        store = try ServiceStore(path: "\(dir)/join.sqlite") { migrator in
            migrator.registerMigration("join-v1") { db in
                try PairRecorder.join.migrate(db)
                try db.execute(sql: "CREATE TABLE completed (household_version INTEGER NOT NULL, classification_version INTEGER NOT NULL)")
            }
            migrator.registerMigration("join-v2") { db in try PairRecorder.join.migrateCompletedWithoutPayload(db) }
        }
        applier = BatchApplier(store: store, handler: PairRecorder(), service: "test")
    }

    /// The documented example event of `name`, with its `version` (and, for a classification, `householdVersion`) replaced.
    static func example(_ name: String, version: Int64) throws -> [UInt8] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(TestEnvironment.root)/docs/events/examples/\(name).v1.json"))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["version"] = version
        if name == "classification" { object["householdVersion"] = Classification.householdVersion(ofClassificationVersion: version) }
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    func deliver(_ name: String, version: Int64, id: String? = nil) throws {
        let type = name == "classification" ? EventTypes.classification : EventTypes.householdSnapshot
        let attributes = CloudEventAttributes(
            id: id ?? "\(name)-\(version)", source: "/test", type: type, time: "2026-01-01T00:00:00.000Z", subject: "h")
        let message = KafkaConsumerMessage(
            topic: "in", partition: 0, offset: nextOffset.withLock { offset in defer { offset += 1 }; return offset }, key: Array("h".utf8), value: try Self.example(name, version: version),
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        let outcome = try applier.apply([message])
        #expect(outcome.deadLettered == 0, "\(name) \(version) was not dead-lettered")
    }

    func completions() throws -> [[Int64]] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT household_version, classification_version FROM completed ORDER BY rowid")
                .map { [$0[0], $0[1]] }
        }
    }

    /// The classification row: its version, whether it still holds its payload, and its completed version.
    func classificationRow() throws -> (version: Int64, hasPayload: Bool, completed: Int64?)? {
        try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT version, classification IS NOT NULL AS held, completed_version FROM joined_classification")
                .map { ($0["version"], $0["held"], $0["completed_version"]) }
        }
    }

    @Test func householdFirstCompletesOnceWhenTheClassificationArrives() throws {
        try deliver("household.snapshot", version: 3)
        #expect(try completions().isEmpty)
        try deliver("classification", version: 3_000_001)
        #expect(try completions() == [[3, 3_000_001]])
        let row = try #require(try classificationRow())
        #expect(row.version == 3_000_001 && !row.hasPayload && row.completed == 3_000_001, "a completed classification keeps no payload")
    }

    @Test func classificationFirstWaitsForItsHouseholdVersion() throws {
        try deliver("classification", version: 3_000_001)
        #expect(try classificationRow()?.hasPayload == true, "a waiting classification keeps its payload")
        try deliver("household.snapshot", version: 2)  // older than the one classified: still waiting
        #expect(try completions().isEmpty)
        try deliver("household.snapshot", version: 3)
        #expect(try completions() == [[3, 3_000_001]])
        #expect(try classificationRow()?.hasPayload == false)
    }

    @Test func nothingCompletesTwiceAndANewerClassificationCompletesAgain() throws {
        try deliver("household.snapshot", version: 3)
        try deliver("classification", version: 3_000_001)
        // A newer household alone, and the same classification version re-published under another id: no new pair.
        try deliver("household.snapshot", version: 4)
        try deliver("classification", version: 3_000_001, id: "re-published")
        try deliver("classification", version: 2_000_001)  // older than the one completed
        #expect(try completions() == [[3, 3_000_001]])
        // A reclassification of the same household version, then the next version's classification.
        try deliver("classification", version: 3_000_002)
        try deliver("classification", version: 4_000_001)
        #expect(try completions() == [[3, 3_000_001], [4, 3_000_002], [4, 4_000_001]])
    }
}
