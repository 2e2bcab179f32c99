import EventContracts
import EventStore
import GRDB

/// When each household's first open referral window ends (``LoanReferral/validUntil``), by partition, so that a
/// calendar day finds the households it withdraws without reading every referral set.
enum ReferralWindows {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE referral_window (household_id TEXT PRIMARY KEY, partition INTEGER NOT NULL, ends_on TEXT NOT NULL) WITHOUT ROWID;
                CREATE INDEX referral_window_partition_end ON referral_window(partition, ends_on);
                """)
    }

    /// Files the earliest end among the household's open referrals, or forgets the household when none has one.
    static func schedule(_ householdId: String, partition: Int32, referrals: [LoanReferral], in db: Database) throws {
        guard let end = referrals.filter({ $0.status != .withdrawn }).compactMap(\.validUntil).min() else {
            try db.run("DELETE FROM referral_window WHERE household_id = ?", [householdId])
            return
        }
        try db.run(
            """
                INSERT INTO referral_window (household_id, partition, ends_on) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET partition = excluded.partition, ends_on = excluded.ends_on
                """, [householdId, partition, end])
    }

    /// The households of `partition` with a window that ended before `day`.
    static func ended(before day: String, partition: Int32, in db: Database) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT household_id FROM referral_window WHERE partition = ? AND ends_on < ? ORDER BY household_id",
            arguments: [partition, day])
    }
}
