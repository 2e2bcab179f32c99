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
            try MatchHandler.latest.migrate(db)
        }
        migrator.registerMigration("training-match-v2-join") { db in try MatchHandler.join.migrateCompletedWithoutPayload(db) }
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
            guard let payload = try await store.pool.read({ db in try MatchHandler.latest.payload(householdId: id, in: db) })
            else { return JSONResponse.notFound("matches of household \(id)") }
            return JSONResponse.make(.ok, try EventJSON.decode(TrainingMatchSet.self, from: payload))
        }
        try await app.run(store: store, consumers: [consumer], router: router)
    }
}

/// Joins household and classification and publishes the household's candidates when they change.
public struct MatchHandler: EventHandler {
    static let join = ClassifiedHouseholdJoin()
    static let latest = LatestPerHousehold(table: "match_set")
    let rules: TrainingRules

    public init(rules: TrainingRules) { self.rules = rules }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try Self.join.handle(event, in: db) { snapshot, classification in
            let set = TrainingMatchSet(
                householdId: snapshot.householdId, version: classification.version, area: classification.area,
                householdClass: classification.householdClass,
                candidates: CandidateRules.candidates(snapshot, classification, rules: rules))
            var unversioned = set
            unversioned.version = 0
            let bytes = try EventJSON.encode(set)
            guard
                try Self.latest.replace(
                    householdId: snapshot.householdId, version: set.version, payload: bytes, visible: try EventJSON.encode(unversioned),
                    isEmpty: set.candidates.isEmpty, in: db)
            else { return [] }
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
