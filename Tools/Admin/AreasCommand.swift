import ArgumentParser
import Areas
import Foundation

/// `giamngheo-admin areas`: build an areas directory with the whole country's communes, and check one.
struct AreasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "areas", abstract: "Load the official commune list into an areas directory (AREAS_DIR), or check one.",
        subcommands: [ImportList.self, Check.self])

    /// Writes the shipped area files into `--into`, with the communes of the official list that they lack.
    struct ImportList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Write an areas directory: the shipped data plus the communes of the official list (docs/areas.md).")

        @Option(help: "The official commune list, CSV (UTF-8) with columns 'Mã xã', 'Tên xã', 'Mã tỉnh' (or code, name, province_code).")
        var communes: String

        @Option(help: "The directory to write (created if needed); point AREAS_DIR at it.")
        var into: String

        @Option(help: "What the new rows cite as their source.")
        var source = "QĐ 19/2025/QĐ-TTg (official list, imported)"

        func run() throws {
            let result = try OfficialCommuneList.makeDirectory(
                from: try String(contentsOfFile: communes, encoding: .utf8), into: URL(fileURLWithPath: into), source: source)
            guard let summary = result.summary else {
                for error in result.errors.prefix(200) { print("error: \(error)") }
                if result.errors.count > 200 { print("… and \(result.errors.count - 200) more") }
                throw ExitCode(1)
            }
            for disagreement in summary.disagreements { print("kept: \(disagreement)") }
            print("\(summary.listed) communes in the list: \(summary.added) added, \(summary.listed - summary.added) already shipped")
            let registry = try AreaRegistry.load(directory: URL(fileURLWithPath: into))
            print("\(into): \(registry.communes(on: OfficialCommuneList.validFrom).count) communes in force from \(OfficialCommuneList.validFrom); set AREAS_DIR=\(into)")
        }
    }

    /// Loads a directory as the services would and counts its communes by province.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Load an areas directory and count its communes by province.")

        @Option(help: "The areas directory (default: AREAS_DIR, else the shipped data).")
        var dir: String?

        @Option(help: "The date the counts are for (YYYY-MM-DD).")
        var on = OfficialCommuneList.validFrom

        func run() throws {
            let registry = try dir.map { try AreaRegistry.load(directory: URL(fileURLWithPath: $0)) } ?? AreaRegistry.configured().registry
            let communes = registry.communes(on: on)
            let byProvince = Dictionary(grouping: communes, by: \.provinceCode)
            for code in registry.provinceNames.keys.sorted() {
                print("\(code) \(registry.provinceNames[code] ?? ""): \(byProvince[code]?.count ?? 0) communes")
            }
            print("\(communes.count) communes in \(byProvince.count) of \(registry.provinceNames.count) provinces on \(on)")
        }
    }
}
