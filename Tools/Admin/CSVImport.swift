import Access
import ArgumentParser
import Areas
import EventContracts
import Foundation
import Intake

/// `import-csv`: streams a household CSV to intake and prints what became of it.
struct ImportCSV: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-csv",
        abstract: "Import a household CSV (docs/intake/csv-import.md) into intake.",
        discussion: "Prints the totals and every error with its row and column; exits with status 1 if any row was rejected.")
    @Argument(help: "The CSV file (UTF-8, with or without a byte-order mark).") var file: String
    @Option(help: "Intake's base URL.") var intake = "http://127.0.0.1:8081"
    @Flag(help: "Print the report as JSON instead of text.") var json = false
    @OptionGroup var auth: AdminAuth

    func run() throws {
        // A development token may change households of every province; a real one is the officer's own.
        let token = try auth.bearer(roles: [.provinceOfficer], provinces: try AreaRegistry.bundled().provinceNames.keys.sorted())
        let reply = try FileUpload(baseURL: intake, token: token).post("/v1/household-imports", file: file, contentType: "text/csv; charset=utf-8")
        guard [200, 207, 422].contains(reply.status), let report = try? EventJSON.decode(ImportReport.self, from: reply.body) else {
            throw ValidationError("intake answered \(reply.status): \(reply.text.prefix(2_000))")
        }
        if json {
            print(reply.text)
        } else {
            print(Self.summary(report, reportURL: "\(intake)/v1/household-imports/\(report.importId)"))
        }
        if report.status != .completed || report.totals.rejected > 0 { throw ExitCode(1) }
    }

    /// The report as an officer reads it: totals, then each error and warning on a line of its own.
    static func summary(_ report: ImportReport, reportURL: String) -> String {
        let t = report.totals
        var lines = [
            "import \(report.importId): \(report.status.rawValue)",
            "\(t.rows) rows, \(t.households) households: \(t.created) created, \(t.updated) updated, \(t.unchanged) unchanged, \(t.rejected) rejected",
        ]
        for (title, issues, more) in [("errors", report.errors, report.moreErrors), ("warnings", report.warnings, report.moreWarnings)]
        where !issues.isEmpty {
            lines.append("\(title):")
            lines += issues.map { "  \($0)" }
            if more > 0 { lines.append("  … and \(more) more: \(reportURL)") }
        }
        return lines.joined(separator: "\n")
    }
}

/// `csv-template`: the header of the household CSV, or its columns as the documentation's table.
struct CSVTemplate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "csv-template", abstract: "Print the household CSV header (or, with --markdown, the table of its columns).")
    @Flag(help: "Print the Markdown table of docs/intake/csv-import.md.") var markdown = false

    func run() {
        print(markdown ? HouseholdCSVColumns.markdownTable : HouseholdCSVWriter.headerLine, terminator: "")
    }
}

/// Writes `count` demo households as the household CSV to `path`, about a megabyte at a time (never whole in memory).
/// Household labels are `D` and the serial, which also makes the CCCD numbers unique.
func writeDemoCSV(to path: String, households count: Int, seed: UInt64, firstSerial: Int, communes: [CommuneUnit]) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ValidationError("cannot create \(path)") }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var generator = DemoHouseholds(seed: seed, communes: communes)
    var text = HouseholdCSVWriter.headerLine
    for serial in firstSerial..<firstSerial + count {
        text += HouseholdCSVWriter.rows(ref: "D\(serial)", generator.next(serial: serial))
        if text.utf8.count >= 1 << 20 {
            try handle.write(contentsOf: Data(text.utf8))
            text = ""
        }
    }
    try handle.write(contentsOf: Data(text.utf8))
}
