import EventContracts
import EventStore
import Foundation
import GRDB

/// loan-referral's index of households by today's commune and review round, for the commune lists.
enum ReferralListStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE list_household (
                  household_id TEXT PRIMARY KEY, commune_code TEXT NOT NULL, round_id TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX list_household_commune_round ON list_household(commune_code, round_id);
                """)
    }

    /// Files the household under today's commune and its round.
    static func index(_ household: ClassifiedHousehold, in db: Database) throws {
        try db.run(
            """
                INSERT INTO list_household (household_id, commune_code, round_id) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET commune_code = excluded.commune_code, round_id = excluded.round_id
                """, [household.householdId, household.reportingPlace.communeAreaCode, household.roundId])
    }

    /// The referral sets of a commune's households in a round.
    static func sets(commune: String, round: String, latest: LatestPerHousehold, in db: Database) throws -> [LoanReferralSet] {
        try Data.fetchAll(
            db,
            sql: """
                SELECT s.payload FROM list_household h JOIN \(latest.table) s ON s.household_id = h.household_id
                WHERE h.commune_code = ? AND h.round_id = ? ORDER BY h.household_id
                """, arguments: [commune, round]
        ).map { try EventJSON.decode(LoanReferralSet.self, from: $0) }
    }
}
