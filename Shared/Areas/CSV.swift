import Foundation

/// RFC 4180 CSV: fields separated by commas, optionally quoted with `"`, quotes doubled inside quotes.
/// The one CSV reader and writer of the project: the area data and intake's household import both use it.
public enum CSV {
    /// Splits one record into fields (a quoted field may contain line breaks).
    public static func fields(of line: Substring) -> [String] {
        var tokenizer = CSVTokenizer()
        var records: [CSVTokenizer.Record] = []
        tokenizer.feed(line.utf8, into: &records)
        tokenizer.finish(into: &records)
        return records.first?.fields ?? [""]
    }

    /// Parses a whole document with a header row into dictionaries keyed by column name; blank lines are skipped.
    public static func records(_ text: String) -> [[String: String]] {
        var tokenizer = CSVTokenizer()
        var records: [CSVTokenizer.Record] = []
        tokenizer.feed(text.utf8, into: &records)
        tokenizer.finish(into: &records)
        let rows = records.filter { !$0.isBlank }
        guard let header = rows.first?.fields else { return [] }
        return rows.dropFirst().map { row in
            var record: [String: String] = [:]
            for (index, column) in header.enumerated() { record[column] = index < row.fields.count ? row.fields[index] : "" }
            return record
        }
    }

    /// One record as a line ending in CRLF, quoting the fields that need it (commas, quotes, line breaks, edge spaces).
    public static func line(_ fields: [String]) -> String {
        fields.map(quoted).joined(separator: ",") + "\r\n"
    }

    /// One record of a file people open in a spreadsheet (a download): as ``line(_:)``, with every field that a
    /// spreadsheet would take for a formula neutralised (``neutralised(_:)``). Files read back by a program (the
    /// household CSV) use ``line(_:)``, which keeps every value as it is.
    public static func spreadsheetLine(_ fields: [String]) -> String {
        line(fields.map(neutralised))
    }

    /// OWASP's rule against CSV injection: a field starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
    /// leading `'`, so that a spreadsheet shows it as text instead of evaluating it; a plain number (`-5`, `+2.5`) is
    /// left as it is.
    public static func neutralised(_ field: String) -> String {
        guard let first = field.utf8.first, [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D].contains(first)
        else { return field }
        if isPlainNumber(field) { return field }
        return "'" + field
    }

