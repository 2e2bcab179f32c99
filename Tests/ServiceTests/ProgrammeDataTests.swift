import EventContracts
import Foundation
@testable import LoanReferral
import Testing

/// Programmes as dated data: figures that a decision changes from a day on, and classes a programme excludes. The
/// figures here are made up for the test (no such decision is in the sources); what is checked is that each day
/// reads the figures in force on it.
@Suite struct ProgrammeDataTests {
    static let programme: LoanProgramme = {
        var p = LoanProgramme(
            id: "p", name: "P", legalBasis: "test", rule: .householdClass([.poor, .nearPoor, .averageLiving]), maxLoanVnd: 100_000_000,
            maxTermMonths: 120, rates: [.init(from: "2000-01-01", percent: 6.6)])
        p.changes = [
            .init(from: "2028-01-01", maxTermMonths: 60, source: "decision B", confidence: "U"),
            .init(from: "2027-01-01", maxLoanVnd: 150_000_000, source: "decision A", confidence: "U"),
        ]
        return p
    }()

    @Test func eachDayReadsTheFiguresInForceOnIt() {
        let figures = ["2026-12-31", "2027-01-01", "2028-06-01"].map { day in
            let terms = Self.programme.terms(on: day)
            return [Int(terms.maxLoanVnd), terms.maxTermMonths]
        }
        #expect(figures == [[100_000_000, 120], [150_000_000, 120], [150_000_000, 60]])
        let referral = ReferralRules.referrals(for: classification(.poor, surveyDate: "2027-02-01"), programmes: [Self.programme])
        #expect(referral.map(\.maxLoanVnd) == [150_000_000] && referral.map(\.maxTermMonths) == [120])
    }

    @Test func anApprovalsTermIsCheckedAgainstTheTermOnItsDay() {
        let terms = ReferralTerms(householdId: "h1", status: .referred, programme: Self.programme, maxLoanVnd: 150_000_000)
        var loan = Loan(referralId: "r1", householdId: "h1", programmeId: "p")
        (loan.cycle, loan.stage) = (1, .confirmed)
        func approve(on day: String) -> [String] {
            let event = BankLoanEvent(householdId: "h1", referralId: "r1", kind: .approved, occurredOn: day, amountVnd: 50_000_000, termMonths: 96)
            guard case .failure(let failure) = LoanLifecycle.apply(event, to: loan, terms: terms, today: "2030-01-01") else { return [] }
            return failure.errors.map(\.field)
        }
        #expect(approve(on: "2027-12-31") == [])
        #expect(approve(on: "2028-01-02") == ["termMonths"], "96 months is over the 60 in force from 2028")
    }

    @Test func anExcludedClassIsNotReferredWhateverTheRuleSays() {
        var programme = Self.programme
        programme.excludedClasses = [.poor, .nearPoor]
        #expect(ReferralRules.referrals(for: classification(.poor), programmes: [programme]).isEmpty)
        #expect(ReferralRules.referrals(for: classification(.averageLiving), programmes: [programme]).map(\.programmeId) == ["p"])
    }

    @Test func badProgrammeDataIsRefusedNamingEachField() throws {
        var catalogue = ProgrammeCatalogue(revision: 1, programmes: [Self.programme])
        catalogue.programmes[0].changes = [.init(from: "2027-13-01", source: " ", confidence: "X")]
        catalogue.programmes[0].rates[0].from = "soon"
        #expect {
            try ProgrammeCatalogue.load(try JSONEncoder().encode(catalogue))
        } throws: { error in
            (error as? ValidationFailure)?.errors.map(\.field) == [
                "programmes[0].rates[0].from", "programmes[0].changes[0].from", "programmes[0].changes[0].confidence",
                "programmes[0].changes[0].source",
            ]
        }
        #expect(try ProgrammeCatalogue.bundled().programmes.count == 4, "the shipped data passes")
    }
}
