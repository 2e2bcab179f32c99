import Areas
import EventContracts
import Foundation
@testable import Intake

/// A household CSV as cells, to edit by spreadsheet row and column name before it is written: the tests' way of
/// making exactly the file they mean, bad cells included.
struct CSVSheet {
    var header = HouseholdCSVColumns.header
    /// Data rows; `rows[0]` is spreadsheet row 2.
    var rows: [[String]] = []

    init(_ households: [(ref: String, survey: SurveyInput)]) {
        for household in households { add(ref: household.ref, household.survey) }
    }

    /// Appends a household's rows as the writer writes them; returns their spreadsheet rows.
    @discardableResult
    mutating func add(ref: String, _ survey: SurveyInput) -> ClosedRange<Int> {
        var tokenizer = CSVTokenizer()
        var records: [CSVTokenizer.Record] = []
        tokenizer.feed(HouseholdCSVWriter.rows(ref: ref, survey).utf8, into: &records)
        tokenizer.finish(into: &records)
        let first = rows.count + 2
        rows += records.map(\.fields)
        return first...(rows.count + 1)
    }

    func index(_ column: String) -> Int { header.firstIndex(of: column)! }

    /// The cell at spreadsheet `row` (2 is the first data row) under `column`.
    subscript(row: Int, column: String) -> String {
        get { rows[row - 2][index(column)] }
        set { rows[row - 2][index(column)] = newValue }
    }

    var text: String { CSV.line(header) + rows.map(CSV.line).joined() }
}

/// Reads `bytes` in chunks of `chunk` bytes (chunk boundaries fall inside quotes, CRLFs and multi-byte letters).
func readCSV(_ bytes: [UInt8], chunk: Int = 7) -> (households: [CSVHousehold], rejected: [RejectedHousehold], header: [ImportIssue], rows: Int) {
    var reader = CSVHouseholdReader()
    var outputs: [CSVHouseholdReader.Output] = []
    for start in stride(from: 0, to: bytes.count, by: chunk) { outputs += reader.read(bytes[start..<min(start + chunk, bytes.count)]) }
    outputs += reader.finish()
    var households: [CSVHousehold] = []
    var rejected: [RejectedHousehold] = []
    for output in outputs {
        switch output {
        case .household(let household): households.append(household)
        case .rejected(let household): rejected.append(household)
        }
    }
    return (households, rejected, reader.headerIssues, reader.dataRows)
}

func readCSV(_ text: String, chunk: Int = 7) -> (households: [CSVHousehold], rejected: [RejectedHousehold], header: [ImportIssue], rows: Int) {
    readCSV(Array(text.utf8), chunk: chunk)
}

/// Decisions of the whole import (reader and validator) on `text`.
func importCSV(_ text: String) -> (stored: [ImportedHousehold], issues: [ImportIssue]) {
    var plan = HouseholdCSVImport(rules: surveyRules, today: today)
    let decisions = plan.read(Array(text.utf8)) + plan.finish()
    var stored: [ImportedHousehold] = []
    var issues = plan.headerIssues
    for decision in decisions {
        switch decision {
        case .store(let household): stored.append(household)
        case .reject(let rejected): issues += rejected.issues
        }
    }
    return (stored, issues)
}

/// A survey with every optional field given, awkward text included, so that a round trip covers every column.
func fullSurvey() -> SurveyInput {
    var input = survey(members: 3)
    input.householdId = "0b7e4a3c-5d2f-4e1a-9b8c-7d6e5f4a3b2c"
    input.roundId = "2026-periodic"
    input.status = .proposed
    input.village = "Thôn \"Nà Pài\", tổ 3\nxóm Đồi"
    input.conditions.housing.floorAreaM2 = 42.5
    input.conditions.information.devices = [.smartphone, .television]
    input.conditions.income = Income(method: .score, monthlyTotalVnd: 4_000_000, perCapitaMonthlyVnd: 1_333_333, scoreA: 120, scoreB: 30)
    input.members[0].facts.education.workplaceTrainingCertificate = true
    input.members[0].facts.employment = Employment(status: .employed, type: .wage, labourContract: false, wantsTraining: true, wantsJob: true)
    input.members[0].facts.priorStateTraining = false
    input.members[1].facts.nutrition = .stuntedAndUnderweight
    input.members[2].facts.disability = .severe
    input.members[2].fullName = "Hoàng Thị Ánh Tuyết"
    return input
}
