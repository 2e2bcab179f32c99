import ArgumentParser
import LoanReferral
import ServiceRuntime

/// `loan-referral`: refers eligible households to VBSP programmes.
@main
struct LoanReferralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "loan-referral", abstract: "Refers poor, near-poor and newly-escaped households to VBSP.")
    @OptionGroup var options: CommonOptions

    func run() async throws { try await LoanReferralService.run(options: options) }
}
