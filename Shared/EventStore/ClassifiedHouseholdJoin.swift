import EventContracts
import Foundation
import GRDB

/// Joins the household and classification topics (co-partitioned by household id) for services that need
/// both: it keeps the latest of each, version-guarded, and calls back once per classification version as
/// soon as a household snapshot at least as new as the classified one is present, whichever arrived first.
public struct ClassifiedHouseholdJoin: Sendable {
    /// Table-name prefix, so a service could hold more than one join.
    let table: String

    public init(table: String = "joined") {
        self.table = table
    }

    public func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(table)_household (household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, snapshot BLOB NOT NULL);
                CREATE TABLE \(table)_classification (
                  household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, classification BLOB NOT NULL,
                  completed_version INTEGER);
                """)
    }

    /// Applies a household or classification event; returns what `complete` produced when the pair became ready.
    public func handle(
        _ event: InboundEvent, in db: Database,
        complete: (HouseholdSnapshot, Classification) throws -> [OutboundEvent]
    ) throws -> [OutboundEvent] {
        // On arrival only the identity is read (which also rejects malformed JSON and a missing id or version);
        // each half is decoded once, when the pair completes.
        let identity = try event.decode(Identity.self)
        let householdId = identity.householdId
        switch event.attributes.type {
        case EventTypes.householdSnapshot:
            try keepNewer("household", "snapshot", householdId, identity.version, event.data, in: db)
        case EventTypes.classification:
            try keepNewer("classification", "classification", householdId, identity.version, event.data, in: db)
        default:
            throw PoisonRecord(FieldError("ce_type", "unexpected event type '\(event.attributes.type)'"))
        }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT h.snapshot, h.version AS household_version, c.classification, c.version, c.completed_version
                        FROM \(table)_classification c JOIN \(table)_household h ON h.household_id = c.household_id
                        WHERE c.household_id = ?
                        """),
                arguments: [householdId])
        else { return [] }
        let version: Int64 = row["version"]
        if let completed = row["completed_version"] as Int64?, completed >= version { return [] }
        guard row["household_version"] as Int64 >= Classification.householdVersion(ofClassificationVersion: version) else { return [] }
        let classification: Classification
        let snapshot: HouseholdSnapshot
        do {
            classification = try EventJSON.decode(Classification.self, from: row["classification"] as Data)
            snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: row["snapshot"] as Data)
        } catch {
            throw PoisonRecord(EventJSON.fieldError(error))
        }
        let events = try complete(snapshot, classification)
        try db.run(
            "UPDATE \(table)_classification SET completed_version = ? WHERE household_id = ?", [version, householdId])
        return events
    }

    /// The two fields both halves share, read on arrival.
    private struct Identity: Decodable {
        var householdId: String
        var version: Int64
    }

    /// Stores one half of the pair unless a version at least as new is already held.
    private func keepNewer(_ half: String, _ column: String, _ householdId: String, _ version: Int64, _ data: [UInt8]?, in db: Database) throws {
        try db.run(
            """
                INSERT INTO \(table)_\(half) (household_id, version, \(column)) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, \(column) = excluded.\(column)
                WHERE excluded.version > \(table)_\(half).version
                """, [householdId, version, Data(data ?? [])])
    }
}
