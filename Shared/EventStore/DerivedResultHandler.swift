import EventContracts
import Foundation
import GRDB
import Kafka

/// A per-household result derived from a classified household by a service's own rules (referrals, candidates).
public protocol DerivedResult: Encodable, Sendable {
    /// The result without the versions it was made from: what receivers compare to tell whether anything changed.
    var unversioned: Self { get }
    /// Nothing for receivers (a first empty result is not published).
    var isEmpty: Bool { get }
}

/// What distinguishes one derived-result service from another: its rules, its output topic and its rules' revision.
public protocol HouseholdDerivation: Sendable {
    associatedtype Result: DerivedResult
    /// The service's name: the `ce_source` and the first part of every `ce_id`.
    var service: String { get }
    var output: TopicDefinition { get }
    /// Revision of the service's own rule data; part of every `ce_id`, since the result depends on it.
    var rulesRevision: Int { get }
    /// The result for one classified household. `day` is the latest ``CalendarDay`` read on the household's partition
    /// (nil before the first), for rules that change with time; `offset` is the record's on `partition`; `db` is the
    /// batch's transaction, for any table of the service's own.
    func derive(_ household: ClassifiedHousehold, day: String?, partition: Int32, offset: Int64, in db: Database) throws -> Result

    /// The area counters the result adds to its household's commune, province and former district (``AreaTally``).
    func tallyKeys(_ result: Result) -> [String]
    /// Events about many households at once (a commune's list), published after the batch's results.
    func finishBatch(in db: Database) throws -> [OutboundEvent]
    /// The results that a new calendar day (the record at `offset` on `partition`) changes among the households of
    /// `partition`, each with the version it follows from and the place it is counted in.
    func resultsChanged(on day: String, partition: Int32, offset: Int64, in db: Database) throws -> [DayChange<Result>]
}

extension HouseholdDerivation {
    public func finishBatch(in db: Database) throws -> [OutboundEvent] { [] }
    public func resultsChanged(on day: String, partition: Int32, offset: Int64, in db: Database) throws -> [DayChange<Result>] { [] }
}

/// A household's result changed by a calendar day alone, not by a new version of the household.
public struct DayChange<Result: DerivedResult> {
    public var householdId: String
    public var order: VersionOrder
    public var place: HouseholdPlace
    /// When the result took effect, the published `ce_time`: the classified version's `recordedAt`, or the start of
    /// the calendar day that changed it.
    public var recordedAt: String
    public var result: Result

    public init(householdId: String, order: VersionOrder, place: HouseholdPlace, recordedAt: String, result: Result) {
        self.householdId = householdId
        self.order = order
        self.place = place
        self.recordedAt = recordedAt
        self.result = result
    }
}

/// The one shape of services that differ only in their rules: consume each classified household, derive a result,
/// keep the latest per household (version-guarded, so a replay is a no-op), publish it when what receivers see
/// changed, and count it in its area's tally. The published event is a pure function of its input: `ce_id` from the
/// household, its versions and the rules' revision; `ce_time` the classified version's `recordedAt`.
public struct DerivedResultHandler<Derivation: HouseholdDerivation>: EventHandler {
    public let derivation: Derivation
    public let latest: LatestPerHousehold
    public let tallies: AreaTallies

    /// The schema of a derived-result service whose v1 store joined snapshots with classifications: the join's tables
    /// and the old result table go, the result and tally tables are created, and the store replays its input from the start.
    public static func migrateFromJoin(_ db: Database, service: String, table: String) throws {
        try db.execute(
            sql: """
                DROP TABLE IF EXISTS joined_household; DROP TABLE IF EXISTS joined_classification;
                DROP TABLE IF EXISTS \(table); DELETE FROM consumer_offset;
                """)
        try LatestPerHousehold(table: table).migrate(db)
        try AreaTallies(source: service).migrate(db)
    }

    public init(_ derivation: Derivation, table: String) {
        self.derivation = derivation
        self.latest = LatestPerHousehold(table: table)
        self.tallies = AreaTallies(source: derivation.service)
    }

