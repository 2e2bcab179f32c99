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

    /// Second schema step: a completed classification keeps no payload, so the column takes NULL.
    public func migrateCompletedWithoutPayload(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(table)_classification_v2 (
                  household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, classification BLOB, completed_version INTEGER);
                INSERT INTO \(table)_classification_v2 (household_id, version, classification, completed_version)
                  SELECT household_id, version, CASE WHEN completed_version >= version THEN NULL ELSE classification END,
                    completed_version
                  FROM \(table)_classification;
                DROP TABLE \(table)_classification;
                ALTER TABLE \(table)_classification_v2 RENAME TO \(table)_classification;
                """)
    }

    /// Applies a household or classification event; returns what `complete` produced when the pair became ready.
    ///
    /// A classification is kept only while it waits for its household: once completed, its row keeps the version
    /// and `completed_version` and drops the 3 KB payload, so the usual order (household first) writes the
    /// classification's row once, small.
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
            guard
                let pending = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT c.classification, c.version, h.snapshot, h.version AS household_version
                            FROM \(table)_classification c JOIN \(table)_household h ON h.household_id = c.household_id
                            WHERE c.household_id = ? AND c.classification IS NOT NULL
                            """),
                    arguments: [householdId]),
                Self.isReady(household: pending["household_version"], classification: pending["version"])
            else { return [] }
            return try completePair(
                householdId, version: pending["version"], classification: pending["classification"] as Data,
                snapshot: pending["snapshot"] as Data, in: db, complete: complete)
        case EventTypes.classification:
            let held = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT version FROM \(table)_classification WHERE household_id = ?"), arguments: [householdId])
            if let held, held >= identity.version { return [] }  // a version already held (pending or completed)
            let data = Data(event.data ?? [])
            if let household = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT version, snapshot FROM \(table)_household WHERE household_id = ?"), arguments: [householdId]),
                Self.isReady(household: household["version"], classification: identity.version)
            {
                return try completePair(
                    householdId, version: identity.version, classification: data, snapshot: household["snapshot"] as Data, in: db,
                    complete: complete)
            }
            try db.run(
                """
                    INSERT INTO \(table)_classification (household_id, version, classification, completed_version) VALUES (?, ?, ?, NULL)
                    ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, classification = excluded.classification
                    """, [householdId, identity.version, data])
            return []
        default:
            throw PoisonRecord(FieldError("ce_type", "unexpected event type '\(event.attributes.type)'"))
        }
    }

    /// Whether the held household version is at least the one the classification version was computed from.
    private static func isReady(household: Int64, classification: Int64) -> Bool {
        household >= Classification.householdVersion(ofClassificationVersion: classification)
    }

    /// Decodes both halves, calls `complete`, and marks the classification version completed without its payload.
    private func completePair(
        _ householdId: String, version: Int64, classification classificationData: Data, snapshot snapshotData: Data, in db: Database,
        complete: (HouseholdSnapshot, Classification) throws -> [OutboundEvent]
    ) throws -> [OutboundEvent] {
        let classification: Classification
        let snapshot: HouseholdSnapshot
        do {
            classification = try EventJSON.decode(Classification.self, from: classificationData)
            snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: snapshotData)
        } catch {
            throw PoisonRecord(EventJSON.fieldError(error))
        }
        let events = try complete(snapshot, classification)
        try db.run(
            """
                INSERT INTO \(table)_classification (household_id, version, classification, completed_version) VALUES (?, ?, NULL, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, classification = NULL,
                  completed_version = excluded.completed_version
                """, [householdId, version, version])
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
