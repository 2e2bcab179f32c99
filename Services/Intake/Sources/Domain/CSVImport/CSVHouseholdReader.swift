import Areas
import EventContracts
import Foundation

/// A household read from its rows: the survey as entered and the spreadsheet row of each member.
public struct CSVHousehold: Sendable {
    /// The officer's `household_ref`.
    public var ref: String
    /// Its spreadsheet rows, first to last.
    public var rows: ClosedRange<Int>
    /// The row of `survey.members[i]`, so that a validator error on `members[i]` can name its row.
    public var memberRows: [Int]
    public var survey: SurveyInput
}

/// A household refused whole, with every problem of every one of its rows.
public struct RejectedHousehold: Sendable {
    /// The officer's `household_ref`; nil when its rows had none.
    public var ref: String?
    public var rows: ClosedRange<Int>
    /// Every problem found, in row and column order.
    public var issues: [ImportIssue]
    /// The household as far as it could be read, when every row had the header's shape (only cells were wrong):
    /// worth validating, so that one pass reports the problems of the other rows too.
    public var partial: CSVHousehold?
}

/// Reads the household CSV incrementally: bytes in, in chunks of any size; each household out as soon as its last
/// row has been read (its rows are consecutive), as a survey or as the problems of its rows. Memory holds one
/// household and the labels already used, never the file.
///
/// The header decides which columns are present: unknown or repeated names and missing required columns refuse
/// the file (`headerIssues`), since every row would be misread.
public struct CSVHouseholdReader: Sendable {
    /// A row longer than this is refused: it is almost always a quote that is never closed.
    public static let maxRowBytes = 64 << 10
    /// Rows one household may have: the validator's member limit.
    public static let maxRowsPerHousehold = SurveyValidator.maxMembers

    public enum Output: Sendable {
        case household(CSVHousehold)
        case rejected(RejectedHousehold)
    }

    /// The columns of the file, by position; nil for a column without a name (ignored).
    private struct Layout: Sendable {
        var columns: [HouseholdCSVColumn?]
        var refIndex: Int
    }

    private var tokenizer = CSVTokenizer(maxRecordBytes: maxRowBytes)
    private var records: [CSVTokenizer.Record] = []
    private var row = 0
    private var layout: Layout?
    private var group: Group?
    /// Rows of every household label seen, to refuse a label that comes back after other households.
    private var usedRefs: [String: ClosedRange<Int>] = [:]

    /// Problems with the header; when there are any the file is refused and nothing else is read.
    public private(set) var headerIssues: [ImportIssue] = []
    /// Data rows read so far (the header and blank rows not counted).
    public private(set) var dataRows = 0

    public init() {}

