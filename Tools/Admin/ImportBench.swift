import Access
import ArgumentParser
import Areas
import Foundation
import EventContracts
import Intake

/// The CSV import rate of a running intake: a demo file written first (not timed), imported, then imported again
/// (every household unchanged).
struct ImportBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-import", abstract: "CSV import rate of a running intake.")
    @Option(help: "Intake's base URL.") var intake = "http://127.0.0.1:8081"
    @OptionGroup var auth: AdminAuth
    @Option(help: "Households in the file.") var households = 100_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 7
    @Option(help: "Serial of the first household: keeps its CCCD numbers clear of households other runs posted.") var firstSerial = 5_000_000
    @Option(help: "Communes per seed province.") var communesPerProvince = 25

    func run() throws {
        let path = NSTemporaryDirectory() + "giamngheo-bench-import-\(UUID().uuidString.prefix(8)).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let communes = DemoHouseholds.demoCommunes(try AreaRegistry.bundled(), perProvince: communesPerProvince)
        try writeDemoCSV(to: path, households: households, seed: seed, firstSerial: firstSerial, communes: communes)
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        let upload = try FileUpload(
            baseURL: intake, token: try auth.bearer(roles: [.provinceOfficer], provinces: try AreaRegistry.bundled().provinceNames.keys.sorted()))

        func timedImport() throws -> (ImportReport, Double) {
            let start = ContinuousClock.now
            let reply = try upload.post("/v1/household-imports", file: path, contentType: "text/csv")
            let elapsed = ContinuousClock.now - start
            guard reply.status == 200, let report = try? EventJSON.decode(ImportReport.self, from: reply.body), report.totals.households == households
            else {
                throw ValidationError("intake answered \(reply.status): \(reply.text.prefix(2_000))")
            }
            return (report, elapsed.inSeconds)
        }
        let (first, firstSeconds) = try timedImport()
        let (second, secondSeconds) = try timedImport()
        guard second.totals.unchanged == households else {
            throw ValidationError("the second import changed \(households - second.totals.unchanged) households")
        }
        print("intake.csv_import_households \(households) (\(first.totals.created) created, \(first.totals.rows) rows, \(bytes) bytes)")
        print(String(format: "intake.csv_import_households_per_s %.0f", Double(households) / firstSeconds))
        print(String(format: "intake.csv_reimport_households_per_s %.0f (every household unchanged)", Double(households) / secondSeconds))
    }
}