    /// Version-guarded: a record not newer than what is held changes nothing.
    public var deduplication: Deduplication { .versions }

    public func beginBatch(in db: Database) throws { tallies.beginBatch() }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        try tallies.finishBatch(in: db) + derivation.finishBatch(in: db)
    }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        if event.attributes.type == EventTypes.calendarDay { return try handleDay(event, in: db) }
        guard event.attributes.type == EventTypes.classifiedHousehold else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.classifiedHousehold), got '\(event.attributes.type)'"))
        }
        let household = try event.decode(ClassifiedHousehold.self)
        guard try latest.isNewer(household.householdId, household.order, in: db) else { return [] }
        let day = try CalendarDays.day(of: event.message.partition, in: db)
        let result = try derivation.derive(household, day: day, partition: event.message.partition, offset: event.message.offset, in: db)
        return try keep(
            DayChange(
                householdId: household.householdId, order: household.order, place: household.reportingPlace, recordedAt: household.recordedAt,
                result: result), from: event, idParts: [], sameVersion: false, in: db)
    }

    /// A new day on the record's partition: the results it changes are kept, counted and published like new ones, under
    /// the version they follow from; ids and times come from the day, so a replay gives the same records.
    func handleDay(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let calendar = try event.decode(CalendarDay.self)
        guard CalendarDate(calendar.day) != nil else { throw PoisonRecord(FieldError("day", "'\(calendar.day)' is not a date (YYYY-MM-DD)")) }
        guard try CalendarDays.advance(to: calendar.day, partition: event.message.partition, in: db) else { return [] }
        return try derivation.resultsChanged(on: calendar.day, partition: event.message.partition, offset: event.message.offset, in: db).flatMap { change in
            try keep(change, from: event, idParts: ["day", calendar.day], sameVersion: true, in: db)
        }
    }

    /// Counts, stores and (when what receivers see changed) publishes one household's result.
    private func keep(
        _ change: DayChange<Derivation.Result>, from event: InboundEvent, idParts: [String], sameVersion: Bool, in db: Database
    ) throws -> [OutboundEvent] {
        try tallies.record(
            change.householdId, change.order, place: change.place, keys: derivation.tallyKeys(change.result), from: event.message,
            time: event.attributes.time, sameVersion: sameVersion, in: db)
        let bytes = try EventJSON.encode(change.result)
        let changed = try latest.replace(
            householdId: change.householdId, order: change.order, payload: bytes,
            visible: try EventJSON.encode(change.result.unversioned), isEmpty: change.result.isEmpty, in: db)
        guard changed else { return [] }
        return [
            try OutboundEvent.json(
                topic: derivation.output, key: change.householdId, type: derivation.output.eventType!,
                source: EventSources.service(derivation.service),
                idParts: [derivation.service, change.householdId] + change.order.idParts + [String(derivation.rulesRevision)] + idParts,
                sequence: change.order.householdVersion, time: change.recordedAt, encoded: bytes,
                causationId: event.attributes.id, personal: derivation.output.personal)
        ]
    }
}

/// The latest calendar day each partition of the household topics has read (``CalendarDay``).
public enum CalendarDays {
    public static func migrate(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE calendar_day (partition INTEGER PRIMARY KEY, day TEXT NOT NULL)")
    }

    public static func day(of partition: Int32, in db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT day FROM calendar_day WHERE partition = ?"), arguments: [partition])
    }

    /// Moves the partition to `day`; false when it is not later than the day already read (a replay, or a day re-sent).
    public static func advance(to day: String, partition: Int32, in db: Database) throws -> Bool {
        if let held = try self.day(of: partition, in: db), held >= day { return false }
        try db.run(
            "INSERT INTO calendar_day (partition, day) VALUES (?, ?) ON CONFLICT (partition) DO UPDATE SET day = excluded.day", [partition, day])
        return true
    }
}
