import BankOffice
import EventContracts
import Foundation
@testable import LoanReferral
import Testing

/// The simulated VBSP office's plans. Amounts and kinds are worked by hand from the office's documented conduct
/// (docs/agencies/vbsp.md "The office simulator"): quarterly instalments of the principal over the number of quarters,
/// rounded down to 1,000 VND; an overdue report of the missed instalment; an early repayment of what is left.
@Suite struct BankOfficePlanTests {
    static let referral = LoanReferral(
        referralId: "r-1", programmeId: "vbsp-poor-household", programmeName: "Cho vay hộ nghèo", legalBasis: "Decree 78/2002/NĐ-CP",
        maxLoanVnd: 100_000_000, annualRatePercent: 6.24, maxTermMonths: 120, reason: "poor", status: .referred, referredOn: "2025-11-20")
    static let today = CalendarDate("2026-12-06")!

    static func plan(_ script: LoanScript?, referral: LoanReferral = referral, today: CalendarDate = today, seed: UInt64 = 1)
        -> [PlannedBankEvent]
    {
        BankOfficePlan.events(
            for: referral, householdId: "h-1", communeCode: "01843", transactionPoint: "Điểm giao dịch phường Bắc Kạn",
            policy: BankOfficePolicy(seed: seed, scripts: script.map { ["h-1": $0] } ?? [:]), today: today)
    }

    @Test func anOverdueLoanPaysItsFirstInstalmentThenMissesTheSecond() throws {
        let plan = Self.plan(LoanScript(path: .overdue, amountVnd: 60_000_000, termMonths: 60, instalments: 1))
        #expect(plan.map(\.event.kind) == [.applicationReceived, .groupVetted, .communeConfirmed, .approved, .disbursed, .instalmentPaid, .overdue])
        // 60,000,000 over 20 quarters: 3,000,000 a quarter.
        #expect(plan.map(\.event.amountVnd) == [nil, nil, nil, 60_000_000, 60_000_000, 3_000_000, 3_000_000])
        #expect(plan[3].event.termMonths == 60 && plan[4].event.transactionPoint == "Điểm giao dịch phường Bắc Kạn")
        #expect(plan[4].event.programmeId == "vbsp-poor-household")
        let dates = plan.map { CalendarDate($0.event.occurredOn)! }
        #expect(dates == dates.sorted() && dates[0] > CalendarDate("2025-11-20")! && dates.last! <= Self.today)
        // Disbursed on the commune's fixed day after the approval; the instalment a quarter later; overdue 10 days
        // after the second instalment's date.
        let disbursed = dates[4]
        #expect((5...25).contains(disbursed.day) && disbursed > dates[3] && disbursed <= dates[3].adding(months: 1))
        #expect(dates[5] == disbursed.adding(months: 3) && dates[6] == disbursed.adding(months: 6).adding(days: 10))
        #expect(plan.map(\.id) == ["applicationReceived", "groupVetted", "communeConfirmed", "approved", "disbursed", "instalmentPaid-1", "overdue"]
            .map { "r-1/1/\($0)" })
    }

    @Test func anEarlyRepaymentPaysWhatIsLeft() {
        // 50,000,000 over 12 quarters: 4,166,666.67, rounded down to 4,166,000; two paid leave 41,668,000.
        let plan = Self.plan(LoanScript(path: .repaid, amountVnd: 50_000_000, termMonths: 36, instalments: 2))
        #expect(plan.map(\.event.kind).suffix(4) == [.disbursed, .instalmentPaid, .instalmentPaid, .repaid])
        #expect(plan.map(\.event.amountVnd).suffix(4) == [50_000_000, 4_166_000, 4_166_000, 41_668_000])
    }

    @Test func eachPathEndsWhereItSays() {
        func kinds(_ path: LoanPath) -> [LoanEventKind] { Self.plan(LoanScript(path: path, amountVnd: 30_000_000, instalments: 1)).map(\.event.kind) }
        let start: [LoanEventKind] = [.applicationReceived, .groupVetted, .communeConfirmed]
        #expect(kinds(.awaitingDecision) == start)
        #expect(kinds(.rejected) == start + [.rejected])
        #expect(kinds(.approved) == start + [.approved])
        #expect(kinds(.onSchedule) == start + [.approved, .disbursed, .instalmentPaid])
        let rejection = Self.plan(LoanScript(path: .rejected))[3].event.reason ?? ""
        #expect(!rejection.isEmpty)
    }

    @Test func nothingIsSentForAReferralThatIsNotReferredOrBeforeItsDay() {
        var candidate = Self.referral
        candidate.status = .candidate
        #expect(Self.plan(nil, referral: candidate).isEmpty)
        candidate.status = .withdrawn
        #expect(Self.plan(nil, referral: candidate).isEmpty)
        #expect(Self.plan(nil, today: CalendarDate("2025-11-22")!).isEmpty, "the household applies 3 days after the referral at the earliest")
    }

    @Test func aLaterDayExtendsThePlanWithoutChangingWhatWasSent() {
        let script = LoanScript(path: .onSchedule, amountVnd: 30_000_000)
        let full = Self.plan(script, today: CalendarDate("2027-12-31")!)
        for day in ["2025-12-01", "2025-12-20", "2026-02-15", "2026-06-30", "2026-12-06"] {
            let partial = Self.plan(script, today: CalendarDate(day)!)
            #expect(Array(full.prefix(partial.count)) == partial, "\(day)")
            #expect(partial.allSatisfy { $0.event.occurredOn <= day })
        }
        #expect(Self.plan(script) == Self.plan(script), "the same inputs give the same plan")
    }

    /// Over many referrals with the default shares, every planned event is one the loan state machine accepts, and
    /// the paths come out near their shares (80 % approved; of those 95 % disbursed).
    @Test func drawnPlansAreAcceptedByTheLoanLifecycle() throws {
        let programme = try #require(try ProgrammeCatalogue.bundled().programmes.first { $0.id == "vbsp-poor-household" })
        var finals: [LoanStage: Int] = [:]
        for n in 0..<400 {
            var referral = Self.referral
            referral.referralId = "r-\(n)"
            let terms = ReferralTerms(householdId: "h-1", status: .referred, programme: programme, maxLoanVnd: referral.maxLoanVnd)
            var loan: Loan?
            for planned in Self.plan(nil, referral: referral) {
                switch LoanLifecycle.apply(planned.event, to: loan, terms: terms, today: Self.today.description) {
                case .success(let next): loan = next
                case .failure(let failure): Issue.record("\(planned.id): \(failure.errors)")
                }
            }
            finals[loan?.stage ?? .applied, default: 0] += 1
        }
        let approved = 400 - finals[.rejected, default: 0]
        #expect((300...340).contains(approved), "\(finals)")
        #expect(finals[.approved, default: 0] < 40 && finals[.overdue, default: 0] > 15 && finals[.repaid, default: 0] > 3, "\(finals)")
    }

    @Test func dayArithmeticCrossesMonthsAndYears() {
        #expect(CalendarDate("2025-12-30")!.adding(days: 3).description == "2026-01-02")
        #expect(CalendarDate("2028-02-27")!.adding(days: 2).description == "2028-02-29")
        #expect(CalendarDate("2026-03-01")!.adding(days: -1).description == "2026-02-28")
        #expect(CalendarDate("2026-01-05")!.adding(days: -36).description == "2025-11-30")
        #expect(CalendarDate("2026-01-05")!.adding(days: 365).description == "2027-01-05")
    }
}
