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

    /// Lists made of shares: each household's partition beside its list; the shares a batch changed (household stage);
    /// the latest share of every partition of a list, kept where the list is made (list stage).
    static func migrateShares(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE list_household ADD COLUMN partition INTEGER NOT NULL DEFAULT -1;
                CREATE TABLE list_share_changed (
                  commune_code TEXT NOT NULL, round_id TEXT NOT NULL, partition INTEGER NOT NULL, version INTEGER NOT NULL,
                  time TEXT NOT NULL, PRIMARY KEY (commune_code, round_id, partition)) WITHOUT ROWID;
                CREATE TABLE list_share_published (
                  commune_code TEXT NOT NULL, round_id TEXT NOT NULL, partition INTEGER NOT NULL, digest TEXT NOT NULL,
                  PRIMARY KEY (commune_code, round_id, partition)) WITHOUT ROWID;
                CREATE TABLE list_share (
                  commune_code TEXT NOT NULL, round_id TEXT NOT NULL, partition INTEGER NOT NULL, version INTEGER NOT NULL,
                  payload BLOB NOT NULL, PRIMARY KEY (commune_code, round_id, partition));
                """)
    }

    /// Files the household under today's commune and its round; returns where it was filed before, if elsewhere.
    @discardableResult
    static func index(_ household: ClassifiedHousehold, partition: Int32, in db: Database) throws -> ListKey? {
        let before = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT commune_code, round_id FROM list_household WHERE household_id = ?"), arguments: [household.householdId]
        ).map { ListKey(commune: $0[0], round: $0[1]) }
        try db.run(
            """
                INSERT INTO list_household (household_id, commune_code, round_id, partition) VALUES (?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET commune_code = excluded.commune_code, round_id = excluded.round_id,
                  partition = excluded.partition
                """, [household.householdId, household.reportingPlace.communeAreaCode, household.roundId, partition])
        return before == ListKey(household) ? nil : before
    }

    // MARK: Household stage: each partition's share of a list

    /// Notes that partition `partition`'s share of list `key` changed with the record at `offset` (of time `time`).
    static func markShareChanged(_ key: ListKey, partition: Int32, offset: Int64, time: String, in db: Database) throws {
        try db.run(
            """
                INSERT INTO list_share_changed (commune_code, round_id, partition, version, time) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (commune_code, round_id, partition) DO UPDATE SET version = max(version, excluded.version),
                  time = CASE WHEN excluded.version >= version THEN excluded.time ELSE time END
                """, [key.commune, key.round, partition, offset + 1, time])
    }

    /// The shares changed in this batch, each once; forgotten as they are returned.
    static func takeSharesChanged(in db: Database) throws -> [(key: ListKey, partition: Int32, version: Int64, time: String)] {
        let changed = try Row.fetchAll(
            db, sql: "SELECT commune_code, round_id, partition, version, time FROM list_share_changed ORDER BY commune_code, round_id, partition"
        ).map { (key: ListKey(commune: $0[0], round: $0[1]), partition: $0[2] as Int32, version: $0[3] as Int64, time: $0[4] as String) }
        try db.execute(sql: "DELETE FROM list_share_changed")
        return changed
    }

    /// The referral sets of the households of `partition` filed under list `key`.
    static func sets(of key: ListKey, partition: Int32, latest: LatestPerHousehold, in db: Database) throws -> [LoanReferralSet] {
        try Data.fetchAll(
            db,
            sql: """
                SELECT s.payload FROM list_household h JOIN \(latest.table) s ON s.household_id = h.household_id
                WHERE h.commune_code = ? AND h.round_id = ? AND h.partition = ? ORDER BY h.household_id
                """, arguments: [key.commune, key.round, partition]
        ).map { try EventJSON.decode(LoanReferralSet.self, from: $0) }
    }

    /// Records `digest` as the share's published content; false when it was already, or when an empty share was never
    /// published (nothing to withdraw).
    static func recordSharePublished(_ key: ListKey, partition: Int32, digest: String, empty: Bool, in db: Database) throws -> Bool {
        let held = try String.fetchOne(
            db, sql: "SELECT digest FROM list_share_published WHERE commune_code = ? AND round_id = ? AND partition = ?",
            arguments: [key.commune, key.round, partition])
        guard held != digest, !(empty && held == nil) else { return false }
        try db.run(
            """
                INSERT INTO list_share_published (commune_code, round_id, partition, digest) VALUES (?, ?, ?, ?)
                ON CONFLICT (commune_code, round_id, partition) DO UPDATE SET digest = excluded.digest
                """, [key.commune, key.round, partition, digest])
        return true
    }

    // MARK: List stage: every partition's latest share, and the list made of them

    /// Keeps `share` unless a share of its partition at least as new is held; true when kept.
    static func keep(_ share: ReferralListPart, payload: Data, in db: Database) throws -> Bool {
        let held = try Int64.fetchOne(
            db, sql: "SELECT version FROM list_share WHERE commune_code = ? AND round_id = ? AND partition = ?",
            arguments: [share.communeCode, share.roundId, share.partition])
        if let held, held >= share.version { return false }
        try db.run(
            """
                INSERT INTO list_share (commune_code, round_id, partition, version, payload) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (commune_code, round_id, partition) DO UPDATE SET version = excluded.version, payload = excluded.payload
                """, [share.communeCode, share.roundId, share.partition, share.version, payload])
        return true
    }

    /// The referral sets of list `key`: every partition's latest share, by household id.
    static func sets(of key: ListKey, in db: Database) throws -> [LoanReferralSet] {
        try Data.fetchAll(
            db, sql: "SELECT payload FROM list_share WHERE commune_code = ? AND round_id = ?", arguments: [key.commune, key.round]
        ).flatMap { try EventJSON.decode(ReferralListPart.self, from: $0).sets }.sorted { $0.householdId < $1.householdId }
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
