import EventContracts
import Foundation

/// How a CSV cell becomes a value and a value becomes a cell, and the allowed values as the documentation lists them.
/// Cells are read leniently where spreadsheets are known to alter them (case, dates, digit grouping, decimal comma)
/// and strictly otherwise.
struct CellFormat<Value: Sendable>: Sendable {
    let allowed: String
    /// What an empty cell means for fields that have such a value (an empty list); nil when empty means "not given".
    let emptyValue: Value?
    /// The value of a non-empty, trimmed cell, or the reason it is not one.
    let parse: @Sendable (String) -> Result<Value, CellProblem>
    let format: @Sendable (Value) -> String

    init(
        allowed: String, emptyValue: Value? = nil, parse: @escaping @Sendable (String) -> Result<Value, CellProblem>,
        format: @escaping @Sendable (Value) -> String
    ) {
        self.allowed = allowed
        self.emptyValue = emptyValue
        self.parse = parse
        self.format = format
    }
}

/// Why a cell cannot be read, in words for the officer who filled it in.
struct CellProblem: Error, Sendable {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

extension CellFormat where Value == String {
    /// Any text; `allowed` describes it for the documentation (the validator checks lengths and forms).
    static func text(_ allowed: String = "text") -> Self { Self(allowed: allowed, parse: { .success($0) }, format: { $0 }) }

    /// A citizen identity number: checked by the validator, but a number a spreadsheet has mangled is named as such.
    static var cccd: Self {
        Self(
            allowed: "12 digits",
            parse: { cell in
                if cell.contains("E+") || cell.contains("e+") {
                    return .failure(CellProblem("'\(cell)' is a number in scientific notation: format the column as text and enter the 12 digits"))
                }
                if cell.allSatisfy({ $0.isASCII && $0.isNumber }) && (9...11).contains(cell.count) {
                    return .failure(CellProblem(
                        "has \(cell.count) digits, not 12: a spreadsheet may have dropped the leading zeros; format the column as text"))
                }
                return .success(cell)
            }, format: { $0 })
    }

    /// A commune code; leading zeros a spreadsheet dropped (`1840`) are put back, since codes have five digits.
    static var communeCode: Self {
        Self(
            allowed: "5 digits, a code of the area list",
            parse: { cell in
                guard cell.count < 5, cell.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .success(cell) }
                return .success(String(repeating: "0", count: 5 - cell.count) + cell)
            }, format: { $0 })
    }

    /// A calendar date, written YYYY-MM-DD; DD/MM/YYYY (as Vietnamese spreadsheets show dates) is read too.
    static var date: Self {
        Self(
            allowed: "a date, `YYYY-MM-DD` (`DD/MM/YYYY` is read too)",
            parse: { cell in
                var iso = cell
                let parts = cell.split(separator: "/", omittingEmptySubsequences: false)
                if parts.count == 3, parts[0].count <= 2, parts[1].count <= 2, parts[2].count == 4 {
                    func two(_ part: Substring) -> String { part.count == 1 ? "0\(part)" : String(part) }
                    iso = "\(parts[2])-\(two(parts[1]))-\(two(parts[0]))"
                }
                guard CalendarDate(iso) != nil else {
                    return .failure(CellProblem("'\(cell)' is not a date: write YYYY-MM-DD (or DD/MM/YYYY)"))
                }
                return .success(iso)
            }, format: { $0 })
    }
}

extension CellFormat where Value == Bool {
    static var boolean: Self {
        Self(
            allowed: "`true` or `false` (also `yes`/`no`, `1`/`0`, `có`/`không`, in any case)",
            parse: { cell in
                let word = cell.lowercased()
                if trueWords.contains(word) { return .success(true) }
                if falseWords.contains(word) { return .success(false) }
                return .failure(CellProblem("'\(cell)' is not true or false"))
            }, format: { $0 ? "true" : "false" })
    }
}

extension CellFormat where Value: FixedWidthInteger {
    /// A whole number (đồng, points): digits, optionally grouped by threes with `.`, `,` or spaces (`7.200.000`).
    static var whole: Self {
        Self(
            allowed: "a whole number; digits grouped by threes (`7.200.000`, `7,200,000`) are read too",
            parse: { cell in
                wholeNumber(cell).flatMap { Value(exactly: $0) }.map { .success($0) }
                    ?? .failure(CellProblem("'\(cell)' is not a whole number"))
            }, format: { String($0) })
    }
}