    static func isPlainNumber(_ field: String) -> Bool {
        var digits = 0, dots = 0
        for (index, byte) in field.utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if index != 0 { return false }
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            default: return false
            }
        }
        return digits > 0 && dots <= 1
    }

    /// The field as written in a file: unchanged when it can stand bare, otherwise quoted with inner quotes doubled.
    public static func quoted(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || field.first?.isWhitespace == true || field.last?.isWhitespace == true
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// RFC 4180 CSV read incrementally: bytes go in as they arrive, in chunks of any size, and complete records come
/// out, so a file of any length is read in constant memory.
///
/// Accepts a UTF-8 byte-order mark, CRLF, LF or CR line ends, and quoted fields holding commas, doubled quotes and
/// line breaks (a CRLF inside a quoted field becomes LF). Problems are reported with their record, never thrown,
/// so that a reader can name the row and go on with the next one.
public struct CSVTokenizer: Sendable {
    /// One record (a spreadsheet row) and what was wrong with it, if anything.
    public struct Record: Sendable, Hashable {
        /// The cells, unquoted; empty when the record was too long to keep.
        public var fields: [String]
        public var problems: [Problem]

        /// Every field empty: a blank line, or a spreadsheet's row of bare commas.
        public var isBlank: Bool { problems.isEmpty && fields.allSatisfy(\.isEmpty) }
    }

    /// A problem in the field at index `field` (0-based) of its record, or in the record as a whole (nil).
    public struct Problem: Sendable, Hashable {
        public var field: Int?
        public var kind: ProblemKind

        public init(field: Int?, kind: ProblemKind) {
            self.field = field
            self.kind = kind
        }
    }

    public enum ProblemKind: Sendable, Hashable {
        /// `ab"c`: RFC 4180 allows quotes only around a whole field.
        case quoteInUnquotedField
        /// `"ab"c`: after a closing quote only a comma or a line end may follow.
        case textAfterClosingQuote
        /// The input ended inside a quoted field.
        case unclosedQuote
        /// The bytes are not UTF-8 (a file saved in a legacy code page).
        case invalidUTF8
        /// The record is longer than the limit; its fields were dropped.
        case recordTooLong(limit: Int)

        /// What an officer should read, and how to fix it.
        public var reason: String {
            switch self {
            case .quoteInUnquotedField:
                "a quote inside a cell that does not start with one: quote the whole cell and double the inner quotes"
            case .textAfterClosingQuote: "text after a closing quote: double the quotes inside a quoted cell"
            case .unclosedQuote: "a quote opened in this row is never closed; the rest of the file was read as this cell"
            case .invalidUTF8: "is not UTF-8 text: save the file as \"CSV UTF-8\""
            case .recordTooLong(let limit):
                "the row is longer than \(limit) bytes (usually a quote that is never closed); its cells were not read"
            }
        }
    }

    private enum State: Sendable { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Longest record kept, in bytes; longer ones are reported and skipped, so a stray quote cannot fill the memory.
    public let maxRecordBytes: Int
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var problems: [Problem] = []
    private var recordBytes = 0
    private var overflow = false
    /// The previous byte was a CR ending a line: a following LF belongs to it.
    private var skipLF = false
    /// The first bytes of the input while they may still be a UTF-8 byte-order mark; nil once past it.
    private var bomCandidate: [UInt8]? = []

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr: UInt8 = 0x0D, lf: UInt8 = 0x0A

    public init(maxRecordBytes: Int = 1 << 20) {
        self.maxRecordBytes = maxRecordBytes
    }

    /// Reads `bytes` and appends every record they complete to `records`.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, into records: inout [Record]) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { consume(byte, into: &records) }
        }
        if done == nil {
            for byte in bytes { consume(byte, into: &records) }
        }
    }

    /// Ends the input: appends the last record when the input did not end with a line break.
    public mutating func finish(into records: inout [Record]) {
        if let pending = bomCandidate {
            bomCandidate = nil
            for byte in pending { consume(byte, into: &records) }
        }
        if state == .quoted { report(.unclosedQuote) }
        if recordBytes > 0 || !problems.isEmpty { endRecord(into: &records) }
    }

    @inline(__always)
    private mutating func consume(_ byte: UInt8, into records: inout [Record]) {
        if bomCandidate != nil {
            guard skipBOM(byte, into: &records) else { return }
        }
        if skipLF {
            skipLF = false
            if byte == Self.lf { return }
        }
        recordBytes += 1
        if recordBytes > maxRecordBytes && !overflow {
            overflow = true
            field = []
            fields = []
            report(.recordTooLong(limit: maxRecordBytes))
        }
        switch state {
        case .fieldStart, .unquoted:
            switch byte {
            case Self.comma: endField()
            case Self.cr, Self.lf:
                skipLF = byte == Self.cr
                endRecord(into: &records)
            case Self.quote where state == .fieldStart: state = .quoted
            case Self.quote:
                report(.quoteInUnquotedField)
                append(byte)
            default:
                state = .unquoted
                append(byte)
            }
        case .quoted:
            switch byte {
            case Self.quote: state = .quoteInQuoted
            case Self.cr:
                skipLF = true
                append(Self.lf)
            default: append(byte)
            }
        case .quoteInQuoted:
            switch byte {
            case Self.quote:
                state = .quoted
                append(byte)
            case Self.comma: endField()
            case Self.cr, Self.lf:
                skipLF = byte == Self.cr
                endRecord(into: &records)
            default:
                report(.textAfterClosingQuote)
                state = .unquoted
                append(byte)
            }
        }
    }

    /// Holds back the first bytes while they match the byte-order mark; returns whether `byte` is to be read as data.
    private mutating func skipBOM(_ byte: UInt8, into records: inout [Record]) -> Bool {
        var candidate = bomCandidate!
        if byte == Self.bom[candidate.count] {
            candidate.append(byte)
            bomCandidate = candidate.count == Self.bom.count ? nil : candidate
            return false
        }
        bomCandidate = nil
        for held in candidate { consume(held, into: &records) }
        return true
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if !overflow { field.append(byte) }
    }

    private mutating func report(_ kind: ProblemKind) {
        problems.append(Problem(field: overflow ? nil : fields.count, kind: kind))
    }

    private mutating func endField() {
        state = .fieldStart
        guard !overflow else { return }
        if let text = String(validating: field, as: UTF8.self) {
            fields.append(text)
        } else {
            report(.invalidUTF8)
            fields.append(String(decoding: field, as: UTF8.self))
        }
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(into records: inout [Record]) {
        endField()
        records.append(Record(fields: overflow ? [] : fields, problems: problems))
        fields.removeAll(keepingCapacity: true)
        problems = []
        recordBytes = 0
        overflow = false
    }
}
