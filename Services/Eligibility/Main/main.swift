import ArgumentParser
import Eligibility
import ServiceRuntime

/// `eligibility`: classifies households under the poverty standard in force.
@main
struct EligibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eligibility", abstract: "Classifies households under the multidimensional poverty standard.")
    @OptionGroup var options: CommonOptions

    @Option(help: "A standards catalogue file to use instead of the shipped one (env STANDARDS_FILE).")
    var standardsFile: String?

    @Option(help: "Reclassify the stored households at start when the catalogue revision is new: true or false (env RECLASSIFY_AT_START; default true).")
    var reclassifyAtStart: Bool?

    func run() async throws {
        try await EligibilityService.run(
            options: options, settings: EligibilitySettings(standardsFile: standardsFile, reclassifyAtStart: reclassifyAtStart))
    }
}
