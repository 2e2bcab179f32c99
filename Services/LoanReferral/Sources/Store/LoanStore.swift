import EventContracts
import EventStore
import Foundation
import GRDB

/// loan-referral's loans (one per referral, with its history) and every bank event it has answered, so a replayed or
/// re-sent event is recognised by its `ce_source` and `ce_id` for as long as the store lives, not just an inbox window.
enum LoanStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE loan (
                  referral_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, stage TEXT NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID;
                CREATE INDEX loan_household ON loan(household_id);
                CREATE TABLE bank_event (
                  source TEXT NOT NULL, id TEXT NOT NULL, referral_id TEXT, status TEXT NOT NULL, outcome BLOB NOT NULL,
                  received_at TEXT NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
                """)
    }

    static func loan(_ referralId: String, in db: Database) throws -> Loan? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM loan WHERE referral_id = ?"), arguments: [referralId])
            .map { try EventJSON.decode(Loan.self, from: $0) }
    }

    static func loans(ofHousehold householdId: String, in db: Database) throws -> [Loan] {
        try Data.fetchAll(
            db.cachedStatement(sql: "SELECT payload FROM loan WHERE household_id = ? ORDER BY referral_id"), arguments: [householdId]
        ).map { try EventJSON.decode(Loan.self, from: $0) }
    }

    static func save(_ loan: Loan, in db: Database) throws {
        try db.run(
            """
                INSERT INTO loan (referral_id, household_id, stage, payload) VALUES (?, ?, ?, ?)
                ON CONFLICT (referral_id) DO UPDATE SET stage = excluded.stage, payload = excluded.payload
                """, [loan.referralId, loan.householdId, loan.stage.rawValue, Data(try EventJSON.encode(loan))])
    }

    /// The answer already given to the bank event (`source`, `id`), if it was received before.
    static func outcome(source: String, id: String, in db: Database) throws -> LoanEventOutcome? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT outcome FROM bank_event WHERE source = ? AND id = ?"), arguments: [source, id])
            .map { try EventJSON.decode(LoanEventOutcome.self, from: $0) }
    }

    static func record(_ outcome: LoanEventOutcome, in db: Database) throws {
        try db.run(
            """
                INSERT INTO bank_event (source, id, referral_id, status, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, id) DO NOTHING
                """, [outcome.eventSource, outcome.eventId, outcome.referralId, outcome.status.rawValue, Data(try EventJSON.encode(outcome)),
                      Timestamp.now()])
    }
}
