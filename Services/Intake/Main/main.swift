import ArgumentParser
import Intake
import ServiceRuntime

/// `intake`: the household registry service.
@main
struct IntakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "intake", abstract: "Household registry: surveys in, household snapshots out.")
    @OptionGroup var options: CommonOptions

    @Option(help: "A review calendar file (rounds' windows) to use instead of the shipped one (env REVIEW_CALENDAR_FILE).")
    var reviewCalendarFile: String?

    @Option(help: "The deployment's household id key file (env HOUSEHOLD_ID_KEY_FILE; required; docs/operations.md).")
    var householdIdKeyFile: String?

    func run() async throws {
        try await IntakeService.run(options: options, reviewCalendarFile: reviewCalendarFile, householdIdKeyFile: householdIdKeyFile)
    }
}
