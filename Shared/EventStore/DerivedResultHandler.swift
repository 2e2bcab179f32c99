import EventContracts
import Foundation
import GRDB

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
    /// The result for one classified household. `db` is the batch's transaction, for any table of the service's own.
    func derive(_ household: ClassifiedHousehold, in db: Database) throws -> Result

    /// The area counters the result adds to its household's commune, province and former district (``AreaTally``).
    func tallyKeys(_ result: Result) -> [String]
    /// Events about many households at once (a commune's list), published after the batch's results.
    func finishBatch(in db: Database) throws -> [OutboundEvent]
}

extension HouseholdDerivation {
    public func finishBatch(in db: Database) throws -> [OutboundEvent] { [] }
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
        guard event.attributes.type == EventTypes.classifiedHousehold else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.classifiedHousehold), got '\(event.attributes.type)'"))
        }
        let household = try event.decode(ClassifiedHousehold.self)
        guard try latest.isNewer(household.householdId, household.order, in: db) else { return [] }
        let result = try derivation.derive(household, in: db)
        try tallies.record(
            household.householdId, household.order, place: household.reportingPlace, keys: derivation.tallyKeys(result), from: event.message,
            time: event.attributes.time, in: db)
        let bytes = try EventJSON.encode(result)
        let changed = try latest.replace(
            householdId: household.householdId, order: household.order, payload: bytes,
            visible: try EventJSON.encode(result.unversioned), isEmpty: result.isEmpty, in: db)
        guard changed else { return [] }
        return [
            try OutboundEvent.json(
                topic: derivation.output, key: household.householdId, type: derivation.output.eventType!,
                source: EventSources.service(derivation.service),
                idParts: [derivation.service, household.householdId] + household.order.idParts + [String(derivation.rulesRevision)],
                sequence: household.householdVersion, time: household.recordedAt, encoded: bytes, causationId: event.attributes.id,
                personal: derivation.output.personal)
        ]
    }
}
