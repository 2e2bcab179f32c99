import Simulation
import EventContracts

/// Where a simulated transaction office takes one referral's loan.
public enum LoanPath: String, Codable, Sendable, CaseIterable {
    /// Applied, vetted by the group and confirmed by the commune; the office has not decided yet.
    case awaitingDecision
    case rejected
    /// Approved, not disbursed yet.
    case approved
    /// Disbursed; every instalment due by today paid.
    case onSchedule
    /// Disbursed; some instalments paid, then one missed.
    case overdue
    /// Disbursed; some instalments paid, then the rest repaid early.
    case repaid
}

/// A loan's path set by hand (for a demonstration or a test) instead of drawn.
public struct LoanScript: Codable, Sendable, Hashable {
    public var path: LoanPath
    /// Approved and disbursed principal; drawn when absent.
    public var amountVnd: Int64?
    /// Approved term; at most 60 months and the programme's maximum when absent.
    public var termMonths: Int?
    /// Instalments paid before the loan goes overdue or is repaid, or, on schedule, at most this many.
    public var instalments: Int?

    public init(path: LoanPath, amountVnd: Int64? = nil, termMonths: Int? = nil, instalments: Int? = nil) {
        self.path = path
        self.amountVnd = amountVnd
        self.termMonths = termMonths
        self.instalments = instalments
    }
}

/// How often the simulated office takes each path, and the loans set by hand.
public struct BankOfficePolicy: Sendable {
    public var seed: UInt64
    /// Share of requests approved; the rest are rejected.
    public var approveShare: Double
    /// Share of approved loans disbursed by today.
    public var disburseShare: Double
    /// Shares of disbursed loans that go overdue, and that are repaid early.
    public var overdueShare: Double
    public var repaidShare: Double
    /// By `householdId/programmeId`, or by `householdId` for all of a household's referrals.
    public var scripts: [String: LoanScript]

    public init(
        seed: UInt64 = 1, approveShare: Double = 0.8, disburseShare: Double = 0.95, overdueShare: Double = 0.1, repaidShare: Double = 0.05,
        scripts: [String: LoanScript] = [:]
    ) {
        self.seed = seed
        self.approveShare = approveShare
        self.disburseShare = disburseShare
        self.overdueShare = overdueShare
        self.repaidShare = repaidShare
        self.scripts = scripts
    }

    func script(_ householdId: String, _ programmeId: String) -> LoanScript? {
        scripts["\(householdId)/\(programmeId)"] ?? scripts[householdId]
    }
}

/// One event the office sends, with its `ce_id`.
public struct PlannedBankEvent: Sendable, Hashable {
    public var id: String
    public var event: BankLoanEvent
}

/// What a VBSP transaction office does with a referral, as a plan of bank events (docs/agencies/vbsp.md "The office
/// simulator"). Pure and deterministic: the same referral, policy and day give the same events with the same ids, so
/// playing a plan again changes nothing at loan-referral.
///
/// Timings: the household applies 3–27 days after the referral's day, the group vets 2–9 days later, the commune
/// confirms 1–5 days later and the office decides 1–4 days after that (about three working days). The office
/// disburses at the commune's transaction point on its fixed monthly day (the 5th–25th, fixed per commune) after the
/// approval. Principal is repaid quarterly from the disbursement, in equal instalments of the principal divided by the
/// number of quarters (rounded down to 1,000 VND); a missed instalment is reported overdue 10 days after its date, and
/// an early repayment comes 20 days after the last instalment paid (45 days after the disbursement when none was).
/// Nothing dated after `today` is sent.
public enum BankOfficePlan {
    static let rejectionReasons = [
        "Hộ không có phương án sử dụng vốn khả thi",
        "Hộ còn dư nợ quá hạn tại Ngân hàng Chính sách xã hội",
        "Hộ không còn nhu cầu vay vốn",
    ]

