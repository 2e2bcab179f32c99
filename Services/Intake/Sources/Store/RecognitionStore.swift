import EventContracts
import EventStore
import Foundation
import GRDB

/// A round of a commune already recognised by another decision: a second decision is refused, not merged.
public struct RecognitionConflict: Error, Sendable {
    /// The decision on record.
    public var recorded: RecognitionOutcome
}

/// The households a round holds in a commune, and the chairman's decision on it if made.
public struct CommuneRoundSummary: Codable, Sendable, Hashable {
    public var round: ReviewRound
    public var communeCode: String
    /// Households whose latest version is in the round and still `proposed` (corrected after a decision included).
    public var proposed: Int
    /// Households whose latest version in the round is `recognised`.
    public var recognised: Int
    /// The decision recorded for the round and commune, if any.
    public var recognition: RecognitionOutcome?
}

/// The commune's recognition of a review round: a new `recognised` version of every household still proposed in it.
public enum RecognitionStore {
    static func migrations(_ migrator: inout DatabaseMigrator) {
        // Recognition selects the households of a round and commune by their latest version's round and status:
        // kept on the household row (filled from the stored snapshots for rows written before), one decision per
        // round and commune.
        migrator.registerMigration("intake-v3-review-rounds") { db in
            try db.execute(
                sql: """
                    ALTER TABLE household ADD COLUMN round_id TEXT;
                    ALTER TABLE household ADD COLUMN status TEXT;
                    UPDATE household SET (round_id, status) = (
                      SELECT json_extract(CAST(v.snapshot AS TEXT), '$.roundId'), json_extract(CAST(v.snapshot AS TEXT), '$.status')
                      FROM household_version v WHERE v.household_id = household.household_id AND v.version = household.version);
                    CREATE INDEX household_round_commune ON household(round_id, commune_code);
                    CREATE TABLE recognition (
                      round_id TEXT NOT NULL, commune_code TEXT NOT NULL, outcome BLOB NOT NULL, recorded_at TEXT NOT NULL,
                      PRIMARY KEY (round_id, commune_code)) WITHOUT ROWID;
                    """)
        }
    }

