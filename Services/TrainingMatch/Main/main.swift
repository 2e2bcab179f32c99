import ArgumentParser
import ServiceRuntime
import TrainingMatch

/// `training-match`: working-age members of eligible households as training and job candidates.
@main
struct TrainingMatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "training-match", abstract: "Matches working-age members of eligible households to training and jobs.")
    @OptionGroup var options: CommonOptions

    func run() async throws { try await TrainingMatchService.run(options: options) }
}