    /// Reads the next bytes of the file; returns the households they complete.
    public mutating func read<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Output] {
        guard headerIssues.isEmpty else { return [] }
        tokenizer.feed(bytes, into: &records)
        return drain()
    }

    /// Ends the file: returns the last household.
    public mutating func finish() -> [Output] {
        guard headerIssues.isEmpty else { return [] }
        tokenizer.finish(into: &records)
        var outputs = drain()
        if layout == nil && headerIssues.isEmpty {
            headerIssues = [ImportIssue(row: 1, reason: "the file is empty: the first row must be the header of the template")]
        }
        if let last = closeGroup() { outputs.append(last) }
        return outputs
    }

    private mutating func drain() -> [Output] {
        var pending: [CSVTokenizer.Record] = []
        swap(&pending, &records)
        defer { records = pending; records.removeAll(keepingCapacity: true) }
        var outputs: [Output] = []
        for record in pending {
            row += 1
            if let layout {
                outputs += readRow(record, layout)
            } else {
                readHeader(record)
                guard headerIssues.isEmpty else { return [] }
            }
        }
        return outputs
    }

    private mutating func readHeader(_ record: CSVTokenizer.Record) {
        var issues = record.problems.map { ImportIssue(row: 1, reason: $0.kind.reason) }
        let names = record.fields.map(\.trimmedCell)
        guard names.contains(where: { !$0.isEmpty }) else {
            // A header too long to read is said as such, not as an empty one.
            headerIssues = issues.isEmpty
                ? [ImportIssue(row: 1, reason: "the first row must be the header of the template (the column names); it is empty")]
                : issues.map { ImportIssue(row: 1, reason: "the header: " + $0.reason) }
            return
        }
        if names.count == 1 && names[0].contains(";") {
            headerIssues = [ImportIssue(
                row: 1, reason: "the columns are separated by ';', not ',' (spreadsheets set to Vietnamese number formats do this): "
                    + "save as \"CSV UTF-8 (Comma delimited)\" or set the list separator to ','")]
            return
        }
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            if let first = seen[name] {
                issues.append(ImportIssue(row: 1, column: name, reason: "appears twice in the header (columns \(first + 1) and \(index + 1))"))
                continue
            }
            seen[name] = index
            if HouseholdCSVColumns.byName[name] == nil {
                let suggestion = HouseholdCSVColumns.all.first { $0.name.lowercased() == name.lowercased() }.map { "; did you mean '\($0.name)'?" }
                issues.append(ImportIssue(
                    row: 1, column: name, reason: "unknown column" + (suggestion ?? ": the columns are listed in docs/intake/csv-import.md")))
            }
        }
        let missing = HouseholdCSVColumns.all.filter { $0.required && seen[$0.name] == nil }.map(\.name)
        if !missing.isEmpty {
            issues.append(ImportIssue(row: 1, reason: "missing required columns: \(missing.joined(separator: ", "))"))
        }
        guard issues.isEmpty else {
            headerIssues = issues
            return
        }
        layout = Layout(
            columns: names.map { HouseholdCSVColumns.byName[$0] }, refIndex: seen[HouseholdCSVColumns.householdRef]!)
    }

    private mutating func readRow(_ record: CSVTokenizer.Record, _ layout: Layout) -> [Output] {
        if record.problems.isEmpty && record.fields.allSatisfy({ $0.allSatisfy(\.isWhitespace) }) { return [] }  // a blank row
        dataRows += 1
        let ref = layout.refIndex < record.fields.count ? record.fields[layout.refIndex].trimmedCell : ""
        var outputs: [Output] = []
        if group == nil || (!ref.isEmpty && ref != group?.ref) {
            if let done = closeGroup() { outputs.append(done) }
            group = Group(ref: ref, firstRow: row, earlierRows: usedRefs[ref])
        }
        group!.add(record, row: row, ref: ref, layout: layout)
        return outputs
    }

    private mutating func closeGroup() -> Output? {
        guard let done = group else { return nil }
        group = nil
        if !done.ref.isEmpty && usedRefs[done.ref] == nil { usedRefs[done.ref] = done.firstRow...done.lastRow }
        let rows = done.firstRow...done.lastRow
        let household = CSVHousehold(ref: done.ref, rows: rows, memberRows: done.memberRows, survey: done.survey)
        guard done.issues.isEmpty else {
            return .rejected(RejectedHousehold(
                ref: done.ref.isEmpty ? nil : done.ref, rows: rows, issues: done.issues, partial: done.wellFormed ? household : nil))
        }
        return .household(household)
    }

    /// The rows of one household while they are read.
    private struct Group: Sendable {
        let ref: String
        let firstRow: Int
        var lastRow: Int
        var survey = SurveyInput.csvBlank
        var memberRows: [Int] = []
        var issues: [ImportIssue] = []
        /// The household cells as written on the row they were read from, to check later rows against.
        var householdCells: [String]?
        var householdRow = 0
        /// Every row had the header's shape and a label, so each member is on its row.
        var wellFormed = true

        init(ref: String, firstRow: Int, earlierRows: ClosedRange<Int>?) {
            self.ref = ref
            self.firstRow = firstRow
            self.lastRow = firstRow
            if let earlierRows {
                issues.append(ImportIssue(
                    row: firstRow, column: HouseholdCSVColumns.householdRef, householdRef: ref,
                    reason: "'\(ref)' is already used on \(rowsText(earlierRows)): the rows of a household must be consecutive, "
                        + "so this household was not imported"))
            }
        }

        mutating func add(_ record: CSVTokenizer.Record, row: Int, ref rowRef: String, layout: Layout) {
            lastRow = row
            func issue(_ column: String?, _ reason: String) {
                issues.append(ImportIssue(row: row, column: column, householdRef: ref.isEmpty ? nil : ref, reason: reason))
            }
            func name(at index: Int?) -> String? { index.flatMap { $0 < layout.columns.count ? layout.columns[$0]?.name : nil } }
            if rowRef.isEmpty && !record.fields.isEmpty {
                issue(
                    HouseholdCSVColumns.householdRef,
                    row == firstRow ? "is required on every row" : "is required on every row; this row was counted with the household above it")
            }
            for problem in record.problems { issue(name(at: problem.field), problem.kind.reason) }
            if rowRef.isEmpty || !record.problems.isEmpty { wellFormed = false }
            guard !record.fields.isEmpty else { return }  // too long to read: reported by the tokenizer
            guard record.fields.count == layout.columns.count else {
                issue(nil, "has \(record.fields.count) cells, the header has \(layout.columns.count)")
                wellFormed = false
                return
            }
            guard memberRows.count < CSVHouseholdReader.maxRowsPerHousehold else {
                issue(nil, "more than \(CSVHouseholdReader.maxRowsPerHousehold) rows for one household (one row per member)")
                wellFormed = false
                return
            }
            let readsHousehold = householdCells == nil
            if readsHousehold {
                householdCells = Array(repeating: "", count: layout.columns.count)
                householdRow = row
            }
            var member = SurveyMember.csvBlank
            for (index, column) in layout.columns.enumerated() {
                guard let column else { continue }
                let cell = record.fields[index].trimmedCell
                switch column.access {
                case .grouping: continue
                case .household(let access):
                    if readsHousehold {
                        householdCells![index] = cell
                        if let reason = access.read(cell, &survey) { issue(column.name, reason) }
                    } else if !cell.isEmpty && cell != householdCells![index] {
                        issue(
                            column.name,
                            "'\(cell)' differs from row \(householdRow) ('\(householdCells![index])'): "
                                + "fill household columns on the household's first row only")
                    }
                case .member(let access):
                    if let reason = access.read(cell, &member) { issue(column.name, reason) }
                }
            }
            survey.members.append(member)
            memberRows.append(row)
        }
    }
}

extension String {
    /// Without surrounding spaces and line breaks; cheap for the usual cell, which has none.
    var trimmedCell: String {
        guard first?.isWhitespace == true || last?.isWhitespace == true else { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// `row 5` or `rows 5–7`.
func rowsText(_ rows: ClosedRange<Int>) -> String {
    rows.count == 1 ? "row \(rows.lowerBound)" : "rows \(rows.lowerBound)–\(rows.upperBound)"
}
