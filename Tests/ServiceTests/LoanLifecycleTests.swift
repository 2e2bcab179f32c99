import EventContracts
import Foundation
@testable import LoanReferral
import Testing

/// A loan's path, event by event. Expected stages and refusals are written from the bank's procedure
/// (docs/loan-programmes.md, docs/agencies/vbsp.md): request (01/TD) → group vetting (03/TD) → commune confirmation →
/// approval or rejection (04/TD) → disbursement → instalments, overdue, extension, rescheduling, freezing, write-off,
/// repayment. Caps, terms and rates are the poor-household programme's: 100,000,000 VND, 120 months, 6.24 %/year from
/// 1 Dec 2025 (Decision 2553/QĐ-TTg), 6.6 before.
@Suite struct LoanLifecycleTests {
    static let poor = LoanProgramme(
        id: "vbsp-poor-household", name: "Cho vay hộ nghèo", legalBasis: "Decree 78/2002/NĐ-CP", rule: .householdClass([.poor]),
        maxLoanVnd: 100_000_000, maxTermMonths: 120,
        rates: [.init(from: "2000-01-01", percent: 6.6), .init(from: "2025-12-01", percent: 6.24)])
    static let terms = ReferralTerms(householdId: "h1", status: .referred, programme: poor, maxLoanVnd: 100_000_000)
    static let today = "2026-12-05"

    static func event(_ kind: LoanEventKind, on date: String, amount: Int64? = nil, term: Int? = nil, rate: Double? = nil,
                      point: String? = nil, dueOn: String? = nil, reason: String? = nil, programme: String? = nil) -> BankLoanEvent {
        BankLoanEvent(
            householdId: "h1", referralId: "r1", kind: kind, occurredOn: date, amountVnd: amount, termMonths: term, annualRatePercent: rate,
            programmeId: programme, transactionPoint: point, dueOn: dueOn, reason: reason)
    }

    /// A valid event of each kind, dated 2026-06-01 (after every path below).
    static func valid(_ kind: LoanEventKind) -> BankLoanEvent {
        switch kind {
        case .approved: event(kind, on: "2026-06-01", amount: 30_000_000, term: 36)
        case .rejected, .writtenOff: event(kind, on: "2026-06-01", reason: "thiệt hại do thiên tai")
        case .disbursed: event(kind, on: "2026-06-01", amount: 30_000_000, rate: 6.24, point: "Điểm giao dịch xã Phú Bình")
        case .instalmentPaid: event(kind, on: "2026-06-01", amount: 1_000_000)
        case .overdue: event(kind, on: "2026-06-01", amount: 1_000_000)
        case .extended, .rescheduled: event(kind, on: "2026-06-01", dueOn: "2031-01-10")
        default: event(kind, on: "2026-06-01")
        }
    }

    /// The events that bring a new loan to each stage, dated in January 2026.
    static let paths: [LoanStage: [BankLoanEvent]] = {
        let applied = [event(.applicationReceived, on: "2026-01-02")]
        let confirmed = applied + [event(.groupVetted, on: "2026-01-03"), event(.communeConfirmed, on: "2026-01-05")]
        let approved = confirmed + [event(.approved, on: "2026-01-07", amount: 50_000_000, term: 36)]
        let disbursed = approved + [event(.disbursed, on: "2026-01-10", amount: 40_000_000, rate: 6.24, point: "Điểm giao dịch xã Phú Bình")]
        let frozen = disbursed + [event(.frozen, on: "2026-01-20")]
        return [
            .applied: applied, .vetted: Array(confirmed.prefix(2)), .confirmed: confirmed, .approved: approved,
            .rejected: applied + [event(.rejected, on: "2026-01-04", reason: "không đủ hồ sơ")], .disbursed: disbursed,
            .overdue: disbursed + [event(.overdue, on: "2026-01-20", amount: 5_000_000)], .frozen: frozen,
            .repaid: disbursed + [event(.repaid, on: "2026-01-20")], .writtenOff: frozen + [event(.writtenOff, on: "2026-01-25", reason: "thiên tai")],
        ]
    }()

    static func loan(at stage: LoanStage) throws -> Loan? {
        if stage == .withdrawn {
            return LoanLifecycle.withdraw(try loan(at: .applied), referralId: "r1", householdId: "h1", programmeId: poor.id, on: "2026-01-03", reason: "x")
        }
        var loan: Loan?
        for step in paths[stage]! { loan = try LoanLifecycle.apply(step, to: loan, terms: terms, today: today).get() }
        #expect(loan?.stage == stage)
        return loan
    }

