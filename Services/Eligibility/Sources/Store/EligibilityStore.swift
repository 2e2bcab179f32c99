import EventContracts
import EventStore
import Foundation
import GRDB

/// Eligibility's tables: the latest facts per household (to reclassify when a standard changes), the latest
/// classification, and the household's official (recognised) class for transitions; plus the catalogue ledger,
/// reclassification jobs and shadow runs (their own files).
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
        // What reclassification needs without decoding every snapshot: which standards can apply to a household
        // (survey date, province), and the official history *before* the recognised version, so that classifying
        // that version again judges its transition against the right class. NULL / 0 in rows written before.
        migrator.registerMigration("eligibility-v2-reclassification-basis") { db in
            try db.execute(
                sql: """
                    ALTER TABLE household_facts ADD COLUMN survey_date TEXT;
                    ALTER TABLE household_facts ADD COLUMN province_code TEXT;
                    ALTER TABLE official_class ADD COLUMN prior_known INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE official_class ADD COLUMN prior_class TEXT;
                    ALTER TABLE official_class ADD COLUMN prior_ever_escaped INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE official_class ADD COLUMN prior_escaped_on TEXT;
                    """)
        }
        migrator.registerMigration("eligibility-v2-catalogue-ledger", migrate: CatalogueLedger.migrate)
        migrator.registerMigration("eligibility-v2-shadow-runs", migrate: ShadowRunStore.migrate)
        // A classification's versions as two columns instead of `householdVersion × 1,000,000 + rulesRevision`.
        migrator.registerMigration("eligibility-v3-explicit-versions") { db in
            try db.execute(
                sql: """
                    ALTER TABLE classification ADD COLUMN household_version INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE classification ADD COLUMN rules_revision INTEGER NOT NULL DEFAULT 0;
                    UPDATE classification SET household_version = version / 1000000, rules_revision = version % 1000000;
                    ALTER TABLE classification DROP COLUMN version;
                    """)
        }
        // List years: a household version's standards follow its round's list year (the reclassification job reads
        // these beside the survey date and province to know whom a catalogue change touches).
        migrator.registerMigration("eligibility-v4-list-years") { db in
            try db.execute(
                sql: """
                    ALTER TABLE household_facts ADD COLUMN list_year INTEGER;
                    ALTER TABLE household_facts ADD COLUMN standard_id TEXT;
                    UPDATE household_facts SET list_year = json_extract(CAST(snapshot AS TEXT), '$.listYear'),
                      standard_id = json_extract(CAST(snapshot AS TEXT), '$.standardId');
                    """)
        }
        // Nothing classified in silence: a version that cannot be classified is kept with its reason, instead of its
        // household's older classification, and published as such.
        migrator.registerMigration("eligibility-v5-unclassified") { db in
            try db.execute(
                sql: """
                    CREATE TABLE unclassified (
                      household_id TEXT PRIMARY KEY, household_version INTEGER NOT NULL, rules_revision INTEGER NOT NULL,
                      payload BLOB NOT NULL);
                    """)
        }
        // Calendar days announced on the classified-household topic (CalendarAnnouncer).
        migrator.registerMigration("eligibility-v6-calendar") { db in try CalendarAnnouncer.migrate(db) }
        // Official histories: every recognised version's class, carried in each classified-household event for the
        // review years. Households whose latest classification is their official one start theirs from it.
        migrator.registerMigration("eligibility-v7-official-history") { db in
            try db.execute(
                sql: """
                    CREATE TABLE official_history (
                      household_id TEXT NOT NULL, household_version INTEGER NOT NULL, state BLOB NOT NULL,
                      PRIMARY KEY (household_id, household_version)) WITHOUT ROWID;
                    """)
            try recordLatestOfficialStates(in: db)
        }
        // The deprivation form of a review year counts the end-of-year lists' deprivations: official states carry their
        // indicators. The latest official classifications are recorded again with them.
        migrator.registerMigration("eligibility-v8-official-deprivations") { db in
            try recordLatestOfficialStates(in: db)
        }
    }

    public static func classification(_ householdId: String, in db: Database) throws -> Classification? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM classification WHERE household_id = ?"), arguments: [householdId.lowercased()])
            .map { try EventJSON.decode(Classification.self, from: $0) }
    }

    /// The household's latest facts (the snapshot as published), if any.
    static func facts(_ householdId: String, in db: Database) throws -> HouseholdSnapshot? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT snapshot FROM household_facts WHERE household_id = ?"), arguments: [householdId.lowercased()])
            .map { try EventJSON.decode(HouseholdSnapshot.self, from: $0) }
    }

    /// The stored version of a household's facts, if any.
    static func factsVersion(_ householdId: String, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT version FROM household_facts WHERE household_id = ?"), arguments: [householdId])
    }

    /// Keeps `snapshot` (as its published bytes) as the household's latest facts.
    static func storeFacts(_ snapshot: HouseholdSnapshot, bytes: [UInt8], in db: Database) throws {
        try db.run(
            """
                INSERT INTO household_facts (household_id, version, snapshot, survey_date, province_code, list_year, standard_id)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, snapshot = excluded.snapshot,
                  survey_date = excluded.survey_date, province_code = excluded.province_code, list_year = excluded.list_year,
                  standard_id = excluded.standard_id
                """, [snapshot.householdId, snapshot.version, Data(bytes), snapshot.surveyDate, snapshot.area.provinceCode,
                      snapshot.listYear, snapshot.standardId])
    }

    /// The household's official class row, if it has one.
    static func official(_ householdId: String, in db: Database) throws -> OfficialRow? {
        try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT household_class, household_version, ever_escaped_poverty, escaped_on,
                      prior_known, prior_class, prior_ever_escaped, prior_escaped_on
                    FROM official_class WHERE household_id = ?
                    """),
            arguments: [householdId]
        ).map { row in
            OfficialRow(
                householdClass: HouseholdClass(rawValue: row["household_class"]), householdVersion: row["household_version"],
                everEscapedPoverty: row["ever_escaped_poverty"] as Int != 0, escapedOn: row["escaped_on"],
                priorKnown: row["prior_known"] as Int != 0,
                priorClass: (row["prior_class"] as String?).flatMap(HouseholdClass.init(rawValue:)),
                priorEverEscaped: row["prior_ever_escaped"] as Int != 0, priorEscapedOn: row["prior_escaped_on"])
        }
    }

    /// Records a classification as the household's latest and, for a recognised review, its class as official.
    /// The official row keeps the history before the version it holds (`prior_*`), so that classifying the same
    /// version again finds it.
    /// The household's latest version when it could not be classified, with the reason.
    public static func unclassified(_ householdId: String, in db: Database) throws -> UnclassifiedVersion? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT payload FROM unclassified WHERE household_id = ?"), arguments: [householdId.lowercased()])
            .map { try EventJSON.decode(UnclassifiedVersion.self, from: $0) }
    }

    /// Keeps a version that could not be classified in place of the household's older classification, which no
    /// longer describes its latest survey (a later catalogue that can classify it reclassifies it then).
    static func recordUnclassified(_ version: UnclassifiedVersion, in db: Database) throws {
        try db.run("DELETE FROM classification WHERE household_id = ?", [version.householdId])
        try db.run(
            """
                INSERT INTO unclassified (household_id, household_version, rules_revision, payload) VALUES (?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, payload = excluded.payload
                """, [version.householdId, version.householdVersion, version.rulesRevision, Data(try EventJSON.encode(version))])
    }

    static func record(_ classification: Classification, bytes: [UInt8], basis: TransitionBasis, in db: Database) throws {
        try db.run(
            """
                INSERT INTO classification (
                  household_id, household_version, rules_revision, household_class, standard_id, commune_code, payload)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, household_class = excluded.household_class,
                  standard_id = excluded.standard_id, commune_code = excluded.commune_code, payload = excluded.payload
                """, [
                classification.householdId, classification.householdVersion, classification.rulesRevision,
                classification.householdClass.rawValue, classification.standard.id,
                classification.area.communeCode, Data(bytes),
            ])
        try db.run("DELETE FROM unclassified WHERE household_id = ?", [classification.householdId])
        guard classification.status == .recognised else { return }
        try recordOfficialState(classification, in: db)
        // In an UPDATE every expression reads the row as it was, so `household_version` in the CASEs is the old one.
        try db.run(
            """
                INSERT INTO official_class (household_id, household_class, household_version, ever_escaped_poverty, escaped_on,
                  prior_known, prior_class, prior_ever_escaped, prior_escaped_on)
                VALUES (?, ?, ?, ?, ?, 1, NULL, 0, NULL)
                ON CONFLICT (household_id) DO UPDATE SET
                  prior_known = CASE WHEN household_version < excluded.household_version THEN 1 ELSE prior_known END,
                  prior_class = CASE WHEN household_version < excluded.household_version THEN household_class ELSE prior_class END,
                  prior_ever_escaped = CASE WHEN household_version < excluded.household_version THEN ever_escaped_poverty
                    ELSE prior_ever_escaped END,
                  prior_escaped_on = CASE WHEN household_version < excluded.household_version THEN escaped_on ELSE prior_escaped_on END,
                  household_class = excluded.household_class, household_version = excluded.household_version,
                  ever_escaped_poverty = excluded.ever_escaped_poverty, escaped_on = excluded.escaped_on
                """, [
                classification.householdId, classification.householdClass.rawValue, classification.householdVersion,
                basis.everEscapedPoverty || classification.transition == .escapedPoverty, classification.escapedOn,
            ])
    }

    /// Keeps a recognised version's class in the household's official history (in place of an earlier classification of
    /// the same version).
    /// Records every household's latest official classification in its history (for migrations).
    static func recordLatestOfficialStates(in db: Database) throws {
        let rows = try Data.fetchAll(
            db,
            sql: """
                SELECT c.payload FROM classification c JOIN official_class o
                  ON o.household_id = c.household_id AND o.household_version = c.household_version
                """)
        for payload in rows { try recordOfficialState(EventJSON.decode(Classification.self, from: payload), in: db) }
    }

    static func recordOfficialState(_ c: Classification, in db: Database) throws {
        let state = StoredOfficialState(
            householdVersion: c.householdVersion, decisionDate: c.recognition?.decisionDate ?? c.surveyDate, householdClass: c.householdClass,
            area: c.area, surveyDate: c.surveyDate, members: c.memberCount, ethnicMinority: c.ethnicMinority, transition: c.transition,
            deprivedIndicators: c.indicators.filter(\.deprived).map(\.id))
        try db.run(
            """
                INSERT INTO official_history (household_id, household_version, state) VALUES (?, ?, ?)
                ON CONFLICT (household_id, household_version) DO UPDATE SET state = excluded.state
                """, [c.householdId, c.householdVersion, Data(try EventJSON.encode(state))])
    }

    /// The household's official states up to `version`, oldest first, placed in today's units.
    static func officialHistory(_ householdId: String, upTo version: Int64, placedBy place: CurrentPlace, in db: Database) throws -> [OfficialState] {
        try Data.fetchAll(
            db.cachedStatement(
                sql: "SELECT state FROM official_history WHERE household_id = ? AND household_version <= ? ORDER BY household_version"),
            arguments: [householdId, version]
        ).map { try EventJSON.decode(StoredOfficialState.self, from: $0).placed(by: place) }
    }

    /// The classified-household event of a snapshot and its classification: a pure function of the two, so a replay,
    /// a reclassification or a rebuilt store publishes the same bytes under the same `ce_id` and `ce_time` (the
    /// snapshot's `recordedAt`).
    /// - Parameter correlationId: the reclassification job, when one caused it.
    static func event(
        for classification: Classification, of snapshot: HouseholdSnapshot, placedBy place: CurrentPlace, history: [OfficialState],
        causationId: String? = nil, correlationId: String? = nil
    ) throws -> OutboundEvent {
        var household = ClassifiedHousehold(snapshot, classification)
        household.place = place.place(of: snapshot.area, surveyDate: snapshot.surveyDate)
        household.officialHistory = history
        return try event(household, causationId: causationId, correlationId: correlationId)
    }

    /// The classified-household event of a version that could not be classified: it says why, and withdraws the
    /// household's referrals and candidates downstream.
    static func event(
        unclassified version: UnclassifiedVersion, of snapshot: HouseholdSnapshot, placedBy place: CurrentPlace, history: [OfficialState],
        causationId: String? = nil
    ) throws -> OutboundEvent {
        var household = ClassifiedHousehold(snapshot, unclassified: version.unclassified, rulesRevision: version.rulesRevision)
        household.place = place.place(of: snapshot.area, surveyDate: snapshot.surveyDate)
        household.officialHistory = history
        return try event(household, causationId: causationId)
    }

    private static func event(_ household: ClassifiedHousehold, causationId: String?, correlationId: String? = nil) throws -> OutboundEvent {
        var event = try OutboundEvent.json(
            topic: Topics.classifiedHousehold, key: household.householdId, type: EventTypes.classifiedHousehold,
            source: EventSources.service("eligibility"),
            idParts: ["classified-household", household.householdId] + household.order.idParts,
            sequence: household.householdVersion, time: household.recordedAt, payload: household, causationId: causationId,
            personal: true)
        event.attributes.correlationid = correlationId
        return event
    }
}

/// A household's `official_class` row: its recognised class and the history before the version that set it.
struct OfficialRow: Sendable, Hashable {
    var householdClass: HouseholdClass?
    var householdVersion: Int64
    var everEscapedPoverty: Bool
    var escapedOn: String?
    /// Whether `prior*` were recorded (rows written before they were are 0).
    var priorKnown: Bool
    var priorClass: HouseholdClass?
    var priorEverEscaped: Bool
    var priorEscapedOn: String?

    /// The official history a household version's transition is judged against:
    /// - an official class from an earlier version: that class;
    /// - an official class from this very version (classifying it again): the class before it, as recorded when the
    ///   version was recognised; for rows from before that was recorded, as `published` (this version's stored
    ///   classification) tells it.
    func basis(forVersion version: Int64, published: Classification?) -> TransitionBasis {
        if householdVersion == version {
            if priorKnown {
                return TransitionBasis(previousOfficial: priorClass, everEscapedPoverty: priorEverEscaped, escapedOn: priorEscapedOn)
            }
            if let published { return TransitionBasis(publishedFor: published) }
        }
        return TransitionBasis(previousOfficial: householdClass, everEscapedPoverty: everEscapedPoverty, escapedOn: escapedOn)
    }
}

/// An official state as eligibility keeps it: with the surveyed area, placed in today's units when it is published.
struct StoredOfficialState: Codable, Sendable, Hashable {
    var householdVersion: Int64
    var decisionDate: String
    var householdClass: HouseholdClass
    var area: AreaRef
    var surveyDate: String
    var members: Int
    var ethnicMinority: Bool
    var transition: Transition
    var deprivedIndicators: [String]?

    func placed(by place: CurrentPlace) -> OfficialState {
        OfficialState(
            householdVersion: householdVersion, decisionDate: decisionDate, householdClass: householdClass,
            place: place.place(of: area, surveyDate: surveyDate), areaType: area.areaType, members: members, ethnicMinority: ethnicMinority,
            transition: transition, deprivedIndicators: deprivedIndicators)
    }
}
