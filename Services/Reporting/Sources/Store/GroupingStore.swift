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

    /// What a grouping would do to the one held, without storing it.
    static func check(_ g: AreaGrouping, in db: Database) throws -> Stored {
        guard let held = try grouping(g.code, in: db) else { return .created }
        if held == g { return .unchanged }
        return g.version > held.version ? .replaced : .stale(held: held.version)
    }

    /// Queues `g` on `giamngheo.reporting.grouping.v1` (a tombstone for `code` when nil), for every instance to apply.
    static func publish(_ g: AreaGrouping?, code: String, in db: Database) throws {
        let time = Timestamp.now()
        let event: OutboundEvent
        if let g {
            event = try OutboundEvent.json(
                topic: Topics.grouping, key: code, type: EventTypes.grouping, source: EventSources.service(ReportingService.name),
                idParts: ["grouping", code, String(g.version), DeterministicID.make(parts: [String(decoding: try EventJSON.encode(g), as: UTF8.self)])],
                sequence: Int64(g.version), time: time, payload: g)
        } else {
            var tombstone = try OutboundEvent.json(
                topic: Topics.grouping, key: code, type: EventTypes.grouping, source: EventSources.service(ReportingService.name),
                idParts: ["grouping-removed", code, time], sequence: nil, time: time, encoded: [])
            tombstone.data = nil
            event = tombstone
        }
        try Outbox.append(event, in: db)
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

    /// The sum of the tallies held here of the grouping's communes on `partitions` of the area tallies (all when nil).
    static func part(_ g: AreaGrouping, partitions: Set<Int32>?, partitionCount: Int32, in db: Database) throws -> GroupingPart {
        var part = GroupingPart()
        let held = partitions.map { Array($0).map(String.init).joined(separator: ",") }
        for chunk in stride(from: 0, to: g.communes.count, by: 500).map({ Array(g.communes[$0..<min($0 + 500, g.communes.count)]) }) {
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
            let onPartitions = held.map { " AND kafka_partition(area_code, \(partitionCount)) IN (\($0.isEmpty ? "-1" : $0))" } ?? ""
            let rows = try Row.fetchAll(
                db, sql: "SELECT province_code, version, time, counts FROM area_tally WHERE area_code IN (\(marks))\(onPartitions)",
                arguments: StatementArguments(chunk))
            for row in rows {
                for (key, value) in try EventJSON.decode([String: Int].self, from: row["counts"] as Data) { part.counts[key, default: 0] += value }
                part.version += row["version"] as Int64
                part.time = max(part.time, row["time"] as String)
                part.provinces.insert(row["province_code"])
            }
        }
        return part
    }

    /// The grouping's report: its communes' tallies of every source added up (`parts`: the sums each holder of the
    /// area partitions gave), as an area's are, less their targets and baselines. Its version is the sum of theirs,
    /// its time the latest; communes with nothing counted yet add nothing.
    static func report(_ g: AreaGrouping, parts: [GroupingPart]) -> AreaReport {
        var sum = GroupingPart()
        for part in parts {
            sum.counts.merge(part.counts, uniquingKeysWith: +)
            sum.version += part.version
            sum.time = max(sum.time, part.time)
            sum.provinces.formUnion(part.provinces)
        }
        var counters = AreaCounters()
        // A commune's own targets and published figures are its own: summed, they would mean nothing.
        counters.counts = sum.counts.filter { $0.value != 0 && !$0.key.hasPrefix("target.") && !$0.key.hasPrefix("base.") }
        // Nothing counted yet in any of its communes: its (empty) figures are as of now.
        var report = counters.report(
            areaCode: g.code, level: .grouping, name: g.name, provinceCode: sum.provinces.count == 1 ? sum.provinces.first! : "", version: sum.version,
            asOf: sum.time.isEmpty ? Timestamp.now() : sum.time, communes: g.communes.count)
        report.communes = g.communes
        return report
    }

    /// The grouping's report from this store alone (one instance holding every area).
    static func report(_ g: AreaGrouping, in db: Database) throws -> AreaReport {
        report(g, parts: [try part(g, partitions: nil, partitionCount: 1, in: db)])
    }
}

/// One holder's sum of a grouping's communes' tallies.
struct GroupingPart: Codable, Sendable {
    var counts: [String: Int] = [:]
    var version: Int64 = 0
    var time = ""
    var provinces: Set<String> = []
}