    /// Which stage each kind of event may follow, and where it leads (nil: refused), by hand from the procedure.
    static let expected: [LoanEventKind: [LoanStage: LoanStage]] = [
        .applicationReceived: [.rejected: .applied, .repaid: .applied, .writtenOff: .applied, .withdrawn: .applied],
        .groupVetted: [.applied: .vetted],
        .communeConfirmed: [.vetted: .confirmed],
        .approved: [.confirmed: .approved],
        .rejected: [.applied: .rejected, .vetted: .rejected, .confirmed: .rejected],
        .disbursed: [.approved: .disbursed],
        .instalmentPaid: [.disbursed: .disbursed, .overdue: .overdue],  // 1M of 5M overdue: still overdue
        .overdue: [.disbursed: .overdue, .overdue: .overdue],
        .extended: [.disbursed: .disbursed, .overdue: .disbursed],
        .rescheduled: [.disbursed: .disbursed, .overdue: .disbursed],
        .frozen: [.disbursed: .frozen, .overdue: .frozen],
        .writtenOff: [.disbursed: .writtenOff, .overdue: .writtenOff, .frozen: .writtenOff],
        .repaid: [.disbursed: .repaid, .overdue: .repaid, .frozen: .repaid],
    ]

    @Test(arguments: LoanEventKind.allCases)
    func everyKindMovesFromTheStagesTheProcedureAllowsAndIsRefusedFromEveryOther(_ kind: LoanEventKind) throws {
        for stage in LoanStage.allCases {
            let before = try Self.loan(at: stage)
            let result = LoanLifecycle.apply(Self.valid(kind), to: before, terms: Self.terms, today: Self.today)
            switch (Self.expected[kind]![stage], result) {
            case (let next?, .success(let loan)):
                #expect(loan.stage == next, "\(kind) from \(stage)")
                #expect(loan.history.count == (before?.history.count ?? 0) + 1 && loan.history.last?.kind == kind.rawValue)
            case (nil, .failure(let failure)):
                #expect(failure.errors.map(\.field) == ["kind"], "\(kind) from \(stage): \(failure)")
            case (let next, let other):
                Issue.record("\(kind) from \(stage): expected \(next.map(\.rawValue) ?? "a refusal"), got \(other)")
            }
        }
    }

    @Test func onlyARequestStartsALoan() {
        for kind in LoanEventKind.allCases {
            let result = LoanLifecycle.apply(Self.valid(kind), to: nil, terms: Self.terms, today: Self.today)
            if kind == .applicationReceived {
                #expect((try? result.get())?.stage == .applied && (try? result.get())?.cycle == 1)
            } else {
                #expect((try? result.get()) == nil, "\(kind) before any request")
            }
        }
    }

    @Test func aDisbursementSetsTheBalanceTheRateInForceAndTheDueDate() throws {
        let loan = try #require(try Self.loan(at: .disbursed))
        #expect(loan.outstandingVnd == 40_000_000 && loan.disbursedVnd == 40_000_000)
        #expect(loan.annualRatePercent == 6.24 && loan.termMonths == 36 && loan.dueOn == "2029-01-10")
        let paid = try LoanLifecycle.apply(Self.event(.instalmentPaid, on: "2026-02-10", amount: 1_500_000), to: loan, terms: Self.terms, today: Self.today).get()
        #expect(paid.outstandingVnd == 38_500_000 && paid.stage == .disbursed)
    }

    @Test func anInstalmentThatCoversWhatIsOverdueEndsTheOverdue() throws {
        let overdue = try #require(try Self.loan(at: .overdue))
        #expect(overdue.overdueVnd == 5_000_000)
        let cleared = try LoanLifecycle.apply(Self.event(.instalmentPaid, on: "2026-02-01", amount: 5_000_000), to: overdue, terms: Self.terms, today: Self.today).get()
        #expect(cleared.stage == .disbursed && cleared.overdueVnd == nil && cleared.outstandingVnd == 35_000_000)
    }

    @Test func repaidAndWrittenOffSettleTheBalanceAndANewRequestStartsTheNextCycle() throws {
        let repaid = try #require(try Self.loan(at: .repaid))
        #expect(repaid.outstandingVnd == 0 && repaid.history.last?.amountVnd == 40_000_000)
        let writtenOff = try #require(try Self.loan(at: .writtenOff))
        #expect(writtenOff.outstandingVnd == 0 && writtenOff.history.last?.amountVnd == 40_000_000)
        let again = try LoanLifecycle.apply(Self.event(.applicationReceived, on: "2026-03-01"), to: repaid, terms: Self.terms, today: Self.today).get()
        #expect(again.cycle == 2 && again.stage == .applied && again.disbursedVnd == nil && again.history.count == repaid.history.count + 1)
    }

