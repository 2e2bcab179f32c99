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
        // Matching's offers, the centres' placement events answered, and the outcomes they count.
        migrator.registerMigration("training-match-v7-offers") { db in
            try OfferStore.migrate(db)
            try PlacementHandler.outcomeTallies().migrate(db)
            try PlacementHandler.outcomeTallies().migrateFormerDistricts(db)
        }
    }

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: migrations)
        let partitions = try app.ensureTopics()
        try app.readBackPublished(store, topics: Topics.readBack[name] ?? [])
        let rules = try TrainingRules.bundled()
        let handler = MatchHandler(Matching(rules: rules), table: latest.table)
        let centres = AgencySources.employmentCentres(prefix: ProcessInfo.processInfo.environment["EMPLOYMENT_SOURCE_PREFIX"])
        // A household's placements are read with its classifications (co-partitioned, one group), so they are applied
        // by the instance that keeps its offers.
        let consumer = app.consumer(
            group: name, topics: [Topics.classifiedHousehold, Topics.placementEvent],
            handler: TopicHandlers([(Topics.classifiedHousehold, handler), (Topics.placementEvent, PlacementHandler(sources: centres))]), store: store)
        let areas = try app.areas()
        let validation = CatalogueValidation(areas: areas, minimumWorkingAge: rules.minimumWorkingAge)
        // Every instance matches its households against the whole catalogue: each reads every course and vacancy, under
        // a group of its own.
        let catalogue = app.consumer(
            group: "\(name)-catalogue-\(app.config.instanceId)", topics: [Topics.course, Topics.vacancy],
            handler: CatalogueHandler(validation: validation, sources: centres), store: store)
        // CALENDAR_DAY pins the day (as in eligibility): which courses and vacancies are still open.
        let pinnedDay = ProcessInfo.processInfo.environment["CALENDAR_DAY"]
        if let pinnedDay, CalendarDate(pinnedDay) == nil { throw FieldError("CALENDAR_DAY", "'\(pinnedDay)' is not a date (YYYY-MM-DD)") }
        let today: @Sendable () -> String = { pinnedDay ?? CalendarDate(Date()).description }
        let interval = try milliseconds("MATCHING_INTERVAL_MS", default: 1000)
        let runner = MatchingRunner(store: store, rules: rules, today: today, interval: .milliseconds(interval), logger: app.logger)
        let householdArea = TrainingAccess.householdArea(store: store, areas: areas)
        let router = try await app.securedRouter(
            table: TrainingAccess.table, areas: areas, store: store, householdArea: householdArea,
            directory: app.instanceDirectory(for: consumer, topics: [Topics.classifiedHousehold], partitions: partitions))
        CatalogueRoutes(store: store, sources: centres, areas: areas, today: today).register(on: router)
        MatchRoutes(store: store, sources: centres, rules: rules, householdArea: householdArea, routing: router.routing).register(on: router)
        try await app.run(
            store: store, consumers: [consumer, catalogue], routes: router,
            extraServices: [ThreadService(name: "matching", body: { runner.runBlocking() }, stop: { runner.stop() })])
    }

    /// A whole number of milliseconds from the environment.
    static func milliseconds(_ name: String, default value: Int) throws -> Int {
        guard let text = ProcessInfo.processInfo.environment[name] else { return value }
        guard let parsed = Int(text), parsed > 0 else { throw FieldError(name, "'\(text)' is not a whole number of milliseconds above 0") }
        return parsed
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

    public func derive(_ household: ClassifiedHousehold, day: String?, partition: Int32, offset: Int64, in db: Database) throws -> TrainingMatchSet {
        let selection = CandidateRules.select(household, rules: rules)
        return TrainingMatchSet(
            householdId: household.householdId, householdVersion: household.householdVersion, rulesRevision: household.rulesRevision,
            trainingRulesRevision: rules.revision, area: household.area, householdClass: household.classification?.householdClass,
            candidates: selection.candidates, notPutForward: selection.notPutForward.isEmpty ? nil : selection.notPutForward,
            surveyDate: household.surveyDate, lowIncomeWorkers: household.classification?.lowIncomeWorkers,
            escapedOn: selection.newlyEscaped ? household.classification?.escapedOn : nil)
    }
}

extension Matching {
    /// Candidates may have changed: matching runs again.
    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        try OfferStore.inputsChanged(in: db)
        return []
    }

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
