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

    /// The lists a batch changed, and the digest of each list last published.
    static func migrateTopic(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE list_changed (
                  commune_code TEXT NOT NULL, round_id TEXT NOT NULL, time TEXT NOT NULL, PRIMARY KEY (commune_code, round_id)) WITHOUT ROWID;
                CREATE TABLE list_published (
                  commune_code TEXT NOT NULL, round_id TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (commune_code, round_id)) WITHOUT ROWID;
                """)
    }

    /// Files the household under today's commune and its round; returns where it was filed before, if elsewhere.
    @discardableResult
    static func index(_ household: ClassifiedHousehold, in db: Database) throws -> ListKey? {
        let before = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT commune_code, round_id FROM list_household WHERE household_id = ?"), arguments: [household.householdId]
        ).map { ListKey(commune: $0[0], round: $0[1]) }
        try db.run(
            """
                INSERT INTO list_household (household_id, commune_code, round_id) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET commune_code = excluded.commune_code, round_id = excluded.round_id
                """, [household.householdId, household.reportingPlace.communeAreaCode, household.roundId])
        return before == ListKey(household) ? nil : before
    }

    /// Notes that the list of `key` changed in this batch, at `time` (the latest household version's `recordedAt`).
    static func markChanged(_ key: ListKey, time: String, in db: Database) throws {
        try db.run(
            """
                INSERT INTO list_changed (commune_code, round_id, time) VALUES (?, ?, ?)
                ON CONFLICT (commune_code, round_id) DO UPDATE SET time = max(time, excluded.time)
                """, [key.commune, key.round, time])
    }

    /// The lists changed in this batch, each once; forgotten as they are returned.
    static func takeChanged(in db: Database) throws -> [(key: ListKey, time: String)] {
        let changed = try Row.fetchAll(db, sql: "SELECT commune_code, round_id, time FROM list_changed ORDER BY commune_code, round_id")
            .map { (key: ListKey(commune: $0[0], round: $0[1]), time: $0[2] as String) }
        try db.execute(sql: "DELETE FROM list_changed")
        return changed
    }

    /// Records `digest` as the list's published content; false when it was already.
    static func recordPublished(_ key: ListKey, digest: String, in db: Database) throws -> Bool {
        let held = try String.fetchOne(
            db, sql: "SELECT digest FROM list_published WHERE commune_code = ? AND round_id = ?", arguments: [key.commune, key.round])
        guard held != digest else { return false }
        try db.run(
            """
                INSERT INTO list_published (commune_code, round_id, digest) VALUES (?, ?, ?)
                ON CONFLICT (commune_code, round_id) DO UPDATE SET digest = excluded.digest
                """, [key.commune, key.round, digest])
        return true
    }

    static func wasPublished(_ key: ListKey, in db: Database) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT 1 FROM list_published WHERE commune_code = ? AND round_id = ?", arguments: [key.commune, key.round]) ?? false
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

/// A commune's list: today's commune code and the review round.
struct ListKey: Hashable {
    var commune: String
    var round: String

    init(commune: String, round: String) {
        self.commune = commune
        self.round = round
    }

    init(_ household: ClassifiedHousehold) {
        self.init(commune: household.reportingPlace.communeAreaCode, round: household.roundId)
    }

    /// The topic's key.
    var text: String { "\(commune)/\(round)" }
}