    /// Records the decision and writes, in the caller's transaction, a `recognised` version (and its snapshot event)
    /// of every household whose latest version is in the round and commune and still `proposed`, except the excluded.
    /// - Returns: the outcome, and whether it was created now (false: the same decision was recorded before).
    /// - Throws: ``RecognitionConflict`` for another decision on a recognised round and commune; ``ValidationFailure``
    ///   when an excluded household is not in the round and commune, or no household there is proposed.
    /// - Parameter writes: when intake runs as several instances, the households this instance writes: only those are
    ///   recognised here (one part of the decision; the coordinating instance has checked that some are proposed).
    public static func recognise(
        _ request: ValidRecognition, trace: TraceContext? = nil, writes: ((String) -> Bool)? = nil, in db: Database
    ) throws -> (outcome: RecognitionOutcome, created: Bool) {
        let roundId = request.round.roundId
        if let recorded = try decision(roundId: roundId, communeCode: request.communeCode, in: db) {
            guard recorded.isSameDecision(as: request) else { throw RecognitionConflict(recorded: recorded) }
            return (recorded, false)
        }
        let proposed = try check(request, in: db, requireProposed: writes == nil)
        let now = Timestamp.now()
        var recognised: [RecognitionOutcome.RecognisedHousehold] = []
        for id in proposed where !request.excludedHouseholdIds.contains(id) && writes?(id) != false {
            let row = try Row.fetchOne(
                db.cachedStatement(sql: """
                    SELECT v.survey, v.snapshot FROM household h
                    JOIN household_version v ON v.household_id = h.household_id AND v.version = h.version WHERE h.household_id = ?
                    """),
                arguments: [id])!
            var snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: row["snapshot"] as Data)
            snapshot.version += 1
            snapshot.recognise(by: request.decision)
            snapshot.recordedAt = now
            try IntakeStore.storeVersion(snapshot, survey: row["survey"], trace: trace, in: db)
            try db.run(
                "UPDATE household SET version = ?, status = ?, updated_at = ? WHERE household_id = ?",
                [snapshot.version, snapshot.status.rawValue, now, id])
            try IntakeStore.queueState(of: id, request: nil, trace: trace, in: db)
            recognised.append(.init(householdId: id, version: snapshot.version))
        }
        let outcome = RecognitionOutcome(
            roundId: roundId, communeCode: request.communeCode, decision: request.decision,
            excludedHouseholdIds: request.excludedHouseholdIds, recognised: recognised, recordedAt: now)
        try db.run(
            "INSERT INTO recognition (round_id, commune_code, outcome, recorded_at) VALUES (?, ?, ?, ?)",
            [roundId, request.communeCode, Data(try EventJSON.encode(outcome)), now])
        return (outcome, true)
    }

    /// What a decision needs of the store, checked by whichever instance takes the request: a conflicting decision is
    /// refused, every excluded household is in the round and commune, and (unless `requireProposed` is false) some
    /// household is proposed there. Returns the proposed households.
    static func check(_ request: ValidRecognition, in db: Database, requireProposed: Bool = true) throws -> [String] {
        let roundId = request.round.roundId
        if let recorded = try decision(roundId: roundId, communeCode: request.communeCode, in: db), !recorded.isSameDecision(as: request) {
            throw RecognitionConflict(recorded: recorded)
        }
        let statuses = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(
                db.cachedStatement(sql: "SELECT household_id, status FROM household WHERE round_id = ? AND commune_code = ? ORDER BY household_id"),
                arguments: [roundId, request.communeCode]
            ).map { ($0["household_id"] as String, $0["status"] as String?) })
        var errors = request.excludedHouseholdIds.enumerated().compactMap { index, id in
            statuses[id] == nil ? FieldError("excludedHouseholdIds[\(index)]", "household \(id) is not in round \(roundId) of commune \(request.communeCode)") : nil
        }
        let proposed = statuses.filter { $0.value == RecognitionStatus.proposed.rawValue }.keys.sorted()
        let recorded = try decision(roundId: roundId, communeCode: request.communeCode, in: db) != nil
        if proposed.isEmpty && requireProposed && !recorded {
            errors.append(FieldError("communeCode", "no household of commune \(request.communeCode) is proposed in round \(roundId)"))
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return proposed
    }

    /// Keeps the whole decision, put together by the instance that took it from the parts each instance recognised,
    /// in place of this instance's part: only for the decision on record here, listing versions recognised by it.
    static func adopt(_ outcome: RecognitionOutcome, in db: Database) throws {
        guard let recorded = try decision(roundId: outcome.roundId, communeCode: outcome.communeCode, in: db),
            recorded.decision == outcome.decision, Set(recorded.excludedHouseholdIds) == Set(outcome.excludedHouseholdIds)
        else { throw ValidationFailure([FieldError("decisionNumber", "is not the decision on record for this round and commune")]) }
        for (index, household) in outcome.recognised.enumerated() {
            let snapshot = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT snapshot FROM household_version WHERE household_id = ? AND version = ?"),
                arguments: [household.householdId, household.version]
            ).map { try EventJSON.decode(HouseholdSnapshot.self, from: $0) }
            guard let snapshot, snapshot.status == .recognised, snapshot.recognition == outcome.decision else {
                throw ValidationFailure([FieldError("recognised[\(index)]", "version \(household.version) of household \(household.householdId) is not recognised by this decision here")])
            }
        }
        try db.run(
            "UPDATE recognition SET outcome = ? WHERE round_id = ? AND commune_code = ?",
            [Data(try EventJSON.encode(outcome)), outcome.roundId, outcome.communeCode])
    }

    /// The decision recorded for a round and commune, if any.
    public static func decision(roundId: String, communeCode: String, in db: Database) throws -> RecognitionOutcome? {
        try Data.fetchOne(
            db.cachedStatement(sql: "SELECT outcome FROM recognition WHERE round_id = ? AND commune_code = ?"), arguments: [roundId, communeCode]
        ).map { try EventJSON.decode(RecognitionOutcome.self, from: $0) }
    }

    /// How many households of the round and commune are proposed and recognised, and the decision.
    public static func summary(_ round: ReviewRound, communeCode: String, in db: Database) throws -> CommuneRoundSummary {
        let counts = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(
                db.cachedStatement(sql: "SELECT status, COUNT(*) AS n FROM household WHERE round_id = ? AND commune_code = ? GROUP BY status"),
                arguments: [round.roundId, communeCode]
            ).map { ($0["status"] as String? ?? "", $0["n"] as Int) })
        return CommuneRoundSummary(
            round: round, communeCode: communeCode, proposed: counts[RecognitionStatus.proposed.rawValue] ?? 0,
            recognised: counts[RecognitionStatus.recognised.rawValue] ?? 0,
            recognition: try decision(roundId: round.roundId, communeCode: communeCode, in: db))
    }
}