extension CellFormat where Value == Double {
    /// A decimal number with `.` or, as Vietnamese spreadsheets write it, `,` before the decimals. Three digits after
    /// the separator (`1.200`, `1,200`) are refused: they read as thousands in one locale and decimals in the other.
    static var decimal: Self {
        Self(
            allowed: "a number (`30`, `30.5`; `30,5` is read too; no thousands separators)",
            parse: { cell in
                let parts = cell.split(whereSeparator: { $0 == "." || $0 == "," }).map(String.init)
                guard cell.filter({ $0 == "." || $0 == "," }).count <= 1, (1...2).contains(parts.count),
                    parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }), cell.first != ".", cell.first != ",",
                    cell.last != ".", cell.last != ",", let value = Double(parts.joined(separator: "."))
                else { return .failure(CellProblem("'\(cell)' is not a number")) }
                if parts.count == 2 && parts[1].count == 3 {
                    return .failure(CellProblem("'\(cell)' is ambiguous (thousands or decimals?): write it without a thousands separator"))
                }
                return .success(value)
            },
            format: { value in
                value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            })
    }
}

extension CellFormat where Value == [InformationDevice] {
    /// Devices separated by `;` (or `,` inside a quoted cell); an empty cell is a household without devices.
    static var devices: Self {
        let byName = caseInsensitive(InformationDevice.self)
        return Self(
            allowed: "any of \(list(InformationDevice.self)), separated by `;`; empty for none",
            emptyValue: [],
            parse: { cell in
                var devices: [InformationDevice] = []
                for name in cell.split(whereSeparator: { $0 == ";" || $0 == "," }).map({ $0.trimmingCharacters(in: .whitespaces) })
                where !name.isEmpty {
                    guard let device = byName[name.lowercased()] else {
                        return .failure(CellProblem("'\(name)' is not one of \(list(InformationDevice.self, quoted: false))"))
                    }
                    devices.append(device)
                }
                return .success(devices)
            }, format: { $0.map(\.rawValue).joined(separator: ";") })
    }
}

extension CellFormat where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    /// One of an enumeration's JSON values (as in the schemas of docs/events), in any case.
    static func oneOf(_ type: Value.Type) -> Self {
        let byName = caseInsensitive(type)
        return Self(
            allowed: list(type),
            parse: { cell in
                byName[cell.lowercased()].map { .success($0) }
                    ?? .failure(CellProblem("'\(cell)' is not one of \(list(type, quoted: false))"))
            }, format: { $0.rawValue })
    }
}

private let trueWords: Set<String> = ["true", "yes", "1", "có"]
private let falseWords: Set<String> = ["false", "no", "0", "không"]

private func caseInsensitive<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> [String: E] where E.RawValue == String {
    Dictionary(uniqueKeysWithValues: type.allCases.map { ($0.rawValue.lowercased(), $0) })
}

private func list<E: RawRepresentable & CaseIterable>(_ type: E.Type, quoted: Bool = true) -> String where E.RawValue == String {
    type.allCases.map { quoted ? "`\($0.rawValue)`" : $0.rawValue }.joined(separator: ", ")
}

/// Digits, optionally negative, optionally grouped by threes with one kind of separator (`.`, `,`, space).
private func wholeNumber(_ cell: String) -> Int64? {
    var text = Substring(cell)
    let negative = text.first == "-"
    if negative { text = text.dropFirst() }
    let separators: Set<Character> = [".", ",", " ", "\u{00A0}"]
    let used = Set(text.filter { separators.contains($0) })
    guard used.count <= 1 else { return nil }
    let groups = used.isEmpty ? [text] : text.split(separator: used.first!, omittingEmptySubsequences: false)
    guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
        groups.count == 1 || (groups[0].count <= 3 && groups.dropFirst().allSatisfy { $0.count == 3 }),
        let value = Int64(groups.joined())
    else { return nil }
    return negative ? -value : value
}
