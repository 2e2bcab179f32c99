import ArgumentParser
import Eligibility
import ServiceRuntime

/// `eligibility`: classifies households under the poverty standard in force.
@main
struct EligibilityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eligibility", abstract: "Classifies households under the multidimensional poverty standard.")
    @OptionGroup var options: CommonOptions

    func run() async throws { try await EligibilityService.run(options: options) }
}
