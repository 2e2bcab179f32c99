import EventContracts
import EventStore
import Foundation
import GRDB

/// training-match's copy of the centres' catalogue: each course and vacancy at its latest version (withdrawn ones
/// kept, marked), with the columns the listings filter on, and every catalogue record answered.
enum CatalogueStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE catalogue_entry (
                  kind TEXT NOT NULL, entry_id TEXT NOT NULL, version INTEGER NOT NULL, source TEXT NOT NULL, withdrawn INTEGER NOT NULL,
                  province_code TEXT, commune_code TEXT, country_code TEXT, vsco TEXT NOT NULL, open_until TEXT NOT NULL, payload BLOB NOT NULL,
                  PRIMARY KEY (kind, entry_id)) WITHOUT ROWID;
                CREATE INDEX catalogue_entry_place ON catalogue_entry(kind, province_code, commune_code);
                CREATE TABLE catalogue_outcome (source TEXT NOT NULL, id TEXT NOT NULL, outcome BLOB NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
                """)
    }

    struct Held {
        var version: Int
        var withdrawn: Bool
        var payload: Data
    }

    static func held(_ kind: CatalogueOutcome.Entry, _ id: String, in db: Database) throws -> Held? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT version, withdrawn, payload FROM catalogue_entry WHERE kind = ? AND entry_id = ?"),
            arguments: [kind.rawValue, id]
        ).map { Held(version: $0[0], withdrawn: ($0[1] as Int) != 0, payload: $0[2]) }
    }

    /// Keeps an entry at `version`: its place and occupation for the listings, and the last day it is open (a course
    /// until it starts, a vacancy until its deadline).
    static func save(
        _ kind: CatalogueOutcome.Entry, id: String, version: Int, source: String, place: CataloguePlace, vsco: String, openUntil: String,
        payload: [UInt8], in db: Database
    ) throws {
        try db.run(
            """
                INSERT INTO catalogue_entry (kind, entry_id, version, source, withdrawn, province_code, commune_code, country_code, vsco, open_until, payload)
                VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (kind, entry_id) DO UPDATE SET version = excluded.version, source = excluded.source, withdrawn = 0,
                  province_code = excluded.province_code, commune_code = excluded.commune_code, country_code = excluded.country_code,
                  vsco = excluded.vsco, open_until = excluded.open_until, payload = excluded.payload
                """,
            [kind.rawValue, id, version, source, place.provinceCode, place.communeCode, place.countryCode, vsco, openUntil, Data(payload)])
    }

    static func withdraw(_ kind: CatalogueOutcome.Entry, id: String, in db: Database) throws {
        try db.run("UPDATE catalogue_entry SET withdrawn = 1 WHERE kind = ? AND entry_id = ?", [kind.rawValue, id])
    }

    static func outcome(source: String, id: String, in db: Database) throws -> CatalogueOutcome? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT outcome FROM catalogue_outcome WHERE source = ? AND id = ?"), arguments: [source, id])
            .map { try EventJSON.decode(CatalogueOutcome.self, from: $0) }
    }

    static func record(_ outcome: CatalogueOutcome, in db: Database) throws {
        try db.run(
            "INSERT INTO catalogue_outcome (source, id, outcome) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING",
            [outcome.eventSource, outcome.eventId, Data(try EventJSON.encode(outcome))])
    }

    /// What a listing asks for: entries of `kind` in a province or commune, of an occupation (a VSCO code or any code
    /// under it), open on `day` or not.
    struct Filter {
        var province: String?
        var commune: String?
        var occupation: String?
        /// true: open on `day` and not withdrawn; false: the others; nil: all.
        var open: Bool?
        var day: String
    }

    static func entries(_ kind: CatalogueOutcome.Entry, _ filter: Filter, in db: Database) throws -> [(payload: Data, withdrawn: Bool, openUntil: String)] {
        var conditions = ["kind = ?"]
        var arguments: [any DatabaseValueConvertible] = [kind.rawValue]
        if let province = filter.province { conditions.append("province_code = ?"); arguments.append(province) }
        if let commune = filter.commune { conditions.append("commune_code = ?"); arguments.append(commune) }
        if let occupation = filter.occupation { conditions.append("substr(vsco, 1, ?) = ?"); arguments += [occupation.count, occupation] }
        switch filter.open {
        case true?: conditions.append("withdrawn = 0 AND open_until >= ?"); arguments.append(filter.day)
        case false?: conditions.append("(withdrawn = 1 OR open_until < ?)"); arguments.append(filter.day)
        case nil: break
        }
        return try Row.fetchAll(
            db, sql: "SELECT payload, withdrawn, open_until FROM catalogue_entry WHERE \(conditions.joined(separator: " AND ")) ORDER BY entry_id",
            arguments: StatementArguments(arguments)
        ).map { (payload: $0[0], withdrawn: ($0[1] as Int) != 0, openUntil: $0[2]) }
    }
}
