import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
@testable import Reporting
import Testing

/// Operator-defined groupings: the sum of their communes' figures, less what is a commune's own (targets, baselines).
@Suite struct GroupingTests {
    @Test func aGroupingAddsUpItsCommunesButNotTheirTargetsOrBaselines() throws {
        let db = try Self.tallies()
        let grouping = AreaGrouping(code: "G-TWO", name: "Hai phường", communes: ["01843", "01840"], version: 1, source: "test")
        let report = try db.read { db in try GroupingStore.report(grouping, in: db) }
        let year = try #require(report.reviewYears?.last)
        #expect(report.areaLevel == .grouping && report.provinceCode == "19" && report.version == 3)
        #expect(year.year == 2026 && year.households.poor == ClassYearFlows(start: 200, escaped: 30, end: 170))
        // 200 / 6,000 = 3.33 %; 170 / 6,000 = 2.83 %.
        #expect(year.rates?.poorStart == 3.33 && year.rates?.poorEnd == 2.83)
        #expect(year.target == nil && report.baselines == nil)
    }

    /// With several reporting instances each holds the tallies of the areas on its partitions: the sums each gives
    /// for its partitions add up to the same report, and a tally of a partition not named is in no part.
    @Test func theSumsOfEachInstancesPartitionsMakeTheSameReport() throws {
        let db = try Self.tallies()
        let grouping = AreaGrouping(code: "G-TWO", name: "Hai phường", communes: ["01843", "01840"], version: 1, source: "test")
        let first = KeyPartitioner.partition(key: Array("01843".utf8), partitionCount: 6)
        let (mine, theirs) = (Set([first]), Set(0..<6).subtracting([first]))
        let parts = try db.read { db in
            [try GroupingStore.part(grouping, partitions: mine, partitionCount: 6, in: db), try GroupingStore.part(grouping, partitions: theirs, partitionCount: 6, in: db)]
        }
        #expect(parts[0].counts["yr.2025.households.poor.firstRecorded", default: 0] >= 120)
        #expect(parts.map { $0.counts["yr.2025.households.poor.firstRecorded", default: 0] }.reduce(0, +) == 200)
        let whole = try db.read { db in try GroupingStore.report(grouping, in: db) }
        var fromParts = GroupingStore.report(grouping, parts: parts)
        fromParts.asOf = whole.asOf
        #expect(fromParts == whole)
        let none = try db.read { db in try GroupingStore.part(grouping, partitions: [], partitionCount: 6, in: db) }
        #expect(none.counts.isEmpty && none.version == 0)
    }

    /// Two wards' tallies and one of a ward outside the grouping, in a store with the partition function.
    static func tallies() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in db.add(function: ServiceStore.kafkaPartition) }
        let db = try DatabaseQueue(configuration: configuration)
        try db.write { db in
            try db.execute(sql: """
                CREATE TABLE area_tally (area_code TEXT NOT NULL, source TEXT NOT NULL, partition INTEGER NOT NULL, level TEXT NOT NULL,
                  province_code TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, counts BLOB NOT NULL,
                  PRIMARY KEY (area_code, source, partition))
                """)
            // Two wards: 120 and 80 poor households at the start of 2026, 100 and 70 at its end; denominators 4,000 and
            // 2,000 households; the first ward has its own target of 2.40 % and a published 2022 figure.
            let rows: [(String, [String: Int])] = [
                ("01843", ["yr.2025.households.poor.firstRecorded": 120, "yr.2026.households.poor.escaped": 20, "den.2025.communes": 1,
                           "den.2025.households": 4_000, "den.2026.communes": 1, "den.2026.households": 4_000,
                           "target.2026.poorRate": 240, "target.2026.poorRateSet": 1, "base.2022.poorHouseholdsStart": 300, "base.2022.poorHouseholdsStartSet": 1]),
                ("01840", ["yr.2025.households.poor.firstRecorded": 80, "yr.2026.households.poor.escaped": 10, "den.2025.communes": 1,
                           "den.2025.households": 2_000, "den.2026.communes": 1, "den.2026.households": 2_000]),
                ("01834", ["yr.2025.households.poor.firstRecorded": 999]),  // not in the grouping
            ]
            for (index, (code, counts)) in rows.enumerated() {
                try db.execute(
                    sql: "INSERT INTO area_tally VALUES (?, 'review-year', 0, 'commune', '19', ?, '2026-12-01T00:00:00Z', ?)",
                    arguments: [code, index + 1, Data(try EventJSON.encode(counts))])
            }
        }
        return db
    }

    @Test(arguments: [("G-BAC-KAN", true), ("G-", false), ("058", false), ("G-bắc", false), ("G-\(String(repeating: "x", count: 41))", false)])
    func groupingCodesNeverLookLikeAreaCodes(_ code: String, _ valid: Bool) {
        #expect(GroupingRules.isGroupingCode(code) == valid)
    }
}
