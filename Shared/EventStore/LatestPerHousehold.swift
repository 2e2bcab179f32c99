import EventContracts
import Foundation
import GRDB

/// A household's latest derived result (referrals, candidates), the version it follows from, and a fingerprint of
/// what receivers see, so a service publishes only when that changes.
public struct LatestPerHousehold: Sendable {
    public let table: String

    public init(table: String) { self.table = table }

    public func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(table) (
                  household_id TEXT PRIMARY KEY, household_version INTEGER NOT NULL, rules_revision INTEGER NOT NULL,
                  fingerprint TEXT NOT NULL, payload BLOB NOT NULL)
                """)
    }

    /// Whether `order` is newer than the version the held result follows from (true when none is held).
    public func isNewer(_ householdId: String, _ order: VersionOrder, in db: Database) throws -> Bool {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT household_version, rules_revision FROM \(table) WHERE household_id = ?"),
                arguments: [householdId])
        else { return true }
        return VersionOrder(householdVersion: row[0], rulesRevision: row[1]) < order
    }

    /// Stores `payload` as the household's latest and says whether to publish it: yes when `visible` (the payload
    /// without what changes on every version) differs from last time; no for a first result that is empty.
    public func replace(
        householdId: String, order: VersionOrder, payload: [UInt8], visible: [UInt8], isEmpty: Bool, in db: Database
    ) throws -> Bool {
        let previous = try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM \(table) WHERE household_id = ?"), arguments: [householdId])
        let fingerprint = DeterministicID.make(String(decoding: visible, as: UTF8.self))
        try db.run(
            """
                INSERT INTO \(table) (household_id, household_version, rules_revision, fingerprint, payload) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, fingerprint = excluded.fingerprint, payload = excluded.payload
                """, [householdId, order.householdVersion, order.rulesRevision, fingerprint, Data(payload)])
        if let previous { return previous != fingerprint }
        return !isEmpty
    }

    /// The household's latest payload, if any.
    public func payload(householdId: String, in db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM \(table) WHERE household_id = ?"), arguments: [householdId.lowercased()])
    }
}
