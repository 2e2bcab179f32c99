import EventContracts
import Foundation

/// The official list of communes after 1 July 2025 (Decision 19/2025/QĐ-TTg, as the statistics office publishes it:
/// one row per commune with its code, name and province code), read and merged into an areas directory, so that an
/// operator can load the communes of provinces beyond the seed set (docs/areas.md, "Loading the whole country").
public enum OfficialCommuneList {
    /// A problem with the list, placed where the operator sees it in the spreadsheet (the header is row 1).
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        public var row: Int
        public var column: String?
        public var reason: String

        public init(row: Int, column: String? = nil, reason: String) {
            self.row = row
            self.column = column
            self.reason = reason
        }

        public var description: String { "row \(row)" + (column.map { ", \($0)" } ?? "") + ": \(reason)" }
    }

    /// The headers accepted for each column, lower-cased: the statistics office's Vietnamese ones and plain ones.
    static let headers: [(key: String, names: [String])] = [
        ("code", ["mã xã", "mã", "ma_xa", "ma xa", "code", "commune_code"]),
        ("name", ["tên xã", "tên", "ten_xa", "ten xa", "name", "commune_name"]),
        ("province", ["mã tỉnh", "mã tp", "ma_tinh", "ma tinh", "province_code"]),
    ]

    /// Unit kinds by the prefix of the unit's name.
    static let kinds: [(prefix: String, kind: String)] = [("Xã ", "xa"), ("Phường ", "phuong"), ("Đặc khu ", "dac_khu")]

    /// The first day of the communes the list describes.
    public static let validFrom = "2025-07-01"

    /// Reads the list: every row checked (5-digit code, once only; a known 2-digit province code; a name that starts
    /// with Xã, Phường or Đặc khu). Rows with errors are not returned.
    /// - Parameter provinces: the province codes in force from 1 July 2025.
    public static func read(_ text: String, provinces: Set<String>) -> (communes: [CommuneUnit], errors: [Issue]) {
        var tokenizer = CSVTokenizer()
        var records: [CSVTokenizer.Record] = []
        tokenizer.feed((text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text).utf8, into: &records)
        tokenizer.finish(into: &records)
        guard let header = records.first else { return ([], [Issue(row: 1, reason: "the file is empty")]) }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        var errors: [Issue] = []
        for (key, accepted) in headers {
            guard let column = names.firstIndex(where: accepted.contains) else {
                errors.append(Issue(row: 1, reason: "no \(key) column: name it one of \(accepted.map { "'\($0)'" }.joined(separator: ", "))"))
                continue
            }
            index[key] = column
        }
        guard errors.isEmpty, let codeColumn = index["code"], let nameColumn = index["name"], let provinceColumn = index["province"]
        else { return ([], errors) }

        var communes: [CommuneUnit] = []
        var firstRow: [String: Int] = [:]
        for (offset, record) in records.enumerated().dropFirst() where !record.isBlank {
            let row = offset + 1
            if let problem = record.problems.first {
                errors.append(Issue(row: row, column: problem.field.map { header.fields[safe: $0] ?? "" }, reason: problem.kind.reason))
                continue
            }
            func cell(_ column: Int) -> String { (record.fields[safe: column] ?? "").trimmingCharacters(in: .whitespaces) }
            let (code, name, province) = (cell(codeColumn), cell(nameColumn), cell(provinceColumn))
            var rowErrors: [Issue] = []
            if code.count != 5 || !code.allSatisfy({ $0.isASCII && $0.isNumber }) {
                rowErrors.append(Issue(row: row, column: header.fields[codeColumn], reason: "'\(code)' is not a 5-digit commune code"))
            } else if let earlier = firstRow[code] {
                rowErrors.append(Issue(row: row, column: header.fields[codeColumn], reason: "commune code \(code) is already on row \(earlier)"))
            }
            if !provinces.contains(province) {
                rowErrors.append(
                    Issue(row: row, column: header.fields[provinceColumn], reason: "'\(province)' is not a province code in force from \(validFrom)"))
            }
            let kind = kinds.first { name.hasPrefix($0.prefix) }?.kind
            if kind == nil {
                rowErrors.append(Issue(row: row, column: header.fields[nameColumn], reason: "'\(name)' does not start with Xã, Phường or Đặc khu"))
            }
            guard rowErrors.isEmpty, let kind else {
                errors += rowErrors
                continue
            }
            firstRow[code] = row
            communes.append(CommuneUnit(code: code, name: name, kind: kind, provinceCode: province, validFrom: validFrom, validTo: nil))
        }
        return (communes, errors)
    }

    /// `communesCSV` (an areas directory's `communes.csv`) with every listed commune it lacks appended, in code order.
    /// A commune it already has is kept as it is; when the list disagrees with it (name or province), that is reported.
    /// The same inputs always give the same text.
    public static func merge(
        communesCSV: String, with communes: [CommuneUnit], source: String
    ) -> (csv: String, added: Int, disagreements: [String]) {
        let existing = CSV.records(communesCSV).filter { ($0["valid_to"] ?? "").isEmpty }
        let held = Dictionary(existing.map { ($0["code"] ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        var disagreements: [String] = []
        var lines: [String] = []
        for unit in communes.sorted(by: { $0.code < $1.code }) {
            if let row = held[unit.code] {
                if row["name"] != unit.name || row["province_code"] != unit.provinceCode {
                    disagreements.append(
                        "commune \(unit.code): the list has '\(unit.name)' in province \(unit.provinceCode), the areas data '\(row["name"] ?? "")' in province \(row["province_code"] ?? ""); the areas data is kept")
                }
                continue
            }
            lines.append(CSV.line([unit.code, unit.name, unit.kind, unit.provinceCode, validFrom, "", source]))
        }
        let base = communesCSV.hasSuffix("\n") || communesCSV.isEmpty ? communesCSV : communesCSV + "\n"
        return (base + lines.joined(), lines.count, disagreements)
    }
}

extension OfficialCommuneList {
    /// What ``makeDirectory(from:into:source:)`` did.
    public struct Summary: Sendable, Hashable {
        /// Communes in the list.
        public var listed: Int
        /// Communes the shipped data lacked, now added.
        public var added: Int
        /// Listed communes whose shipped row says otherwise (kept).
        public var disagreements: [String]
    }

    /// Writes an areas directory: the shipped files, with the listed communes they lack added to `communes.csv`.
    /// Nothing is written when the list has errors: an official list should load whole.
    public static func makeDirectory(from listText: String, into target: URL, source: String) throws -> (summary: Summary?, errors: [Issue]) {
        let shipped = try AreaRegistry.bundledDirectory()
        let provinces = Set(
            CSV.records(try String(contentsOf: shipped.appendingPathComponent("provinces.csv"), encoding: .utf8))
                .filter { ($0["valid_from"] ?? "") >= validFrom }
                .compactMap { $0["code"] })
        let list = read(listText, provinces: provinces)
        guard list.errors.isEmpty else { return (nil, list.errors) }
        let shippedCommunes = try String(contentsOf: shipped.appendingPathComponent("communes.csv"), encoding: .utf8)
        let merged = merge(communesCSV: shippedCommunes, with: list.communes, source: source)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in ["provinces.csv", "former_units.csv", "crosswalk.csv"] {
            try Data(contentsOf: shipped.appendingPathComponent(name)).write(to: target.appendingPathComponent(name))
        }
        try Data(merged.csv.utf8).write(to: target.appendingPathComponent("communes.csv"))
        return (Summary(listed: list.communes.count, added: merged.added, disagreements: merged.disagreements), [])
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
