import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Refers classified households to VBSP programmes and keeps each household's current referrals.
public enum LoanReferralService {
    public static let name = "loan-referral"
    public static let defaultPort = 8083
    /// Each household's current referral set.
    static let latest = LatestPerHousehold(table: "referral_set")

    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("loan-referral-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE referral (
                      referral_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, programme_id TEXT NOT NULL,
                      status TEXT NOT NULL, first_version INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE INDEX referral_household ON referral(household_id);
                    """)
        }
        migrator.registerMigration("loan-referral-v2-join") { _ in }
        // Event contracts v2: one classified-household input instead of joining snapshots with classifications.
        migrator.registerMigration("loan-referral-v3-classified-household") { db in
            try ReferralHandler.migrateFromJoin(db, service: name, table: latest.table)
        }
        migrator.registerMigration("loan-referral-v4-former-districts") { db in try AreaTallies(source: name).migrateFormerDistricts(db) }
        // The bank's loop: loans with their history, and every bank event answered.
        migrator.registerMigration("loan-referral-v5-loans") { db in
            try LoanStore.migrate(db)
            let credit = BankEventHandler.creditTallies()
            try credit.migrate(db)
            try credit.migrateFormerDistricts(db)
        }
        // The commune lists: households by today's commune and review round.
        migrator.registerMigration("loan-referral-v6-lists") { db in try ReferralListStore.migrate(db) }
        // The commune lists on a topic for the bank: those a batch changed, and what was last published of each.
        migrator.registerMigration("loan-referral-v7-list-topic") { db in try ReferralListStore.migrateTopic(db) }
        // Calendar days as input: the day each partition has read, and when each household's referral window ends.
        migrator.registerMigration("loan-referral-v8-calendar") { db in
            try CalendarDays.migrate(db)
            try ReferralWindows.migrate(db)
        }
        // Lists made of shares, so that they stay whole with several instances (a store from before is rebuilt).
        migrator.registerMigration("loan-referral-v9-list-shares") { db in try ReferralListStore.migrateShares(db) }
    }

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: migrations)
        let partitions = try app.ensureTopics()
        try app.readBackPublished(store, topics: Topics.readBack[name] ?? [])
        let catalogue = try ProgrammeCatalogue.bundled()
        let bankSources = AgencySources.vbsp(prefix: ProcessInfo.processInfo.environment["VBSP_SOURCE_PREFIX"])
        // A household's bank events are read with its classifications (co-partitioned, one group), so they are applied
        // by the instance that keeps its referrals.
        let bank = BankEventHandler(catalogue: catalogue, bankSources: bankSources, today: { CalendarDate(Date()).description })
        let households = app.consumer(
            group: name, topics: [Topics.classifiedHousehold, Topics.loanEvent],
            handler: TopicHandlers([(Topics.classifiedHousehold, ReferralHandler.make(catalogue)), (Topics.loanEvent, bank)]), store: store)
        let areas = try app.areas()
        let householdArea = LoanAccess.householdArea(store: store, areas: areas)
        let router = try await app.securedRouter(
            table: LoanAccess.table, areas: areas, store: store, householdArea: householdArea,
            directory: app.instanceDirectory(for: households, topics: [Topics.classifiedHousehold], partitions: partitions))
        let lists = app.consumer(group: "\(name)-lists", topics: [Topics.referralListPart], handler: ReferralListAssembler(catalogue), store: store)
        let listDirectory = app.instanceDirectory(for: lists, topics: [Topics.referralListPart], partitions: partitions)
        LoanRoutes(
            store: store, catalogue: catalogue, bankSources: bankSources, householdArea: householdArea, lists: OwnerRouting(directory: listDirectory),
            routing: router.routing
        ).register(on: router)
        try await app.run(
            store: store, consumers: [households, lists], routes: router,
            extraServices: [ThreadService(name: "list-directory", body: { try listDirectory.runBlocking() }, stop: { listDirectory.stop() })])
    }
}

/// Loan referral's rules in the shape every derived-result service shares: refer each classified household to the
/// VBSP programmes it qualifies for, and publish the household's set when it changes.
public struct Referral: HouseholdDerivation {
    public let programmes: [LoanProgramme]
    public let rulesRevision: Int
    public var service: String { LoanReferralService.name }
    public var output: TopicDefinition { Topics.loanReferral }

    public init(_ catalogue: ProgrammeCatalogue) {
        programmes = catalogue.programmes
        rulesRevision = catalogue.revision
    }

    public func derive(_ household: ClassifiedHousehold, day: String?, partition: Int32, offset: Int64, in db: Database) throws -> LoanReferralSet {
        let previous = try LoanReferralService.latest.payload(householdId: household.householdId, in: db)
            .map { try EventJSON.decode(LoanReferralSet.self, from: $0).referrals } ?? []
        let referrals = ReferralRules.referrals(for: household, programmes: programmes, previous: previous, on: day)
        try ReferralWindows.schedule(household.householdId, partition: partition, referrals: referrals, in: db)
        let filedBefore = try ReferralListStore.index(household, partition: partition, in: db)
        // The commune's list holds the referred: it changes only with a household referred now or before.
        if (referrals + previous).contains(where: { $0.status == .referred }) {
            for key in [ListKey(household)] + (filedBefore.map { [$0] } ?? []) {
                try ReferralListStore.markShareChanged(key, partition: partition, offset: offset, time: household.recordedAt, in: db)
            }
        }
        try keepStatuses(of: household.householdId, version: household.householdVersion, referrals, in: db)
        return LoanReferralSet(
            householdId: household.householdId, householdVersion: household.householdVersion, rulesRevision: household.rulesRevision,
            programmesRevision: rulesRevision, area: household.area, householdClass: household.classification?.householdClass,
            head: household.head, referrals: referrals, roundId: household.roundId, recognition: household.recognition,
            place: household.reportingPlace)
    }

    /// Keeps each referral's status, and withdraws the loan request of a referral that ended, unless the bank already
    /// approved it.
    func keepStatuses(of householdId: String, version: Int64, _ referrals: [LoanReferral], in db: Database) throws {
        for referral in referrals {
            try db.run(
                """
                    INSERT INTO referral (referral_id, household_id, programme_id, status, first_version) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (referral_id) DO UPDATE SET status = excluded.status
                    """, [referral.referralId, householdId, referral.programmeId, referral.status.rawValue, version])
            if referral.status == .withdrawn, let loan = try LoanStore.loan(referral.referralId, in: db),
                let withdrawn = LoanLifecycle.withdraw(
                    loan, referralId: referral.referralId, householdId: householdId, programmeId: referral.programmeId,
                    on: referral.referredOn, reason: referral.withdrawnReason ?? "")
            {
                try LoanStore.save(withdrawn, in: db)
            }
        }
    }

    /// The households of `partition` whose referral window ended before `day`: their referrals withdrawn, their
    /// pending loan requests too, and their commune lists changed.
    public func resultsChanged(on day: String, partition: Int32, offset: Int64, in db: Database) throws -> [DayChange<LoanReferralSet>] {
        try ReferralWindows.ended(before: day, partition: partition, in: db).compactMap { householdId -> DayChange<LoanReferralSet>? in
            guard let payload = try LoanReferralService.latest.payload(householdId: householdId, in: db) else { return nil }
            var set = try EventJSON.decode(LoanReferralSet.self, from: payload)
            let before = set.referrals
            set.referrals = ReferralRules.expire(set.referrals, on: day)
            try ReferralWindows.schedule(householdId, partition: partition, referrals: set.referrals, in: db)
            guard set.referrals != before else { return nil }
            try keepStatuses(of: householdId, version: set.householdVersion, set.referrals, in: db)
            let place = set.place ?? HouseholdPlace(surveyed: set.area)
            if let round = set.roundId {
                try ReferralListStore.markShareChanged(
                    ListKey(commune: place.communeAreaCode, round: round), partition: partition, offset: offset, time: CalendarDay.start(of: day), in: db)
            }
            return DayChange(
                householdId: householdId, order: VersionOrder(householdVersion: set.householdVersion, rulesRevision: set.rulesRevision),
                place: place, recordedAt: CalendarDay.start(of: day), result: set)
        }
    }
}

extension Referral {
    /// Each share of a commune list the batch changed (the households of one partition), published when its content
    /// differs from what was last published (a share that empties is published empty); the list stage
    /// (``ReferralListAssembler``) makes the lists.
    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        try ReferralListStore.takeSharesChanged(in: db).compactMap { key, partition, version, time -> OutboundEvent? in
            let sets = try ReferralListStore.sets(of: key, partition: partition, latest: LoanReferralService.latest, in: db)
            let digest = DeterministicID.make("referral-list-share", String(decoding: try EventJSON.encode(sets), as: UTF8.self))
            guard try ReferralListStore.recordSharePublished(key, partition: partition, digest: digest, empty: sets.isEmpty, in: db) else { return nil }
            let share = ReferralListPart(communeCode: key.commune, roundId: key.round, partition: partition, version: version, time: time, sets: sets)
            guard try PublishedVersions.claim(Topics.referralListPart, key: share.key, version: version, in: db) else { return nil }
            return try OutboundEvent.json(
                topic: Topics.referralListPart, key: share.key, type: EventTypes.referralListPart, source: EventSources.service(service),
                idParts: ["referral-list-share", share.key, String(version)], sequence: version, time: time, payload: share,
                personal: true, subject: share.listKey)
        }
    }

    /// Households referred and referrals by programme (recognised households), and the same for candidates (proposed).
    public func tallyKeys(_ set: LoanReferralSet) -> [String] {
        let referred = set.referrals.filter { $0.status == .referred }
        let candidates = set.referrals.filter { $0.status == .candidate }
        return (referred.isEmpty ? [] : ["referral.households"] + referred.map { "referral.programme.\($0.programmeId)" })
            + (candidates.isEmpty ? [] : ["loanCandidate.households"] + candidates.map { "loanCandidate.programme.\($0.programmeId)" })
    }
}

public typealias ReferralHandler = DerivedResultHandler<Referral>

extension ReferralHandler {
    public static func make(_ catalogue: ProgrammeCatalogue) -> ReferralHandler {
        ReferralHandler(Referral(catalogue), table: LoanReferralService.latest.table)
    }
}

extension LoanReferralSet: DerivedResult {
    /// What the bank sees, without the versions: unchanged referrals for the same head and area publish nothing.
    public var unversioned: LoanReferralSet {
        var copy = self
        (copy.householdVersion, copy.rulesRevision, copy.programmesRevision) = (0, 0, 0)
        return copy
    }
    public var isEmpty: Bool { referrals.isEmpty }
}
