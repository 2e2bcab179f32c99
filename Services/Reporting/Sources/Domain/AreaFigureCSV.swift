import Areas
import EventContracts
import Foundation

/// A file of area figures (denominators and targets) as an operator or a statistics office keeps them: one figure per
/// row, with the columns of ``AreaFigure``. Pure: the rows as figures, or every cell at fault named by row and column.
enum AreaFigureCSV {
    static let columns = ["areaCode", "year", "kind", "version", "households", "people", "poorHouseholdsReduction", "poorRatePercent",
                          "nearPoorRatePercent"] + baselineColumns + ["source"]
    /// A baseline's published figures (``PublishedYear``).
    static let baselineColumns = PublishedYear().households.map(\.name) + PublishedYear().rates.map(\.name)
    static let required: Set<String> = ["areaCode", "year", "kind", "version", "source"]
    static let maxRows = 20_000

    /// The figures by row number (the heading is row 1), or none and the problems, each naming `row N: column`.
    static func figures(_ text: String) -> (figures: [(row: Int, figure: AreaFigure)], problems: [FieldError]) {
        var tokenizer = CSVTokenizer()
        var records: [CSVTokenizer.Record] = []
        tokenizer.feed(text.utf8, into: &records)
        tokenizer.finish(into: &records)
        guard let first = records.first, !first.isBlank else {
            return ([], [FieldError("body", "the file is empty; its first line names the columns: \(columns.joined(separator: ","))")])
        }
        let heading = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        // Rows are numbered as a spreadsheet shows them (the heading is row 1), blank rows included.
        let lines = records.enumerated().dropFirst().filter { !$0.element.isBlank }.map { (row: $0.offset + 1, record: $0.element) }
        var problems: [FieldError] = []
        for column in heading where !columns.contains(column) {
            problems.append(FieldError("row 1: \(column.prefix(40))", "is not a column; the columns are \(columns.joined(separator: ","))"))
        }
        for column in required.subtracting(heading).sorted() { problems.append(FieldError("row 1: \(column)", "the column is missing")) }
        if lines.isEmpty { problems.append(FieldError("body", "the file has no figure under its heading")) }
        if lines.count > maxRows { problems.append(FieldError("body", "\(lines.count) rows; at most \(maxRows) in one file")) }
        for (row, record) in lines where !record.problems.isEmpty {
            problems.append(FieldError("row \(row)", "is not valid CSV: \(record.problems.map(\.kind.reason).joined(separator: "; "))"))
        }
        guard problems.isEmpty else { return ([], problems) }

        var figures: [(row: Int, figure: AreaFigure)] = []
        for (row, record) in lines {
            var cells: [String: String] = [:]
            for (index, column) in heading.enumerated() where index < record.fields.count { cells[column] = record.fields[index] }
            func text(_ column: String) -> String? {
                let value = cells[column]?.trimmingCharacters(in: .whitespaces) ?? ""
                return value.isEmpty ? nil : value
            }
            func number(_ column: String) -> Int? {
                guard let value = text(column) else { return nil }
                guard let number = Int(value) else {
                    problems.append(FieldError("row \(row): \(column)", "'\(value.prefix(40))' is not a whole number"))
                    return nil
                }
                return number
            }
            let kindText = text("kind") ?? ""
            let kind = AreaFigure.Kind(rawValue: kindText)
            if kind == nil { problems.append(FieldError("row \(row): kind", "'\(kindText.prefix(40))' is not denominator, target or baseline")) }
            let year = number("year"), version = number("version")
            if text("year") == nil { problems.append(FieldError("row \(row): year", "is empty")) }
            if text("version") == nil { problems.append(FieldError("row \(row): version", "is empty")) }
            var figure = AreaFigure(
                areaCode: text("areaCode") ?? "", year: year ?? 0, kind: kind ?? .denominator, version: version ?? 0,
                households: number("households"), people: number("people"), poorHouseholdsReduction: number("poorHouseholdsReduction"),
                poorRatePercent: text("poorRatePercent"), nearPoorRatePercent: text("nearPoorRatePercent"), source: text("source") ?? "")
            if kind == .baseline {
                figure.published = PublishedYear(
                    poorHouseholdsStart: number("poorHouseholdsStart"), poorHouseholdsEnd: number("poorHouseholdsEnd"),
                    nearPoorHouseholdsStart: number("nearPoorHouseholdsStart"), nearPoorHouseholdsEnd: number("nearPoorHouseholdsEnd"),
                    poorRateStartPercent: text("poorRateStartPercent"), poorRateEndPercent: text("poorRateEndPercent"),
                    nearPoorRateStartPercent: text("nearPoorRateStartPercent"), nearPoorRateEndPercent: text("nearPoorRateEndPercent"))
            } else {
                for column in Self.baselineColumns where text(column) != nil {
                    problems.append(FieldError("row \(row): \(column)", "belongs to a baseline, not a \(kindText)"))
                }
            }
            figures.append((row, figure))
        }
        if let duplicate = Dictionary(grouping: figures, by: \.figure.key).first(where: { $0.value.count > 1 }) {
            problems.append(FieldError(
                "row \(duplicate.value[1].row)", "gives \(duplicate.key) again (first on row \(duplicate.value[0].row)); one row per area, year and kind"))
        }
        return problems.isEmpty ? (figures, []) : ([], problems)
    }
}
