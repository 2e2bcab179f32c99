import EventContracts
import EventStore
import Foundation
import GRDB

/// training-match's offers: each member's standing with each course or vacancy proposed to them (rows), the set last
/// published per household, every placement event answered, and a counter of input changes that tells matching when
/// to run again.
enum OfferStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE offer (
                  household_id TEXT NOT NULL, member_id TEXT NOT NULL, entry TEXT NOT NULL, entry_id TEXT NOT NULL, status TEXT NOT NULL,
                  support_group TEXT, payload BLOB NOT NULL,
                  PRIMARY KEY (household_id, member_id, entry, entry_id)) WITHOUT ROWID;
                CREATE INDEX offer_entry ON offer(entry, entry_id);
                CREATE TABLE offer_set (household_id TEXT PRIMARY KEY, version INTEGER NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE placement_outcome (source TEXT NOT NULL, id TEXT NOT NULL, outcome BLOB NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
                CREATE TABLE matching_input (id INTEGER PRIMARY KEY CHECK (id = 1), changes INTEGER NOT NULL, matched INTEGER NOT NULL);
                INSERT INTO matching_input (id, changes, matched) VALUES (1, 1, 0);
                """)
    }

    // MARK: input changes

    /// Records that matching's inputs changed (candidates, the catalogue, or a seat held or freed).
    static func inputsChanged(in db: Database) throws {
        try db.run("UPDATE matching_input SET changes = changes + 1 WHERE id = 1")
    }

    /// The change counter, and the value it had when matching last ran.
    static func changes(in db: Database) throws -> (changes: Int64, matched: Int64) {
        let row = try Row.fetchOne(db, sql: "SELECT changes, matched FROM matching_input WHERE id = 1")
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    static func matched(upTo changes: Int64, in db: Database) throws {
        try db.run("UPDATE matching_input SET matched = MAX(matched, ?) WHERE id = 1", [changes])
    }

    // MARK: offers

    struct Held: Sendable, Hashable {
        var householdId: String
        var offer: TrainingOffer
        var supportGroup: SupportGroup?
    }

    static func offers(ofHousehold householdId: String, in db: Database) throws -> [TrainingOffer] {
        try Data.fetchAll(
            db.cachedStatement(sql: "SELECT payload FROM offer WHERE household_id = ? ORDER BY member_id, entry, entry_id"), arguments: [householdId]
        ).map { try EventJSON.decode(TrainingOffer.self, from: $0) }
    }

    static func offer(_ householdId: String, _ memberId: String, _ entry: CatalogueOutcome.Entry, _ entryId: String, in db: Database) throws
        -> TrainingOffer?
    {
        try Data.fetchOne(
            db.cachedStatement(sql: "SELECT payload FROM offer WHERE household_id = ? AND member_id = ? AND entry = ? AND entry_id = ?"),
            arguments: [householdId, memberId, entry.rawValue, entryId]
        ).map { try EventJSON.decode(TrainingOffer.self, from: $0) }
    }

    /// Every offer, with its household and the member's group.
    static func all(in db: Database) throws -> [Held] {
        try Row.fetchAll(db, sql: "SELECT household_id, support_group, payload FROM offer").map {
            Held(householdId: $0[0], offer: try EventJSON.decode(TrainingOffer.self, from: $0[2] as Data), supportGroup: ($0[1] as String?).flatMap(SupportGroup.init))
        }
    }

    /// Places held on an entry by members other than `memberId` of `householdId`.
    static func held(_ entry: CatalogueOutcome.Entry, _ entryId: String, except householdId: String, _ memberId: String, in db: Database) throws -> Int {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT household_id, member_id, status FROM offer WHERE entry = ? AND entry_id = ?"),
            arguments: [entry.rawValue, entryId]
        ).filter { row in
            !((row[0] as String) == householdId && (row[1] as String) == memberId) && (PlacementStatus(rawValue: row[2]) ?? .proposed).holdsPlace
        }.count
    }

    static func save(_ householdId: String, _ offer: TrainingOffer, supportGroup: SupportGroup?, in db: Database) throws {
        try db.run(
            """
                INSERT INTO offer (household_id, member_id, entry, entry_id, status, support_group, payload) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id, member_id, entry, entry_id) DO UPDATE SET status = excluded.status,
                  support_group = excluded.support_group, payload = excluded.payload
                """,
            [householdId, offer.memberId, offer.entry.rawValue, offer.entryId, offer.status.rawValue, supportGroup?.rawValue, Data(try EventJSON.encode(offer))])
    }

    static func delete(_ householdId: String, _ offer: TrainingOffer, in db: Database) throws {
        try db.run(
            "DELETE FROM offer WHERE household_id = ? AND member_id = ? AND entry = ? AND entry_id = ?",
            [householdId, offer.memberId, offer.entry.rawValue, offer.entryId])
    }

    // MARK: publishing

    /// The household's offer set as it now stands, when it differs from the one last published: stored, and returned as
    /// the event to publish, one version above the last (and above any published before the store was rebuilt).
    static func publishIfChanged(_ householdId: String, place: HouseholdPlace, time: String, in db: Database) throws -> OutboundEvent? {
        let offers = try offers(ofHousehold: householdId, in: db)
        let last = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, payload FROM offer_set WHERE household_id = ?"), arguments: [householdId])
        let lastVersion: Int64 = last?[0] ?? 0
        if let last {
            let published = try EventJSON.decode(TrainingOfferSet.self, from: last[1] as Data)
            if published.offers == offers && published.communeCode == place.communeCode { return nil }
        } else if offers.isEmpty {
            return nil
        }
        var version = lastVersion + 1
        while try !PublishedVersions.claim(Topics.trainingOffer, key: householdId, version: version, in: db) { version += 1 }
        let set = TrainingOfferSet(
            householdId: householdId, version: version, communeCode: place.communeCode, provinceCode: place.provinceCode, offers: offers)
        let encoded = try EventJSON.encode(set)
        try db.run(
            """
                INSERT INTO offer_set (household_id, version, payload) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET version = excluded.version, payload = excluded.payload
                """, [householdId, version, Data(encoded)])
        return try OutboundEvent.json(
            topic: Topics.trainingOffer, key: householdId, type: EventTypes.trainingOffer, source: EventSources.service(TrainingMatchService.name),
            idParts: ["training-offer", householdId, String(version), DeterministicID.make(parts: [String(decoding: encoded, as: UTF8.self)])],
            sequence: version, time: time, encoded: encoded)
    }

    // MARK: placement outcomes

    static func outcome(source: String, id: String, in db: Database) throws -> PlacementOutcome? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT outcome FROM placement_outcome WHERE source = ? AND id = ?"), arguments: [source, id])
            .map { try EventJSON.decode(PlacementOutcome.self, from: $0) }
    }

    static func record(_ outcome: PlacementOutcome, in db: Database) throws {
        try db.run(
            "INSERT INTO placement_outcome (source, id, outcome) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING",
            [outcome.eventSource, outcome.eventId, Data(try EventJSON.encode(outcome))])
    }
}