    /// Each refusal names its field; several faults are all reported.
    @Test(arguments: [
        // (event, loan stage before, the fields refused)
        (event(.approved, on: "2026-02-01", amount: 120_000_000, term: 36), LoanStage.confirmed, ["amountVnd"]),
        (event(.approved, on: "2026-02-01", amount: 50_000_000, term: 121), .confirmed, ["termMonths"]),
        (event(.approved, on: "2026-02-01"), .confirmed, ["amountVnd", "termMonths"]),
        (event(.disbursed, on: "2026-02-01", amount: 40_000_000, rate: 6.24, point: "x"), .confirmed, ["kind"]),
        (event(.disbursed, on: "2026-02-01", amount: 60_000_000, rate: 6.24, point: "x"), .approved, ["amountVnd"]),
        (event(.disbursed, on: "2026-02-01", amount: 40_000_000, rate: 6.6, point: "x"), .approved, ["annualRatePercent"]),
        (event(.disbursed, on: "2026-02-01", amount: 40_000_000, rate: 6.24, point: "x", programme: "vbsp-near-poor-household"), .approved, ["programmeId"]),
        (event(.disbursed, on: "2026-02-01", amount: 40_000_000, rate: 6.24), .approved, ["transactionPoint"]),
        (event(.disbursed, on: "2026-02-01", amount: 40_000_000, term: 48, rate: 6.24, point: "x"), .approved, ["termMonths"]),
        (event(.instalmentPaid, on: "2026-02-01", amount: 40_000_001), .disbursed, ["amountVnd"]),
        (event(.instalmentPaid, on: "2026-02-01", amount: 0), .disbursed, ["amountVnd"]),
        (event(.repaid, on: "2026-02-01", amount: 1), .disbursed, ["amountVnd"]),
        (event(.rejected, on: "2026-02-01", reason: " "), .applied, ["reason"]),
        (event(.writtenOff, on: "2026-02-01"), .frozen, ["reason"]),
        (event(.extended, on: "2026-02-01"), .disbursed, ["dueOn"]),
        (event(.extended, on: "2026-02-01", dueOn: "2028-01-10"), .disbursed, ["dueOn"]),  // before the due date 2029-01-10
        (event(.groupVetted, on: "2026-01-01"), .applied, ["occurredOn"]),  // before the request of 2026-01-02
        (event(.groupVetted, on: "2026-12-06"), .applied, ["occurredOn"]),  // after today
        (event(.groupVetted, on: "2026-02-30"), .applied, ["occurredOn"]),
        (event(.frozen, on: "2026-01-01", reason: nil), .approved, ["occurredOn", "kind"]),
    ])
    func badEventsAreRefusedNamingEachField(_ event: BankLoanEvent, _ stage: LoanStage, _ fields: [String]) throws {
        let before = try Self.loan(at: stage)
        let result = LoanLifecycle.apply(event, to: before, terms: Self.terms, today: Self.today)
        guard case .failure(let failure) = result else { Issue.record("accepted: \(event)"); return }
        #expect(failure.errors.map(\.field) == fields, "\(failure)")
    }

    @Test func theBankLendsOnlyOnARecognisedReferralOfTheSameHousehold() {
        var terms = Self.terms
        terms.status = .candidate
        let request = Self.event(.applicationReceived, on: "2026-02-01")
        #expect(LoanLifecycle.apply(request, to: nil, terms: terms, today: Self.today).fieldsRefused == ["referralId"])
        terms.status = .withdrawn
        #expect(LoanLifecycle.apply(request, to: nil, terms: terms, today: Self.today).fieldsRefused == ["referralId"])
        var other = request
        other.householdId = "h2"
        #expect(LoanLifecycle.apply(other, to: nil, terms: Self.terms, today: Self.today).fieldsRefused == ["householdId"])
    }

    @Test func aWithdrawalEndsARequestNotYetApprovedAndLeavesAnApprovedLoan() throws {
        for stage in [LoanStage.applied, .vetted, .confirmed] {
            let withdrawn = LoanLifecycle.withdraw(try Self.loan(at: stage), referralId: "r1", householdId: "h1", programmeId: "p", on: "2026-02-01", reason: "now averageLiving")
            #expect(withdrawn?.stage == .withdrawn && withdrawn?.history.last?.reason == "now averageLiving")
        }
        for stage in [LoanStage.approved, .disbursed, .overdue, .frozen, .repaid, .rejected] {
            #expect(LoanLifecycle.withdraw(try Self.loan(at: stage), referralId: "r1", householdId: "h1", programmeId: "p", on: "2026-02-01", reason: "x") == nil)
        }
    }
}

extension Result where Success == Loan, Failure == ValidationFailure {
    var fieldsRefused: [String] {
        if case .failure(let failure) = self { return failure.errors.map(\.field) }
        return []
    }
}
