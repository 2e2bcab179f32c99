import Foundation
import EventContracts

/// What loan-referral knows of a referral when a bank event names it.
public struct ReferralTerms: Sendable, Hashable {
    public var householdId: String
    public var status: ReferralStatus
    public var programme: LoanProgramme
    /// The most the household can borrow under this referral (the programme's cap for what it lacks).
    public var maxLoanVnd: Int64

    public init(householdId: String, status: ReferralStatus, programme: LoanProgramme, maxLoanVnd: Int64) {
        self.householdId = householdId
        self.status = status
        self.programme = programme
        self.maxLoanVnd = maxLoanVnd
    }
}

/// A loan's path as a state machine: each bank event either moves the loan to its next stage, or is refused with every
/// field at fault and changes nothing. Pure: the same loan, terms and event give the same answer.
public enum LoanLifecycle {
    /// The stages each kind of event may follow; `applicationReceived` also starts a loan (nil) or a new cycle.
    static let allowedFrom: [LoanEventKind: Set<LoanStage>] = [
        .applicationReceived: [.rejected, .repaid, .writtenOff, .withdrawn],
        .groupVetted: [.applied],
        .communeConfirmed: [.vetted],
        .approved: [.confirmed],
        .rejected: [.applied, .vetted, .confirmed],
        .disbursed: [.approved],
        .instalmentPaid: [.disbursed, .overdue],
        .overdue: [.disbursed, .overdue],
        .extended: [.disbursed, .overdue],
        .rescheduled: [.disbursed, .overdue],
        .frozen: [.disbursed, .overdue],
        .writtenOff: [.disbursed, .overdue, .frozen],
        .repaid: [.disbursed, .overdue, .frozen],
    ]

    /// The loan after `event`, or why the event cannot apply.
    /// - Parameters:
    ///   - loan: the referral's loan so far (nil before its first request).
    ///   - today: YYYY-MM-DD; no event may happen later.
    ///   - source, id: the event's `ce_source` and `ce_id`, kept in the history.
    public static func apply(
        _ event: BankLoanEvent, to loan: Loan?, terms: ReferralTerms, today: String, source: String? = nil, id: String? = nil
    ) -> Result<Loan, ValidationFailure> {
        var errors: [FieldError] = []
        if event.householdId != terms.householdId {
            errors.append(FieldError("householdId", "referral \(event.referralId) is not household \(event.householdId)'s"))
        }
        if CalendarDate(event.occurredOn) == nil {
            errors.append(FieldError("occurredOn", "'\(event.occurredOn)' is not a date (YYYY-MM-DD)"))
        } else if event.occurredOn > today {
            errors.append(FieldError("occurredOn", "\(event.occurredOn) is in the future (today is \(today))"))
        } else if let last = loan?.history.last, event.occurredOn < last.occurredOn {
            errors.append(FieldError("occurredOn", "\(event.occurredOn) is before the loan's last step (\(last.kind) on \(last.occurredOn))"))
        }
        let allowed = allowedFrom[event.kind] ?? []
        if let loan, !allowed.contains(loan.stage) {
            errors.append(FieldError("kind", "\(event.kind.rawValue) cannot follow stage '\(loan.stage.rawValue)'\(expected(event.kind))"))
        } else if loan == nil, event.kind != .applicationReceived {
            errors.append(FieldError("kind", "\(event.kind.rawValue) before any loan request for referral \(event.referralId)\(expected(event.kind))"))
        }
        // An event out of order says nothing about the loan's amounts: its own fields are not judged.
        if errors.contains(where: { $0.field == "kind" }) { return .failure(ValidationFailure(errors)) }
        var next = loan ?? Loan(referralId: event.referralId, householdId: terms.householdId, programmeId: terms.programme.id)
        var step = LoanStep(
            kind: event.kind.rawValue, occurredOn: event.occurredOn, stage: next.stage, amountVnd: event.amountVnd, reason: event.reason,
            eventSource: source, eventId: id)
        switch event.kind {
        case .applicationReceived:
            if terms.status != .referred { errors.append(notReferred(terms)) }
            next.cycle += 1
            (next.approvedVnd, next.approvedTermMonths, next.disbursedVnd, next.disbursedOn) = (nil, nil, nil, nil)
            (next.annualRatePercent, next.termMonths, next.dueOn, next.transactionPoint) = (nil, nil, nil, nil)
            (next.outstandingVnd, next.overdueVnd) = (0, nil)
            next.stage = .applied
        case .groupVetted:
            next.stage = .vetted
        case .communeConfirmed:
            next.stage = .confirmed
        case .approved:
            if terms.status != .referred { errors.append(notReferred(terms)) }
            errors += amount(event, max: terms.maxLoanVnd, of: "the cap of \(terms.programme.id) for this household")
            errors += term(event, required: true, max: terms.programme.terms(on: event.occurredOn).maxTermMonths, of: "the programme's maximum term")
            (next.approvedVnd, next.approvedTermMonths) = (event.amountVnd, event.termMonths)
            next.stage = .approved
        case .rejected, .writtenOff:
            if (event.reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(FieldError("reason", "a \(event.kind.rawValue) event needs its reason"))
            }
            if event.kind == .writtenOff {
                step.amountVnd = next.outstandingVnd
                next.outstandingVnd = 0
                next.overdueVnd = nil
            }
            next.stage = event.kind == .rejected ? .rejected : .writtenOff
        case .disbursed:
            errors += amount(event, max: next.approvedVnd ?? 0, of: "the approved amount")
            errors += term(
                event, required: false, max: next.approvedTermMonths ?? terms.programme.terms(on: event.occurredOn).maxTermMonths, of: "the approved term")
            if let programme = event.programmeId, programme != terms.programme.id {
                errors.append(FieldError("programmeId", "referral \(event.referralId) is for \(terms.programme.id), not \(programme)"))
            }
            let rate = terms.programme.rate(on: event.occurredOn)
            if rate == nil {
                errors.append(FieldError("occurredOn", "\(terms.programme.id) has no rate in force on \(event.occurredOn)"))
            } else if let given = event.annualRatePercent, let rate, abs(given - rate) > 0.000_1 {
                errors.append(FieldError("annualRatePercent", "\(given) is not \(terms.programme.id)'s rate in force on \(event.occurredOn) (\(rate))"))
            }
            if (event.transactionPoint ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append(FieldError("transactionPoint", "a disbursement names the commune transaction point"))
            }
            let months = event.termMonths ?? next.approvedTermMonths ?? terms.programme.terms(on: event.occurredOn).maxTermMonths
            (next.disbursedVnd, next.disbursedOn, next.annualRatePercent) = (event.amountVnd, event.occurredOn, rate)
            (next.termMonths, next.transactionPoint, next.outstandingVnd) = (months, event.transactionPoint, event.amountVnd ?? 0)
            next.dueOn = CalendarDate(event.occurredOn)?.adding(months: months).description
            next.stage = .disbursed
        case .instalmentPaid:
            errors += amount(event, max: next.outstandingVnd, of: "the outstanding principal")
            let paid = event.amountVnd ?? 0
            next.outstandingVnd -= min(paid, next.outstandingVnd)
            if let overdue = next.overdueVnd {
                next.overdueVnd = overdue > paid ? overdue - paid : nil
            }
            next.stage = next.overdueVnd == nil && next.stage == .overdue ? .disbursed : next.stage
        case .overdue:
            if let owed = event.amountVnd {
                if owed <= 0 || owed > next.outstandingVnd {
                    errors.append(FieldError("amountVnd", "\(owed) VND overdue is not between 1 and the outstanding \(next.outstandingVnd)"))
                }
            }
            next.overdueVnd = event.amountVnd ?? next.outstandingVnd
            next.stage = .overdue
        case .extended, .rescheduled:
            if let due = event.dueOn, CalendarDate(due) != nil {
                if due <= event.occurredOn || (event.kind == .extended && due <= (next.dueOn ?? "")) {
                    errors.append(FieldError("dueOn", "\(due) must be after the event's date and, for an extension, after the due date \(next.dueOn ?? "-")"))
                }
            } else {
                errors.append(FieldError("dueOn", "an \(event.kind.rawValue) event gives the new due date (YYYY-MM-DD)"))
            }
            next.dueOn = event.dueOn
            next.overdueVnd = nil
            next.stage = .disbursed
        case .frozen:
            next.stage = .frozen
        case .repaid:
            if let amount = event.amountVnd, amount != next.outstandingVnd {
                errors.append(FieldError("amountVnd", "\(amount) VND is not the outstanding principal (\(next.outstandingVnd))"))
            }
            step.amountVnd = next.outstandingVnd
            (next.outstandingVnd, next.overdueVnd) = (0, nil)
            next.stage = .repaid
        }
        guard errors.isEmpty else { return .failure(ValidationFailure(errors)) }
        step.stage = next.stage
        next.history.append(step)
        return .success(next)
    }