    public static func events(
        for referral: LoanReferral, householdId: String, communeCode: String, transactionPoint: String, policy: BankOfficePolicy,
        today: CalendarDate
    ) -> [PlannedBankEvent] {
        guard referral.status == .referred, let start = CalendarDate(referral.referredOn) else { return [] }
        let draw = SeededDraws(seed: policy.seed, key: referral.referralId)
        let script = policy.script(householdId, referral.programmeId) ?? drawnScript(draw, policy)
        let amount = script.amountVnd ?? drawnAmount(draw, cap: referral.maxLoanVnd)
        let term = script.termMonths ?? min(60, referral.maxTermMonths)
        var plan: [PlannedBankEvent] = []
        var stopped = false
        func add(_ step: String, _ kind: LoanEventKind, _ date: CalendarDate, amount: Int64? = nil, term: Int? = nil, reason: String? = nil,
                 point: String? = nil) {
            guard !stopped, date <= today else { stopped = true; return }
            let event = BankLoanEvent(
                householdId: householdId, referralId: referral.referralId, kind: kind, occurredOn: date.description, amountVnd: amount,
                termMonths: term, programmeId: kind == .disbursed ? referral.programmeId : nil, transactionPoint: point, reason: reason)
            plan.append(PlannedBankEvent(id: "\(referral.referralId)/1/\(step)", event: event))
        }
        let applied = start.adding(days: 3 + draw.int("applied", 25))
        let vetted = applied.adding(days: 2 + draw.int("vetted", 8))
        let confirmed = vetted.adding(days: 1 + draw.int("confirmed", 5))
        let decided = confirmed.adding(days: 1 + draw.int("decided", 4))
        add("applicationReceived", .applicationReceived, applied)
        add("groupVetted", .groupVetted, vetted)
        add("communeConfirmed", .communeConfirmed, confirmed)
        switch script.path {
        case .awaitingDecision: return plan
        case .rejected:
            add("rejected", .rejected, decided, reason: rejectionReasons[draw.int("reason", rejectionReasons.count)])
            return plan
        default: add("approved", .approved, decided, amount: amount, term: term)
        }
        guard script.path != .approved else { return plan }
        let disbursed = disbursementDay(after: decided, communeCode: communeCode)
        add("disbursed", .disbursed, disbursed, amount: amount, point: transactionPoint)
        let instalment = instalmentVnd(amount, termMonths: term)
        let quarters = max(1, term / 3)
        func due(_ k: Int) -> CalendarDate { disbursed.adding(months: 3 * k) }
        switch script.path {
        case .onSchedule:
            var k = 1
            while k < quarters, k <= (script.instalments ?? Int.max), due(k) <= today {
                add("instalmentPaid-\(k)", .instalmentPaid, due(k), amount: instalment)
                k += 1
            }
        case .overdue, .repaid:
            let paid = min(script.instalments ?? draw.int("instalments", 3), quarters - 1)
            for k in stride(from: 1, through: paid, by: 1) { add("instalmentPaid-\(k)", .instalmentPaid, due(k), amount: instalment) }
            if script.path == .overdue {
                add("overdue", .overdue, due(paid + 1).adding(days: 10), amount: instalment)
            } else {
                let day = paid == 0 ? disbursed.adding(days: 45) : due(paid).adding(days: 20)
                add("repaid", .repaid, day, amount: amount - instalment * Int64(paid))
            }
        default: break
        }
        return plan
    }

    /// The commune transaction point's fixed monthly day (5th–25th), first strictly after `date`.
    public static func disbursementDay(after date: CalendarDate, communeCode: String) -> CalendarDate {
        let day = 5 + Int(SeededDraws.hash(communeCode) % 21)
        var candidate = date
        candidate.day = day
        return candidate > date ? candidate : candidate.adding(months: 1)
    }

    /// A quarterly principal instalment: the principal over the number of quarters, rounded down to 1,000 VND.
    public static func instalmentVnd(_ principal: Int64, termMonths: Int) -> Int64 {
        principal / Int64(max(1, termMonths / 3)) / 1_000 * 1_000
    }

    static func drawnScript(_ draw: SeededDraws, _ policy: BankOfficePolicy) -> LoanScript {
        guard draw.unit("approve") < policy.approveShare else { return LoanScript(path: .rejected) }
        guard draw.unit("disburse") < policy.disburseShare else { return LoanScript(path: .approved) }
        let outcome = draw.unit("outcome")
        if outcome < policy.overdueShare { return LoanScript(path: .overdue) }
        if outcome < policy.overdueShare + policy.repaidShare { return LoanScript(path: .repaid) }
        return LoanScript(path: .onSchedule)
    }

    /// 30–100 % of the cap, rounded down to 5,000,000 VND (and at least that, or the cap when smaller).
    static func drawnAmount(_ draw: SeededDraws, cap: Int64) -> Int64 {
        let step: Int64 = 5_000_000
        let share = 0.3 + 0.7 * draw.unit("amount")
        return min(cap, max(step, Int64(Double(cap) * share) / step * step))
    }
}
