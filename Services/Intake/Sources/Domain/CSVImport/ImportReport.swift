/// A problem with an imported file, placed where the officer sees it in the spreadsheet.
public struct ImportIssue: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The spreadsheet's row number: the header is row 1, and a cell with line breaks does not add rows.
    public var row: Int
    /// The header name of the column at fault; absent when the problem is the row (or the file) as a whole.
    public var column: String?
    /// The row's `household_ref`, when it has one.
    public var householdRef: String?
    public var reason: String

    public init(row: Int, column: String? = nil, householdRef: String? = nil, reason: String) {
        self.row = row
        self.column = column
        self.householdRef = householdRef
        self.reason = reason
    }

    public var description: String {
        "row \(row)" + (column.map { ", \($0)" } ?? "") + (householdRef.map { " (household \($0))" } ?? "") + ": \(reason)"
    }
}

/// Rows read and what became of the households in them.
public struct ImportTotals: Codable, Sendable, Hashable {
    /// Data rows read (the header and blank rows not counted).
    public var rows = 0
    /// Households read: created + updated + unchanged + rejected.
    public var households = 0
    public var created = 0
    public var updated = 0
    /// Identical to what the registry already held: nothing stored, nothing published.
    public var unchanged = 0
    public var rejected = 0

    public init(rows: Int = 0, households: Int = 0, created: Int = 0, updated: Int = 0, unchanged: Int = 0, rejected: Int = 0) {
        (self.rows, self.households, self.created, self.updated, self.unchanged, self.rejected) =
            (rows, households, created, updated, unchanged, rejected)
    }
}

public enum ImportStatus: String, Codable, Sendable {
    /// Still reading the upload.
    case running
    /// The whole file was read; rejected households are in the errors.
    case completed
    /// The file itself was refused (its header): nothing was imported.
    case rejected
    /// The upload ended early: households complete before that point were imported, the rest not.
    case interrupted
    /// The registry could not store a chunk: households stored before it stay; import the file again.
    case failed
}

/// What an import did: totals, and every error and warning with its row and column.
public struct ImportReport: Codable, Sendable, Hashable {
    public var importId: String
    public var status: ImportStatus
    public var startedAt: String
    public var finishedAt: String?
    public var totals: ImportTotals
    /// Why rows were rejected, in file order.
    public var errors: [ImportIssue]
    /// Errors not listed here: an upload's answer lists the first 1,000, its stored report all of them.
    public var moreErrors: Int
    /// Accepted households an officer should look at (a CCCD that another household also lists).
    public var warnings: [ImportIssue]
    public var moreWarnings: Int
}
