/// What the Vietnam Bank for Social Policies (VBSP) reports about a referral, one step of the loan's path each
/// (docs/agencies/vbsp.md): the request through the savings-and-loan group, the commune's confirmation, the
/// transaction office's decision, the disbursement, and the loan's life until it is repaid or written off.
public enum LoanEventKind: String, Codable, Sendable, CaseIterable {
    /// The household's request (form 01/TD) reached its savings-and-loan group.
    case applicationReceived
    /// The group's meeting vetted it and put it on its list (form 03/TD).
    case groupVetted
    /// The commune People's Committee confirmed the group's list.
    case communeConfirmed
    /// The transaction office approved it (form 04/TD), with the amount and term.
    case approved
    /// The transaction office rejected it, with the reason.
    case rejected
    /// Paid out at the commune transaction point.
    case disbursed
    case instalmentPaid
    /// A repayment was missed (overdue interest is 130 % of the rate).
    case overdue
    /// The term was extended (gia hạn nợ), to a new due date.
    case extended
    /// The repayment schedule was changed (điều chỉnh kỳ hạn trả nợ), to a new due date.
    case rescheduled
    /// The debt was frozen (khoanh nợ) after a recognised loss.
    case frozen
    /// The debt was written off (xóa nợ) after a recognised loss.
    case writtenOff
    /// Repaid in full.
    case repaid
}

/// A bank event as the bank sends it on `giamngheo.vbsp.loan-event.v1` (keyed by household id) or to
/// `POST /v1/loan-events`. Which fields a kind needs is in ``LoanEventKind`` and docs/agencies/vbsp.md.
public struct BankLoanEvent: Codable, Sendable, Hashable {
    public var householdId: String
    /// The referral the event is about, as published on `giamngheo.loan-referral.v1`.
    public var referralId: String
    public var kind: LoanEventKind
    /// YYYY-MM-DD the step happened.
    public var occurredOn: String
    /// VND: approved or disbursed principal, instalment paid, or amount overdue.
    public var amountVnd: Int64?
    /// Approved or disbursed term.
    public var termMonths: Int?
    /// Percent per year of a disbursement: the programme's rate in force on its date.
    public var annualRatePercent: Double?
    /// The programme of a disbursement; it must be the referral's.
    public var programmeId: String?
    /// The commune transaction point (điểm giao dịch xã) of a disbursement.
    public var transactionPoint: String?
    /// The new due date of an extension or rescheduling.
    public var dueOn: String?
    /// Why: required for a rejection and a write-off.
    public var reason: String?

    public init(
        householdId: String, referralId: String, kind: LoanEventKind, occurredOn: String, amountVnd: Int64? = nil,
        termMonths: Int? = nil, annualRatePercent: Double? = nil, programmeId: String? = nil, transactionPoint: String? = nil,
        dueOn: String? = nil, reason: String? = nil
    ) {
        self.householdId = householdId
        self.referralId = referralId
        self.kind = kind
        self.occurredOn = occurredOn
        self.amountVnd = amountVnd
        self.termMonths = termMonths
        self.annualRatePercent = annualRatePercent
        self.programmeId = programmeId
        self.transactionPoint = transactionPoint
        self.dueOn = dueOn
        self.reason = reason
    }
}

/// Where a referral's loan stands.
public enum LoanStage: String, Codable, Sendable, CaseIterable {
    case applied, vetted, confirmed, approved, rejected
    /// Disbursed and being repaid on schedule.
    case disbursed
    case overdue, frozen, repaid, writtenOff
    /// Ended by loan-referral before approval: the household no longer qualifies for the programme.
    case withdrawn

    /// A stage after which a new request for the same referral starts a new cycle.
    public var isFinal: Bool { [.rejected, .repaid, .writtenOff, .withdrawn].contains(self) }
    /// A stage with money lent and not yet settled.
    public var isLent: Bool { [.disbursed, .overdue, .frozen].contains(self) }
}

/// One step in a loan's history: what happened, when, and the stage it led to.
public struct LoanStep: Codable, Sendable, Hashable {
    /// The bank event's kind, or `withdrawn` when loan-referral withdrew the referral.
    public var kind: String
    public var occurredOn: String
    public var stage: LoanStage
    public var amountVnd: Int64?
    public var reason: String?
    /// The bank event's `ce_source` and `ce_id` (absent for loan-referral's own steps).
    public var eventSource: String?
    public var eventId: String?

    public init(
        kind: String, occurredOn: String, stage: LoanStage, amountVnd: Int64? = nil, reason: String? = nil, eventSource: String? = nil,
        eventId: String? = nil
    ) {
        self.kind = kind
        self.occurredOn = occurredOn
        self.stage = stage
        self.amountVnd = amountVnd
        self.reason = reason
        self.eventSource = eventSource
        self.eventId = eventId
    }
}

/// A referral's loan: its current cycle's terms and balance, and every step since the first request.
public struct Loan: Codable, Sendable, Hashable {
    public var referralId: String
    public var householdId: String
    public var programmeId: String
    /// 1 for the first request; a new request after a rejection or a repaid loan starts the next.
    public var cycle: Int
    public var stage: LoanStage
    public var approvedVnd: Int64?
    public var approvedTermMonths: Int?
    public var disbursedVnd: Int64?
    public var disbursedOn: String?
    public var annualRatePercent: Double?
    public var termMonths: Int?
    public var dueOn: String?
    public var transactionPoint: String?
    /// Principal still owed (0 before disbursement and once settled).
    public var outstandingVnd: Int64
    /// Principal overdue, as the bank last reported it.
    public var overdueVnd: Int64?
    public var history: [LoanStep]

    public init(referralId: String, householdId: String, programmeId: String) {
        self.referralId = referralId
        self.householdId = householdId
        self.programmeId = programmeId
        cycle = 0
        stage = .applied
        outstandingVnd = 0
        history = []
    }
}

/// loan-referral's answer to each bank event on `giamngheo.vbsp.loan-event-outcome.v1` (keyed by the event's
/// correlation id, else its id) and over HTTP: accepted with the loan's stage, or rejected with every field at fault.
public struct LoanEventOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }

    public var eventSource: String
    public var eventId: String
    public var correlationId: String
    public var status: Status
    public var referralId: String?
    /// The stage the loan is at after the event (accepted only).
    public var stage: LoanStage?
    public var errors: [FieldError]

    public init(
        eventSource: String, eventId: String, correlationId: String, status: Status, referralId: String? = nil, stage: LoanStage? = nil,
        errors: [FieldError] = []
    ) {
        self.eventSource = eventSource
        self.eventId = eventId
        self.correlationId = correlationId
        self.status = status
        self.referralId = referralId
        self.stage = stage
        self.errors = errors
    }
}
