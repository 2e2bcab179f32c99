import EventContracts
import EventStore
import Foundation
import GRDB

/// Eligibility's tables: the latest facts per household (to reclassify when a standard changes), the latest
/// classification, and the household's official (recognised) class for transitions.
public enum EligibilityStore {
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("eligibility-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE household_facts (household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, snapshot BLOB NOT NULL);
                    CREATE TABLE classification (
                      household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, household_class TEXT NOT NULL,
                      standard_id TEXT NOT NULL, commune_code TEXT NOT NULL, payload BLOB NOT NULL);
                    CREATE TABLE official_class (
                      household_id TEXT PRIMARY KEY, household_class TEXT NOT NULL, household_version INTEGER NOT NULL,
                      ever_escaped_poverty INTEGER NOT NULL, escaped_on TEXT) WITHOUT ROWID;
                    """)
        }
    }

    public static func classification(_ householdId: String, in db: Database) throws -> Classification? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM classification WHERE household_id = ?"), arguments: [householdId.lowercased()])
            .map { try EventJSON.decode(Classification.self, from: $0) }
    }
}

/// Classifies every household snapshot under the standard in force on its survey date.
public struct ClassificationHandler: EventHandler {
    let catalogue: StandardsCatalogue

    public init(catalogue: StandardsCatalogue) { self.catalogue = catalogue }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.householdSnapshot else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.householdSnapshot), got '\(event.attributes.type)'"))
        }
        let snapshot = try event.decode(HouseholdSnapshot.self)
        let stored = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT version FROM household_facts WHERE household_id = ?"), arguments: [snapshot.householdId])
        if let stored, stored >= snapshot.version { return [] }  // an older or repeated version: already applied
        try db.run(
            """
                INSERT INTO household_facts (household_id, version, snapshot) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot
                """, [snapshot.householdId, snapshot.version, Data(event.data ?? [])])
        guard let standard = catalogue.national(on: snapshot.surveyDate) else {
            throw PoisonRecord(FieldError("surveyDate", "no national poverty standard is in force on \(snapshot.surveyDate)"))
        }
        let (classification, bytes) = try classify(snapshot, under: standard, in: db)
        return [
            try OutboundEvent.json(
                topic: Topics.classification, key: snapshot.householdId, type: EventTypes.classification,
                source: EventSources.service("eligibility"),
                idParts: ["classification", snapshot.householdId, String(classification.version)],
                sequence: classification.version, time: snapshot.recordedAt, encoded: bytes,
                causationId: event.attributes.id)
        ]
    }

    /// Classifies, records the result and, for a recognised review, the new official class.
    /// - Returns: the classification and its JSON, stored and published as the same bytes.
    func classify(_ snapshot: HouseholdSnapshot, under standard: PovertyStandard, in db: Database) throws -> (Classification, [UInt8]) {
        let outcome = Classifier.classify(snapshot, under: standard)
        let official = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT household_class, ever_escaped_poverty, escaped_on FROM official_class WHERE household_id = ?"),
            arguments: [snapshot.householdId])
        let previous = official.flatMap { HouseholdClass(rawValue: $0["household_class"]) }
        let everEscaped = official.map { ($0["ever_escaped_poverty"] as Int) != 0 } ?? false
        let transition = Transitions.transition(previousOfficial: previous, everEscapedPoverty: everEscaped, current: outcome.householdClass)
        var escapedOn: String? = official?["escaped_on"]
        if transition == .escapedPoverty { escapedOn = snapshot.surveyDate }
        if snapshot.status == .recognised {
            try db.run(
                """
                    INSERT INTO official_class (household_id, household_class, household_version, ever_escaped_poverty, escaped_on)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (household_id) DO UPDATE SET household_class = excluded.household_class,
                      household_version = excluded.household_version, ever_escaped_poverty = excluded.ever_escaped_poverty,
                      escaped_on = excluded.escaped_on
                    """, [
                    snapshot.householdId, outcome.householdClass.rawValue, snapshot.version,
                    everEscaped || transition == .escapedPoverty, escapedOn,
                ])
        }
        let classification = ClassificationBuilder.build(
            snapshot, under: standard, catalogue: catalogue, outcome: outcome, transition: transition, previous: previous,
            escapedOn: escapedOn)
        let bytes = try EventJSON.encode(classification)
        try db.run(
            """
                INSERT INTO classification (household_id, version, household_class, standard_id, commune_code, payload)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, household_class = excluded.household_class,
                  standard_id = excluded.standard_id, commune_code = excluded.commune_code, payload = excluded.payload
                """, [
                snapshot.householdId, classification.version, classification.householdClass.rawValue, standard.id,
                snapshot.area.communeCode, Data(bytes),
            ])
        return (classification, bytes)
    }
}
