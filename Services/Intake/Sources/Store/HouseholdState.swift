import EventContracts
import EventStore
import Foundation
import GRDB
import Logging
import Metrics

/// One household version as intake keeps it, on `giamngheo.intake.household-state.v1`: what an intake instance needs to
/// hold the household as the instance that wrote it does — the survey as entered, the snapshot published, the content
/// hash a new survey is compared with, and the keyed request that made the version (so that a retry of it at another
/// instance gets the same answer).
public struct HouseholdStateRecord: Codable, Sendable, Hashable {
    /// The HTTP request with an `Idempotency-Key` that made this version, and its answer.
    public struct KeyedRequest: Codable, Sendable, Hashable {
        public var idempotencyKey: String
        public var requestHash: String
        public var outcome: AcceptOutcome
    }

    public var householdId: String
    public var version: Int64
    public var contentHash: String
    public var survey: SurveyInput
    public var snapshot: HouseholdSnapshot
    public var request: KeyedRequest?
}

/// What a stored version does with a household-state record read back from the topic (pure: decided from the version
/// and content held and the record's).
public enum HouseholdStateApplication: Equatable, Sendable {
    /// Nothing held, or an older version: the record's version is stored.
    case store
    /// The same version with the same content and status (this instance's own record, or a replay): nothing to do.
    case same
    /// An older version than the one held: nothing to do.
    case older
    /// The same version with another content or status: two instances wrote version n. The first on the topic stands
    /// for every reader (they read the partition in one order); the second is counted and logged for an operator.
    case conflict

    public static func of(record version: Int64, contentHash: String, status: RecognitionStatus, held: (version: Int64, contentHash: String, status: String?)?)
        -> Self
    {
        guard let held else { return .store }
        if held.version > version { return .older }
        if held.version < version { return .store }
        return held.contentHash == contentHash && held.status == status.rawValue ? .same : .conflict
    }
}

extension IntakeStore {
    /// Queues the household-state record of a version just stored (read back from the rows, so that it says what the
    /// store holds).
    static func queueState(of householdId: String, request: HouseholdStateRecord.KeyedRequest?, trace: TraceContext?, in db: Database) throws {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT h.version, h.content_hash, v.survey, v.snapshot FROM household h
                    JOIN household_version v ON v.household_id = h.household_id AND v.version = h.version WHERE h.household_id = ?
                    """),
                arguments: [householdId])
        else { return }
        let record = HouseholdStateRecord(
            householdId: householdId, version: row["version"], contentHash: row["content_hash"],
            survey: try EventJSON.decode(SurveyInput.self, from: row["survey"] as Data),
            snapshot: try EventJSON.decode(HouseholdSnapshot.self, from: row["snapshot"] as Data), request: request)
        try Outbox.append(
            OutboundEvent.json(
                topic: Topics.intakeHouseholdState, key: householdId, type: EventTypes.intakeHouseholdState, source: EventSources.service("intake"),
                idParts: ["household-state", householdId, String(record.version)], sequence: record.version, time: record.snapshot.recordedAt,
                payload: record, personal: true
            ).caused(by: trace),
            in: db)
    }

    /// Stores a household-state record written by an instance (this one or another) as the household's version, unless
    /// the version held is as new; rows, CCCD index and the keyed request as the writer stored them.
    static func applyState(_ record: HouseholdStateRecord, in db: Database) throws -> HouseholdStateApplication {
        let held = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT version, content_hash, status, member_cccds FROM household WHERE household_id = ?"),
            arguments: [record.householdId])
        let decision = HouseholdStateApplication.of(
            record: record.version, contentHash: record.contentHash, status: record.snapshot.status,
            held: held.map { ($0["version"], $0["content_hash"], $0["status"]) })
        guard decision == .store else { return decision }
        let snapshot = record.snapshot
        try IntakeStore.keepLatest(
            of: record.householdId, snapshot: snapshot, contentHash: record.contentHash, cccds: Set(record.survey.members.compactMap(\.cccd)),
            previousCCCDs: held?["member_cccds"], in: db)
        try db.run(
            "INSERT OR IGNORE INTO household_version (household_id, version, survey, snapshot, recorded_at) VALUES (?, ?, ?, ?, ?)",
            [record.householdId, record.version, Data(try EventJSON.encode(record.survey)), Data(try EventJSON.encode(snapshot)), snapshot.recordedAt])
        if let request = record.request {
            try db.run(
                "INSERT OR IGNORE INTO idempotency_key (key, request_hash, outcome, created_at) VALUES (?, ?, ?, ?)",
                [request.idempotencyKey, request.requestHash, Data(try EventJSON.encode(request.outcome)), snapshot.recordedAt])
        }
        return .store
    }
}

/// Keeps the whole registry in this intake instance's store from `giamngheo.intake.household-state.v1`, read whole by
/// the instance in a group of its own: any instance then answers reads, lists a commune's round and warns of a CCCD
/// listed elsewhere, and the instance that takes over a partition continues its households' versions.
public struct HouseholdStateHandler: EventHandler {
    let logger: Logger
    private let conflicts = Counter(label: "giamngheo_intake_version_conflicts_total")

    public init(logger: Logger) { self.logger = logger }

    /// Version-guarded: the same record twice changes nothing.
    public var deduplication: Deduplication { .versions }

    /// The group of one instance: it alone reads every partition.
    public static func group(instanceId: String) -> String { "\(IntakeService.name)-replica-\(instanceId)" }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let record = try event.decode(HouseholdStateRecord.self)
        guard record.householdId == event.attributes.subject, record.snapshot.householdId == record.householdId,
            record.snapshot.version == record.version
        else {
            throw PoisonRecord(FieldError("householdId", "'\(record.householdId)' (version \(record.version)) does not match the record's subject and snapshot"))
        }
        if try IntakeStore.applyState(record, in: db) == .conflict {
            conflicts.increment()
            logger.error(
                "two intake instances wrote the same version of a household; the first on the topic stands",
                metadata: ["household": "\(record.householdId)", "version": "\(record.version)", "event": "\(event.attributes.id)"])
        }
        return []
    }
}
