import EventContracts
import Foundation
import GRDB

/// A household's latest derived result (referrals, candidates) with a fingerprint of what receivers see, so a
/// service publishes only when that changes.
public struct LatestPerHousehold: Sendable {
    public let table: String

    public init(table: String) { self.table = table }

    public func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(table) (
                  household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, fingerprint TEXT NOT NULL, payload BLOB NOT NULL)
                """)
    }

    /// Stores `payload` as the household's latest and says whether to publish it: yes when `visible` (the payload
    /// without what changes on every version) differs from last time; no for a first result that is empty.
    public func replace(
        householdId: String, version: Int64, payload: [UInt8], visible: [UInt8], isEmpty: Bool, in db: Database
    ) throws -> Bool {
        let previous = try String.fetchOne(db.cachedStatement(sql: "SELECT fingerprint FROM \(table) WHERE household_id = ?"), arguments: [householdId])
        let fingerprint = DeterministicID.make(String(decoding: visible, as: UTF8.self))
        try db.run(
            """
                INSERT INTO \(table) (household_id, version, fingerprint, payload) VALUES (?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, fingerprint = excluded.fingerprint,
                  payload = excluded.payload
                """, [householdId, version, fingerprint, Data(payload)])
        if let previous { return previous != fingerprint }
        return !isEmpty
    }

    /// The household's latest payload, if any.
    public func payload(householdId: String, in db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM \(table) WHERE household_id = ?"), arguments: [householdId.lowercased()])
    }
}
