import ArgumentParser
import Reporting
import ServiceRuntime

/// `reporting`: area reports for dashboards.
@main
struct ReportingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reporting", abstract: "Aggregates results per commune and province and serves the dashboard.")
    @OptionGroup var options: CommonOptions

    func run() async throws { try await ReportingService.run(options: options) }
}
