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

    /// Each household's current candidates.
    static let latest = LatestPerHousehold(table: "match_set")

    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("training-match-v1") { _ in }
        migrator.registerMigration("training-match-v2-join") { _ in }
        // Event contracts v2: one classified-household input instead of joining snapshots with classifications.
        migrator.registerMigration("training-match-v3-classified-household") { db in
            try MatchHandler.migrateFromJoin(db, service: name, table: latest.table)
        }
        migrator.registerMigration("training-match-v4-former-districts") { db in try AreaTallies(source: name).migrateFormerDistricts(db) }
        migrator.registerMigration("training-match-v5-calendar") { db in try CalendarDays.migrate(db) }
        // The employment centres' courses and vacancies, and every catalogue record answered.
        migrator.registerMigration("training-match-v6-catalogue") { db in try CatalogueStore.migrate(db) }
    }

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: migrations)
        try app.ensureTopics()
        try app.readBackPublished(store, topics: [Topics.areaTally])
        let rules = try TrainingRules.bundled()
        let handler = MatchHandler(Matching(rules: rules), table: latest.table)
        let consumer = app.consumer(group: name, topics: [Topics.classifiedHousehold], handler: handler, store: store)
        let centres = AgencySources.employmentCentres(prefix: ProcessInfo.processInfo.environment["EMPLOYMENT_SOURCE_PREFIX"])
        let validation = CatalogueValidation(areas: try app.areas(), minimumWorkingAge: rules.minimumWorkingAge)
        let catalogue = app.consumer(
            group: "\(name)-catalogue", topics: [Topics.course, Topics.vacancy], handler: CatalogueHandler(validation: validation, sources: centres),
            store: store)
        let router = Router()
        CatalogueRoutes(store: store, sources: centres, today: { CalendarDate(Date()).description }).register(on: router)
        router.get("/v1/households/:id/matches") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let payload = try await store.pool.read({ db in try latest.payload(householdId: id, in: db) })
            else { return JSONResponse.notFound("matches of household \(id)") }
            return JSONResponse.make(.ok, try EventJSON.decode(TrainingMatchSet.self, from: payload))
        }
        try await app.run(store: store, consumers: [consumer, catalogue], router: router)
    }
}

/// Training matching's rules in the shape every derived-result service shares: put forward the household's
/// candidates and publish them when they change.
public struct Matching: HouseholdDerivation {
    public let rules: TrainingRules
    public var service: String { TrainingMatchService.name }
    public var output: TopicDefinition { Topics.trainingMatch }
    public var rulesRevision: Int { rules.revision }

    public init(rules: TrainingRules) { self.rules = rules }

    public func derive(_ household: ClassifiedHousehold, day: String?, partition: Int32, in db: Database) throws -> TrainingMatchSet {
        let selection = CandidateRules.select(household, rules: rules)
        return TrainingMatchSet(
            householdId: household.householdId, householdVersion: household.householdVersion, rulesRevision: household.rulesRevision,
            trainingRulesRevision: rules.revision, area: household.area, householdClass: household.classification?.householdClass,
            candidates: selection.candidates, notPutForward: selection.notPutForward.isEmpty ? nil : selection.notPutForward)
    }
}

extension Matching {
    /// Households with candidates, and candidates.
    public func tallyKeys(_ set: TrainingMatchSet) -> [String] {
        set.candidates.isEmpty ? [] : ["training.households"] + Array(repeating: "training.candidates", count: set.candidates.count)
    }
}

public typealias MatchHandler = DerivedResultHandler<Matching>

extension TrainingMatchSet: DerivedResult {
    public var unversioned: TrainingMatchSet {
        var copy = self
        (copy.householdVersion, copy.rulesRevision, copy.trainingRulesRevision) = (0, 0, 0)
        return copy
    }
    public var isEmpty: Bool { candidates.isEmpty }
}
