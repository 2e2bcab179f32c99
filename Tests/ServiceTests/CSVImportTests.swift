import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
@testable import Intake
import TestSupport
import Testing

/// Imports into a real intake store (SQLite file, every migration), through the session the HTTP route uses.
@Suite struct CSVImportTests {
    let store: ServiceStore
    let writer: GroupCommitWriter

    init() throws {
        store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("csv-import"))/intake.sqlite", migrations: IntakeStore.migrations)
        writer = GroupCommitWriter(store: store)
    }

    /// Feeds `bytes` in chunks of `chunk` bytes, as an upload arrives.
    func importFile(_ bytes: [UInt8], chunk: Int = 8_191) async throws -> ImportReport {
        var session = try await HouseholdImportSession.begin(writer: writer, rules: surveyRules, today: today)
        for start in stride(from: 0, to: bytes.count, by: chunk) { try await session.feed(bytes[start..<min(start + chunk, bytes.count)]) }
        return try await session.finish()
    }

    func storedReport(_ id: String) async throws -> ImportReport? {
        try await store.pool.read { db in try ImportReportStore.report(id, in: db) }
    }

    func versions() async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM household_version") ?? 0 }
    }

    @Test func twoThousandHouseholdsWithBadRowsThenTheSameFileAgainCreatesNothing() async throws {
        func ref(_ index: Int) -> String { "HH-" + String(format: "%04d", index) }
        var generator = DemoHouseholds(seed: 17, communes: DemoHouseholds.demoCommunes(areas))
        let households = (0..<2_000).map { generator.next(serial: $0) }
        var sheet = CSVSheet([])
        let rows = households.enumerated().map { sheet.add(ref: ref($0.offset), $0.element) }
        func choices(_ values: [some RawRepresentable<String>]) -> String { values.map(\.rawValue).joined(separator: ", ") }

        // Eight deliberate mistakes, each with the error an officer must see, at its row and column.
        var expected: [ImportIssue] = []
        sheet[rows[10].lowerBound, "water"] = "well"
        expected.append(ImportIssue(
            row: rows[10].lowerBound, column: "water", householdRef: ref(10), reason: "'well' is not one of \(choices(WaterSource.allCases))"))
        sheet[rows[250].lowerBound, "cccd"] = String(households[250].members[0].cccd!.dropFirst())
        expected.append(ImportIssue(
            row: rows[250].lowerBound, column: "cccd", householdRef: ref(250),
            reason: "has 11 digits, not 12: a spreadsheet may have dropped the leading zeros; format the column as text"))
        sheet[rows[500].upperBound, "birthDate"] = "2026-02-30"
        expected.append(ImportIssue(
            row: rows[500].upperBound, column: "birthDate", householdRef: ref(500),
            reason: "'2026-02-30' is not a date: write YYYY-MM-DD (or DD/MM/YYYY)"))
        sheet[rows[777].lowerBound, "communeCode"] = "99999"
        expected.append(ImportIssue(
            row: rows[777].lowerBound, column: "communeCode", householdRef: ref(777),
            reason: "unknown commune code 99999: not in the area list (Decision 19/2025/QĐ-TTg)"))
        sheet[rows[1_000].lowerBound, "income.monthlyTotalVnd"] = "-1"
        expected.append(ImportIssue(
            row: rows[1_000].lowerBound, column: "income.monthlyTotalVnd", householdRef: ref(1_000), reason: "must not be negative"))
        let couple = (1_234...).first { households[$0].members.count >= 2 }!
        sheet[rows[couple].lowerBound + 1, "relation"] = "head"
        expected.append(ImportIssue(
            row: rows[couple].lowerBound, column: "relation", householdRef: ref(couple),
            reason: "exactly one member must have relation 'head', found 2"))
        for row in rows[1_500] { sheet[row, HouseholdCSVColumns.householdRef] = ref(3) }
        expected.append(ImportIssue(
            row: rows[1_500].lowerBound, column: "household_ref", householdRef: ref(3),
            reason: "'\(ref(3))' is already used on \(rowsText(rows[3])): the rows of a household must be consecutive, so this household was not imported"))
        sheet.rows[rows[1_999].upperBound - 2].append("stray")
        expected.append(ImportIssue(
            row: rows[1_999].upperBound, householdRef: ref(1_999), reason: "has \(columnCount + 1) cells, the header has \(columnCount)"))
        let file = Array(("\u{FEFF}" + sheet.text).utf8)
        let accepted = 2_000 - expected.count

        let report = try await importFile(file)
        #expect(report.status == .completed)
        #expect(report.totals == ImportTotals(rows: sheet.rows.count, households: 2_000, created: accepted, rejected: expected.count))
        #expect(report.errors == expected)
        #expect(report.moreErrors == 0 && report.warnings == [] && report.moreWarnings == 0)
        #expect(try await storedReport(report.importId) == report)
        let count = try await store.pool.read { db in try IntakeStore.count(in: db) }
        #expect(count == accepted)
        #expect(try queued() == [accepted, accepted], "one snapshot and one state record queued per household created")
        let record = try await store.pool.read { db in
            try IntakeStore.household(try surveyRules.validate(households[11], today: today).get().householdId, in: db)
        }
        #expect(record?.survey.members == households[11].members, "stored as entered: names and diacritics intact")

        // The same file again: every household identical, so nothing is stored or published.
        let again = try await importFile(file, chunk: 65_536)
        #expect(again.importId != report.importId)
        #expect(again.totals == ImportTotals(rows: sheet.rows.count, households: 2_000, unchanged: accepted, rejected: expected.count))
        #expect(again.errors == expected)
        #expect(try queued() == [accepted, accepted])
        #expect(try await versions() == accepted)
    }

    @Test func theAnswerListsTheFirstThousandErrorsAndTheStoredReportAll() async throws {
        var sheet = CSVSheet(labelled(1_100))
        for index in 0..<1_100 { sheet[2 + 2 * index, "sex"] = "x" }
        let report = try await importFile(Array(sheet.text.utf8))
        #expect(report.totals == ImportTotals(rows: 2_200, households: 1_100, rejected: 1_100))
        #expect(report.errors.count == 1_000 && report.moreErrors == 100)
        let stored = try #require(try await storedReport(report.importId))
        #expect(stored.errors.count == 1_100 && stored.moreErrors == 0)
        #expect(stored.errors.prefix(1_000) == report.errors[...])
        #expect(stored.errors.last == ImportIssue(row: 2_200, column: "sex", householdRef: "H1100", reason: "'x' is not one of male, female"))
    }

    @Test func aRefusedHeaderImportsNothingAndSaysWhy() async throws {
        var sheet = CSVSheet(labelled(3))
        sheet.header[sheet.index("fullName")] = "name"
        let report = try await importFile(Array(sheet.text.utf8))
        #expect(report.status == .rejected)
        #expect(report.totals == ImportTotals())
        #expect(report.errors == [
            ImportIssue(row: 1, column: "name", reason: "unknown column: the columns are listed in docs/intake/csv-import.md"),
            ImportIssue(row: 1, reason: "missing required columns: fullName"),
        ])
        #expect(try await storedReport(report.importId) == report)
        #expect(try store.outboxDepth() == 0)
    }

    @Test func anUploadThatBreaksOffKeepsTheHouseholdsItCompleted() async throws {
        let sheet = CSVSheet(labelled(10))
        let text = sheet.text
        // Cut inside row 13 (household H6's second row): H1–H5 are complete, H6 is not.
        let cut = text.utf8.count - sheet.rows[11...].map { CSV.line($0).utf8.count }.reduce(0, +) + 20
        var session = try await HouseholdImportSession.begin(writer: writer, rules: surveyRules, today: today)
        try await session.feed(Array(text.utf8)[..<cut])
        let report = await session.abandon(.interrupted)
        #expect(report.status == .interrupted)
        #expect(report.totals == ImportTotals(rows: 11, households: 5, created: 5))
        #expect(try await storedReport(report.importId) == report)
        #expect(try queued() == [5, 5])
    }

    /// Snapshots and household-state records queued for publishing.
    func queued() throws -> [Int] {
        try store.pool.read { db in
            try [Topics.household, Topics.intakeHouseholdState].map {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE topic = ?", arguments: [$0.name]) ?? 0
            }
        }
    }

    /// A process killed mid-import never ends its session: at the next start intake closes the import as interrupted,
    /// with the households of the chunks it committed (250 per transaction), so the client can look it up.
    @Test func anImportLeftRunningByAKilledProcessIsClosedAsInterruptedAtStart() async throws {
        let text = CSVSheet(labelled(300)).text
        var session = try await HouseholdImportSession.begin(writer: writer, rules: surveyRules, today: today)
        for start in stride(from: 0, to: text.utf8.count, by: 4_096) { try await session.feed(Array(text.utf8)[start..<min(start + 4_096, text.utf8.count)]) }
        let id = session.importId
        #expect(try await storedReport(id)?.status == .running)
        let closed = try await store.pool.write { db in try ImportReportStore.closeInterrupted(at: "2026-12-06T23:00:00.000Z", in: db) }
        let report = try #require(try await storedReport(id))
        #expect(closed == [id])
        #expect(report.status == .interrupted && report.finishedAt == "2026-12-06T23:00:00.000Z")
        #expect(report.totals.households == 250 && report.totals.created == 250)
        #expect(try await versions() == 250)
        #expect(try await store.pool.write { db in try ImportReportStore.closeInterrupted(at: "2026-12-07T00:00:00.000Z", in: db) }.isEmpty)
    }

    @Test func anotherHouseholdsCCCDIsAWarningAtItsRow() async throws {
        let first = labelled(1)[0].survey
        var second = labelled(2)[1].survey
        second.members[0].cccd = CCCD.make(sex: .male, birthYear: 1980, serial: 1)  // H1's head, again
        second.communeCode = "01843"
        let report = try await importFile(Array(CSVSheet([("A", first), ("B", second)]).text.utf8))
        #expect(report.totals.created == 2)
        let other = try surveyRules.validate(first, today: today).get().householdId
        #expect(report.warnings == [
            ImportIssue(row: 4, column: "cccd", householdRef: "B", reason: "also listed in household \(other); an officer should check")
        ])
        #expect(try await storedReport(report.importId)?.warnings == report.warnings)
    }
}
