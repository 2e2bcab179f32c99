import EventContracts
import EventStore
import Foundation
import GRDB

/// Operator-defined groupings, and their reports: the sum of their communes' tallies, computed when asked.
enum GroupingStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: "CREATE TABLE area_grouping (code TEXT PRIMARY KEY, version INTEGER NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID")
    }

    enum Stored { case created, replaced, unchanged, stale(held: Int) }

    /// Stores `g` unless a newer version is held; the same version must say the same.
    static func put(_ g: AreaGrouping, in db: Database) throws -> Stored {
        if let held = try grouping(g.code, in: db) {
            if held == g { return .unchanged }
            guard g.version > held.version else { return .stale(held: held.version) }
        }
        let existed = try grouping(g.code, in: db) != nil
        try db.run(
            "INSERT INTO area_grouping (code, version, payload) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET version = excluded.version, payload = excluded.payload",
            [g.code, g.version, Data(try EventJSON.encode(g))])
        return existed ? .replaced : .created
    }

    static func delete(_ code: String, in db: Database) throws -> Bool {
        try db.run("DELETE FROM area_grouping WHERE code = ?", [code])
        return db.changesCount > 0
    }

    static func grouping(_ code: String, in db: Database) throws -> AreaGrouping? {
        try Data.fetchOne(db, sql: "SELECT payload FROM area_grouping WHERE code = ?", arguments: [code]).map { try EventJSON.decode(AreaGrouping.self, from: $0) }
    }

    static func all(in db: Database) throws -> [AreaGrouping] {
        try Data.fetchAll(db, sql: "SELECT payload FROM area_grouping ORDER BY code").map { try EventJSON.decode(AreaGrouping.self, from: $0) }
    }

    /// The grouping's report: its communes' tallies of every source added up, as an area's are, less their targets and
    /// baselines. Its version is the sum of theirs, its time the latest; communes with nothing counted yet add nothing.
    static func report(_ g: AreaGrouping, in db: Database) throws -> AreaReport {
        var sum = TallySum()
        var provinces: Set<String> = []
        for chunk in stride(from: 0, to: g.communes.count, by: 500).map({ Array(g.communes[$0..<min($0 + 500, g.communes.count)]) }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db, sql: "SELECT province_code, version, time, counts FROM area_tally WHERE area_code IN (\(marks))", arguments: StatementArguments(chunk))
            for row in rows {
                try sum.add(row)
                provinces.insert(row["province_code"])
            }
        }
        var counters = sum.counters
        // A commune's own targets and published figures are its own: summed, they would mean nothing.
        counters.counts = counters.counts.filter { $0.value != 0 && !$0.key.hasPrefix("target.") && !$0.key.hasPrefix("base.") }
        // Nothing counted yet in any of its communes: its (empty) figures are as of now.
        var report = counters.report(
            areaCode: g.code, level: .grouping, name: g.name, provinceCode: provinces.count == 1 ? provinces.first! : "", version: sum.version,
            asOf: sum.time.isEmpty ? Timestamp.now() : sum.time, communes: g.communes.count)
        report.communes = g.communes
        return report
    }
}
