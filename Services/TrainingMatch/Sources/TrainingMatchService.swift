import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Puts forward working-age members of eligible households for vocational training and jobs.
public enum TrainingMatchService {
    public static let name = "training-match"
    public static let defaultPort = 8084

    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("training-match-v1") { db in
            try MatchHandler.join.migrate(db)
            try db.execute(
                sql: """
                    CREATE TABLE match_set (
                      household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, fingerprint TEXT NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID
                    """)
        }
    }

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: migrations)
        try app.ensureTopics()
        let handler = MatchHandler(rules: try TrainingRules.bundled())
        let consumer = app.consumer(group: name, topics: [Topics.household, Topics.classification], handler: handler, store: store)
        let router = Router()
        router.get("/v1/households/:id/matches") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let payload = try await store.pool.read({ db in
                try Data.fetchOne(db, sql: "SELECT payload FROM match_set WHERE household_id = ?", arguments: [id.lowercased()])
            }) else { return JSONResponse.notFound("matches of household \(id)") }
            return JSONResponse.make(.ok, try EventJSON.decode(TrainingMatchSet.self, from: payload))
        }
        try await app.run(store: store, consumers: [consumer], router: router)
    }
}

/// Joins household and classification and publishes the household's candidates when they change.
public struct MatchHandler: EventHandler {
    static let join = ClassifiedHouseholdJoin()
    let rules: TrainingRules

    public init(rules: TrainingRules) { self.rules = rules }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try Self.join.handle(event, in: db) { snapshot, classification in
            let set = TrainingMatchSet(
                householdId: snapshot.householdId, version: classification.version, area: classification.area,
                householdClass: classification.householdClass,
                candidates: CandidateRules.candidates(snapshot, classification, rules: rules))
            let previous = try String.fetchOne(
                db, sql: "SELECT fingerprint FROM match_set WHERE household_id = ?", arguments: [snapshot.householdId])
            var unversioned = set
            unversioned.version = 0
            let fingerprint = DeterministicID.make(String(decoding: try EventJSON.encode(unversioned), as: UTF8.self))
            let bytes = try EventJSON.encode(set)
            try db.execute(
                sql: """
                    INSERT INTO match_set (household_id, version, fingerprint, payload) VALUES (?, ?, ?, ?)
                    ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, fingerprint = excluded.fingerprint,
                      payload = excluded.payload
                    """,
                arguments: [snapshot.householdId, set.version, fingerprint, Data(bytes)])
            if previous == fingerprint { return [] }
            if previous == nil, set.candidates.isEmpty { return [] }
            return [
                try OutboundEvent.json(
                    topic: Topics.trainingMatch, key: snapshot.householdId, type: EventTypes.trainingMatch,
                    source: EventSources.service("training-match"),
                    idParts: ["training-match", snapshot.householdId, String(set.version)], sequence: set.version,
                    time: snapshot.recordedAt, encoded: bytes)
            ]
        }
    }
}
