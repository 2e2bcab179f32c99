import ArgumentParser
import Intake
import ServiceRuntime

/// `intake`: the household registry service.
@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intake", abstract: "Household registry: surveys in, household snapshots out.")
    @OptionGroup var options: CommonOptions

    func run() async throws { try await IntakeService.run(options: options) }
}
