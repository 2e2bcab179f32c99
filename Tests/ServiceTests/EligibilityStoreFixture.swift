import Areas
import Eligibility
import EventContracts
import EventStore
import Foundation
import GRDB
import Intake
import TestSupport

/// A real eligibility store file filled the way the service fills it: each household snapshot applied by the
/// consumer's handler, so its official classification is what the service would have published.
struct EligibilityStoreFixture {
    let store: ServiceStore
    let catalogue: StandardsCatalogue
    let areas: AreaRegistry

    /// The commune decision the fixture's recognised households carry.
    static let decision = RecognitionDecision(decisionNumber: "125/QĐ-UBND", decisionDate: "2026-11-20")

    /// The demo data of `compose/up`: `giamngheo-admin demo` posts 300 households, seed 1, 3 communes per province;
    /// every `recognisedEvery`-th as intake publishes it once the commune recognised it (``decision``).
    static func demoSnapshots(count: Int = 300, seed: UInt64 = 1, recognisedEvery: Int? = nil) throws -> [HouseholdSnapshot] {
        let areas = try AreaRegistry.bundled()
        var generator = DemoHouseholds(seed: seed, communes: DemoHouseholds.demoCommunes(areas, perProvince: 3))
        return try (0..<count).map { serial in
            var snapshot = try surveyRules.validate(generator.next(serial: serial), today: CalendarDate("2026-11-22")!).get()
                .snapshot(version: 1, recordedAt: "2026-10-16T08:00:00.000Z")
            if let every = recognisedEvery, serial % every == 0 { snapshot.recognise(by: decision) }
            return snapshot
        }
    }

    init(catalogue: StandardsCatalogue? = nil) throws {
        self.catalogue = try catalogue ?? StandardsCatalogue.bundled()
        areas = try AreaRegistry.bundled()
        let path = try TestEnvironment.temporaryDirectory("eligibility") + "/eligibility-1.sqlite"
        store = try ServiceStore(path: path, migrations: EligibilityStore.migrations)
        try store.pool.write { db in _ = try CatalogueLedger.prepare(self.catalogue, start: true, in: db) }
    }

    /// Applies snapshots as the consumer does (new versions only), in one transaction.
    func apply(_ snapshots: [HouseholdSnapshot]) throws {
        let handler = ClassificationHandler(catalogue: catalogue, place: CurrentPlace(areas: areas))
        try store.pool.write { db in
            for snapshot in snapshots { _ = try handler.apply(snapshot, bytes: try EventJSON.encode(snapshot), in: db) }
            try db.execute(sql: "DELETE FROM outbox")  // what the relay would have published
        }
    }

    /// Events waiting in the outbox, decoded, with their keys and ids.
    func outbox<T: Decodable>(_ type: T.Type, topic: TopicDefinition) throws -> [(key: String, id: String, value: T)] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT message_key, event_id, payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [topic.name])
                .map { (String(decoding: $0["message_key"] as Data, as: UTF8.self), $0["event_id"], try EventJSON.decode(T.self, from: $0["payload"] as Data)) }
        }
    }

    /// The raw payloads waiting in the outbox on `topic`.
    func outboxPayloads(topic: TopicDefinition) throws -> [String] {
        try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ?", arguments: [topic.name]).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
