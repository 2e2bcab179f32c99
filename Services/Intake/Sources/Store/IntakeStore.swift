import EventContracts
import EventStore
import Foundation
import GRDB
import ServiceRuntime

/// What happened to a submission.
public struct AcceptOutcome: Codable, Sendable, Hashable {
    public enum Result: String, Codable, Sendable { case created, updated, unchanged }
    public var householdId: String
    public var version: Int64
    public var result: Result
    /// For an officer to look at: other households that list one of this household's CCCD numbers.
    public var warnings: [FieldError]

    public init(householdId: String, version: Int64, result: Result, warnings: [FieldError] = []) {
        self.householdId = householdId
        self.version = version
        self.result = result
        self.warnings = warnings
    }
}

/// A request repeated with the same `Idempotency-Key` but a different body.
public struct IdempotencyConflict: Error, Sendable {
    public var key: String
}

/// Intake's tables: the registry with every version kept, idempotency keys, and a CCCD index for duplicate checks. Each
/// version written is also queued for `giamngheo.intake.household-state.v1` (``HouseholdStateRecord``), from which every
/// intake instance keeps the same tables.
public enum IntakeStore {
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE household (
                      household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, commune_code TEXT NOT NULL,
                      content_hash TEXT NOT NULL, updated_at TEXT NOT NULL);
                    CREATE INDEX household_commune ON household(commune_code);
                    CREATE TABLE household_version (
                      household_id TEXT NOT NULL, version INTEGER NOT NULL, survey BLOB NOT NULL, snapshot BLOB NOT NULL,
                      recorded_at TEXT NOT NULL, PRIMARY KEY (household_id, version));
                    CREATE TABLE idempotency_key (
                      key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, outcome BLOB NOT NULL, created_at TEXT NOT NULL) WITHOUT ROWID;
                    CREATE TABLE member_cccd (
                      cccd TEXT NOT NULL, household_id TEXT NOT NULL, PRIMARY KEY (cccd, household_id)) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("intake-v2-cccd-by-household") { db in
            // Replacing a household's CCCD rows looks them up by household: without this, a scan per submission.
            try db.execute(sql: "CREATE INDEX member_cccd_household ON member_cccd(household_id)")
        }
        migrator.registerMigration("intake-v3-cccds-on-household") { db in
            // The household row lists its members' CCCD numbers, so replacing them deletes rows by their key: the
            // index by household cost every submission a random page write per member (docs/benchmarks.md).
            try db.execute(
                sql: """
                    ALTER TABLE household ADD COLUMN member_cccds TEXT NOT NULL DEFAULT '';
                    UPDATE household SET member_cccds = coalesce(
                      (SELECT group_concat(cccd, ',') FROM member_cccd m WHERE m.household_id = household.household_id), '');
                    DROP INDEX member_cccd_household;
                    """)
        }
        ImportReportStore.migrations(&migrator)
        RecognitionStore.migrations(&migrator)
        AccessLog.migrations(&migrator)
    }

    /// Stores a valid survey as a new version (or recognises it as unchanged) and queues its snapshot event,
    /// all in the caller's transaction.
    /// - Parameter permits: whether the caller may change households of a commune; a household held in a commune it
    ///   may not change is refused (``OutsideScope``) and another household's id is never named in a warning.
    /// - Parameter trace: the request's trace (or the agency record's), which the household's event continues.
    /// - Parameter writes: whether this instance still writes a household id (``NotTheWriter`` when not); nil: it does.
    public static func accept(
        _ survey: ValidSurvey, input: SurveyInput, idempotencyKey: String?, permits: (String) -> Bool = { _ in true }, actor: AccessActor? = nil,
        trace: TraceContext? = nil, writes: ((String) -> Bool)? = nil, in db: Database
    ) throws -> AcceptOutcome {
        var survey = survey
        survey.householdId = try existingId(of: survey, in: db)
        if let writes, !writes(survey.householdId) { throw NotTheWriter(householdId: survey.householdId) }
        if let held = try String.fetchOne(
            db.cachedStatement(sql: "SELECT commune_code FROM household WHERE household_id = ?"), arguments: [survey.householdId]),
            !permits(held)
        {
            throw OutsideScope(communeCode: held)
        }
        // The request as it will be stored, with what intake derived filled in: its hash identifies both the request
        // (for Idempotency-Key) and the content (an identical re-submission creates no version).
        var normalized = input
        for index in normalized.members.indices { normalized.members[index].fullName = normalized.members[index].fullName.normalizedName() }
        normalized.householdId = survey.householdId
        normalized.roundId = survey.roundId
        normalized.status = .proposed
        let surveyBytes = try EventJSON.encode(normalized)
        let requestHash = DeterministicID.make("request", String(decoding: surveyBytes, as: UTF8.self))
        if let idempotencyKey,
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT request_hash, outcome FROM idempotency_key WHERE key = ?"), arguments: [idempotencyKey])
        {
            guard row["request_hash"] as String == requestHash else { throw IdempotencyConflict(key: idempotencyKey) }
            return try EventJSON.decode(AcceptOutcome.self, from: row["outcome"] as Data)
        }
        let contentHash = requestHash
        let current = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT version, content_hash, member_cccds FROM household WHERE household_id = ?"),
            arguments: [survey.householdId])
        var outcome: AcceptOutcome
        if let current, current["content_hash"] as String == contentHash {
            outcome = AcceptOutcome(householdId: survey.householdId, version: current["version"], result: .unchanged)
        } else {
            let version = (current?["version"] as Int64? ?? 0) + 1
            let now = Timestamp.now()
            let snapshot = survey.snapshot(version: version, recordedAt: now)
            try keepLatest(
                of: survey.householdId, snapshot: snapshot, contentHash: contentHash, cccds: Set(input.members.compactMap(\.cccd)),
                previousCCCDs: current?["member_cccds"], in: db)
            try storeVersion(snapshot, survey: Data(surveyBytes), trace: trace, in: db)
            outcome = AcceptOutcome(householdId: survey.householdId, version: version, result: current == nil ? .created : .updated)
        }
        outcome.warnings = try duplicateCCCDWarnings(input, householdId: survey.householdId, permits: permits, in: db)
        if outcome.result != .unchanged {
            let request = idempotencyKey.map { HouseholdStateRecord.KeyedRequest(idempotencyKey: $0, requestHash: requestHash, outcome: outcome) }
            try queueState(of: survey.householdId, request: request, trace: trace, in: db)
        }
        if let actor, outcome.result != .unchanged {
            try AccessAuditor.append(
                [actor.record(.change, householdId: survey.householdId, status: outcome.result == .created ? 201 : 200)], service: "intake", in: db)
        }
        if let idempotencyKey {
            try db.run(
                "INSERT INTO idempotency_key (key, request_hash, outcome, created_at) VALUES (?, ?, ?, ?)", [idempotencyKey, requestHash, Data(try EventJSON.encode(outcome)), Timestamp.now()])
        }
        return outcome
    }

    /// Makes `snapshot` the household's latest version on its row, and its members' CCCD numbers the ones the duplicate
    /// check finds it by (`previousCCCDs`: the row's list before, comma-separated).
    static func keepLatest(
        of householdId: String, snapshot: HouseholdSnapshot, contentHash: String, cccds: Set<String>, previousCCCDs: String?, in db: Database
    ) throws {
        let previous = Set((previousCCCDs ?? "").split(separator: ",").map(String.init))
        try db.run(
            """
                INSERT INTO household (household_id, version, commune_code, content_hash, updated_at, round_id, status, member_cccds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, commune_code = excluded.commune_code,
                  content_hash = excluded.content_hash, updated_at = excluded.updated_at, round_id = excluded.round_id,
                  status = excluded.status, member_cccds = excluded.member_cccds
                """, [
                householdId, snapshot.version, snapshot.area.communeCode, contentHash, snapshot.recordedAt, snapshot.roundId,
                snapshot.status.rawValue, cccds.sorted().joined(separator: ","),
            ])
        for cccd in previous.subtracting(cccds) {
            try db.run("DELETE FROM member_cccd WHERE cccd = ? AND household_id = ?", [cccd, householdId])
        }
        for cccd in cccds.subtracting(previous) {
            try db.run("INSERT OR IGNORE INTO member_cccd (cccd, household_id) VALUES (?, ?)", [cccd, householdId])
        }
    }

    /// The household's id as stored: its id under the current key, or else the first of its former-key ids that intake
    /// already holds (a household registered before the key was rotated keeps its id).
    static func existingId(of survey: ValidSurvey, in db: Database) throws -> String {
        guard !survey.formerHouseholdIds.isEmpty else { return survey.householdId }
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM household WHERE household_id = ?")
        if try Bool.fetchOne(statement, arguments: [survey.householdId]) != nil { return survey.householdId }
        for former in survey.formerHouseholdIds where try Bool.fetchOne(statement, arguments: [former]) != nil { return former }
        return survey.householdId
    }

    /// Keeps `snapshot` as a version of its household, beside the survey it came from, and queues it for publishing:
    /// the one way a household version is written (a survey, or the commune's recognition of one).
    static func storeVersion(_ snapshot: HouseholdSnapshot, survey: Data, trace: TraceContext?, in db: Database) throws {
        let snapshotBytes = try EventJSON.encode(snapshot)
        try db.run(
            "INSERT INTO household_version (household_id, version, survey, snapshot, recorded_at) VALUES (?, ?, ?, ?, ?)",
            [snapshot.householdId, snapshot.version, survey, Data(snapshotBytes), snapshot.recordedAt])
        try Outbox.append(
            OutboundEvent.json(
                topic: Topics.household, key: snapshot.householdId, type: EventTypes.householdSnapshot,
                source: EventSources.service("intake"), idParts: ["household", snapshot.householdId, String(snapshot.version)],
                sequence: snapshot.version, time: snapshot.recordedAt, encoded: snapshotBytes, personal: true
            ).caused(by: trace),
            in: db)
    }

    /// A CCCD listed in another household is flagged for an officer, never merged.
    static func duplicateCCCDWarnings(_ input: SurveyInput, householdId: String, permits: (String) -> Bool, in db: Database) throws -> [FieldError] {
        var warnings: [FieldError] = []
        for (index, member) in input.members.enumerated() {
            guard let cccd = member.cccd else { continue }
            let others = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT m.household_id, h.commune_code FROM member_cccd m JOIN household h ON h.household_id = m.household_id
                        WHERE m.cccd = ? AND m.household_id != ? ORDER BY m.household_id
                        """), arguments: [cccd, householdId])
            guard !others.isEmpty else { continue }
            let named: [String] = others.filter { permits($0[1] as String) }.map { $0[0] as String }
            let hidden = others.count - named.count
            var listed: [String] = named.isEmpty ? [] : ["household " + named.joined(separator: ", ")]
            if hidden > 0 { listed.append("\(hidden) household\(hidden == 1 ? "" : "s") outside your areas (ask the province)") }
            warnings.append(FieldError("members[\(index)].cccd", "also listed in \(listed.joined(separator: " and ")); an officer should check"))
        }
        return warnings
    }

    /// The household's latest survey and snapshot, with its version history.
    public static func household(_ id: String, in db: Database) throws -> HouseholdRecord? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql:
                """
                    SELECT v.survey, v.snapshot, h.updated_at FROM household h
                    JOIN household_version v ON v.household_id = h.household_id AND v.version = h.version
                    WHERE h.household_id = ?
                    """),
                arguments: [id.lowercased()])
        else { return nil }
        let history = try versions(id, in: db)
        return HouseholdRecord(
            survey: try EventJSON.decode(SurveyInput.self, from: row["survey"] as Data),
            snapshot: try EventJSON.decode(HouseholdSnapshot.self, from: row["snapshot"] as Data),
            updatedAt: row["updated_at"], history: history)
    }

    /// Every version of a household, oldest first: its status, round and decision, and when it was recorded.
    public static func versions(_ id: String, in db: Database) throws -> [HouseholdRecord.VersionEntry] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT snapshot FROM household_version WHERE household_id = ? ORDER BY version"), arguments: [id.lowercased()]
        ).map { row in
            let snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: row["snapshot"] as Data)
            return HouseholdRecord.VersionEntry(
                version: snapshot.version, recordedAt: snapshot.recordedAt, status: snapshot.status, roundId: snapshot.roundId,
                recognition: snapshot.recognition)
        }
    }

    public static func count(in db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM household")) ?? 0
    }
}

/// A household as officers see it: what was entered, what was published, and when each version was recorded.
/// A survey for a household held in a commune the caller may not change (it would move the household out of it).
public struct OutsideScope: Error, Sendable {
    public var communeCode: String

    public var fieldError: FieldError {
        FieldError("area.communeCode", "the household is held in commune \(communeCode), outside the areas your token gives; its commune or province records the move")
    }
}

public struct HouseholdRecord: Codable, Sendable {
    /// One version as `GET /v1/households/{id}/versions` lists it (no personal data).
    public struct VersionEntry: Codable, Sendable, Hashable {
        public var version: Int64
        public var recordedAt: String
        public var status: RecognitionStatus
        public var roundId: String
        /// The decision that recognised this version, when it is `recognised`.
        public var recognition: RecognitionDecision?
    }
    public var survey: SurveyInput
    public var snapshot: HouseholdSnapshot
    public var updatedAt: String
    public var history: [VersionEntry]
}
