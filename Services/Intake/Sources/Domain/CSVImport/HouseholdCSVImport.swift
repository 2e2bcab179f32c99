import Areas
import EventContracts
import Foundation

/// A household of the file that passed every check, ready for the registry.
public struct ImportedHousehold: Sendable {
    public var household: CSVHousehold
    public var valid: ValidSurvey
}

/// The household CSV import as pure logic: bytes in, and for each household either a valid survey to store or its
/// rows' problems, with the validator's errors placed on the row and column they came from. No I/O: the caller
/// feeds bytes as they arrive and stores what comes out.
public struct HouseholdCSVImport: Sendable {
    public enum Decision: Sendable {
        case store(ImportedHousehold)
        case reject(RejectedHousehold)
    }

    private var reader = CSVHouseholdReader()
    private let rules: SurveyRules
    private let today: CalendarDate
    /// Household id → where it was first seen, so that a household listed twice under two labels is refused once
    /// (ids are UUIDs: 16 bytes a key, for files of any length).
    private var seen: [UUID: (ref: String, rows: ClosedRange<Int>)] = [:]

    public init(rules: SurveyRules, today: CalendarDate) {
        self.rules = rules
        self.today = today
    }

    /// Problems with the header: the file is refused.
    public var headerIssues: [ImportIssue] { reader.headerIssues }
    /// Data rows read so far.
    public var rows: Int { reader.dataRows }

    /// Reads the next bytes of the file; returns a decision for each household they complete.
    public mutating func read<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Decision] {
        reader.read(bytes).map { decide($0) }
    }

    /// Ends the file: returns the decision on the last household.
    public mutating func finish() -> [Decision] {
        reader.finish().map { decide($0) }
    }

    private mutating func decide(_ output: CSVHouseholdReader.Output) -> Decision {
        let household: CSVHousehold
        switch output {
        case .rejected(var rejected):
            // Cells were wrong: the validator still speaks for the rows that had none.
            if let partial = rejected.partial, case .failure(let failure) = rules.validate(partial.survey, today: today) {
                let flagged = Set(rejected.issues.map(\.row))
                rejected.issues = Self.inFileOrder(rejected.issues + Self.issues(failure.errors, in: partial).filter { !flagged.contains($0.row) })
            }
            return .reject(rejected)
        case .household(let read): household = read
        }
        switch rules.validate(household.survey, today: today) {
        case .failure(let failure):
            return .reject(RejectedHousehold(ref: household.ref, rows: household.rows, issues: Self.issues(failure.errors, in: household)))
        case .success(let valid):
            let key = UUID(uuidString: valid.householdId)
            if let key, let first = seen[key] {
                let given = household.survey.householdId != nil
                let headIndex = household.survey.members.firstIndex { $0.facts.relation == .head } ?? 0
                return .reject(RejectedHousehold(
                    ref: household.ref, rows: household.rows,
                    issues: [ImportIssue(
                        row: given ? household.rows.lowerBound : household.memberRows[headIndex], column: given ? "householdId" : "cccd",
                        householdRef: household.ref,
                        reason: "the same household (\(given ? "household id" : "commune and head's CCCD")) as '\(first.ref)' on \(rowsText(first.rows)): "
                            + "a household may appear once per file")]))
            }
            if let key { seen[key] = (household.ref, household.rows) }
            return .store(ImportedHousehold(household: household, valid: valid))
        }
    }

    /// Places validator errors and warnings (`members[1].cccd`, `income.scoreA`) on the row and column they came
    /// from: a member's on its row, the household's on its first row. In row order, then column order.
    public static func issues(_ errors: [FieldError], in household: CSVHousehold) -> [ImportIssue] {
        let placed = errors.map { error -> ImportIssue in
            var row = household.rows.lowerBound
            var path = Substring(error.field)
            if path.hasPrefix("members["), let close = path.firstIndex(of: "]"),
                let index = Int(path[path.index(path.startIndex, offsetBy: 8)..<close]), household.memberRows.indices.contains(index)
            {
                row = household.memberRows[index]
                path = path[path.index(after: close)...].drop { $0 == "." }
            }
            // "members" alone is the head count (the reader keeps the member count within the limit): a relation problem.
            let column = path == "members" ? "relation" : String(path)
            let known = HouseholdCSVColumns.byName[column] != nil
            return ImportIssue(
                row: row, column: known ? column : nil, householdRef: household.ref,
                reason: known || path.isEmpty ? error.reason : "\(error.field): \(error.reason)")
        }
        return inFileOrder(placed)
    }

    private static let columnOrder = Dictionary(uniqueKeysWithValues: HouseholdCSVColumns.all.enumerated().map { ($1.name, $0) })

    /// By row, then by column in template order (row-wide problems first), keeping the order of equal ones.
    static func inFileOrder(_ issues: [ImportIssue]) -> [ImportIssue] {
        issues.enumerated().sorted {
            ($0.element.row, $0.element.column.flatMap { columnOrder[$0] } ?? -1, $0.offset)
                < ($1.element.row, $1.element.column.flatMap { columnOrder[$0] } ?? -1, $1.offset)
        }.map(\.element)
    }
}