    /// The loan once loan-referral withdraws its referral (the household no longer qualifies), or nil when the loan
    /// goes on: a household keeps a loan approved before it left the list.
    public static func withdraw(_ loan: Loan?, referralId: String, householdId: String, programmeId: String, on date: String, reason: String)
        -> Loan?
    {
        if let loan, ![.applied, .vetted, .confirmed].contains(loan.stage) { return nil }
        var next = loan ?? Loan(referralId: referralId, householdId: householdId, programmeId: programmeId)
        next.stage = .withdrawn
        next.history.append(LoanStep(kind: "withdrawn", occurredOn: date, stage: .withdrawn, reason: reason))
        return next
    }

    private static func expected(_ kind: LoanEventKind) -> String {
        let stages = (allowedFrom[kind] ?? []).map(\.rawValue).sorted()
        if kind == .applicationReceived { return " (a new request follows none, or a finished loan: \(stages.joined(separator: ", ")))" }
        return " (it follows \(stages.joined(separator: " or ")))"
    }

    private static func notReferred(_ terms: ReferralTerms) -> FieldError {
        switch terms.status {
        case .candidate:
            FieldError("referralId", "the household is only a candidate: the commune chairman has not recognised its class yet")
        case .withdrawn:
            FieldError("referralId", "the referral was withdrawn: the household no longer qualifies for \(terms.programme.id)")
        default:
            FieldError("referralId", "the referral is \(terms.status.rawValue), not referred")
        }
    }

    private static func amount(_ event: BankLoanEvent, max: Int64, of what: String) -> [FieldError] {
        guard let amount = event.amountVnd else { return [FieldError("amountVnd", "a \(event.kind.rawValue) event gives the amount in VND")] }
        if amount <= 0 { return [FieldError("amountVnd", "\(amount) is not a positive amount of VND")] }
        if amount > max { return [FieldError("amountVnd", "\(amount) VND exceeds \(what) (\(max) VND)")] }
        return []
    }

    private static func term(_ event: BankLoanEvent, required: Bool, max: Int, of what: String) -> [FieldError] {
        guard let months = event.termMonths else {
            return required ? [FieldError("termMonths", "a \(event.kind.rawValue) event gives the term in months")] : []
        }
        if months <= 0 || months > max { return [FieldError("termMonths", "\(months) months is not between 1 and \(what) (\(max))")] }
        return []
    }
}
