import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// The bank's events from `giamngheo.vbsp.loan-event.v1`: each is checked against the referral it names and applied
/// to that referral's loan (``LoanLifecycle``), or refused with every field at fault; either way the bank gets an
/// answer on `giamngheo.vbsp.loan-event-outcome.v1`, and nothing already accepted changes on a refusal.
///
/// Only the bank writes bank events: a record whose `ce_source` is not one of the bank's goes to the dead-letter topic,
/// as does one that is not a JSON object. A record received before (same `ce_source` and `ce_id`) changes nothing and
/// is not answered again, however long ago it came: replaying the whole topic changes nothing.
public struct BankEventHandler: EventHandler {
    let programmes: [String: LoanProgramme]
    let bankSources: AgencySources
    let today: @Sendable () -> String

    public init(catalogue: ProgrammeCatalogue, bankSources: AgencySources, today: @escaping @Sendable () -> String) {
        programmes = Dictionary(uniqueKeysWithValues: catalogue.programmes.map { ($0.id, $0) })
        self.bankSources = bankSources
        self.today = today
    }

    /// Guarded by the `bank_event` table, which keeps every event answered.
    public var deduplication: Deduplication { .versions }

    /// Each household's credit figures in its areas, counted from the bank's events (``CreditFacts``).
    let credit = Self.creditTallies()
    /// Where the household's referrals are counted: its credit is counted there too.
    let referralTallies = AreaTallies(source: LoanReferralService.name)

    static func creditTallies() -> AreaTallies {
        AreaTallies(source: "loan-credit", service: LoanReferralService.name, tablePrefix: "credit_")
    }

    public func beginBatch(in db: Database) throws { credit.beginBatch() }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] { try credit.finishBatch(in: db) }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let attributes = event.attributes
        guard attributes.type == EventTypes.bankLoanEvent else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.bankLoanEvent), got '\(attributes.type)'"))
        }
        guard bankSources.admits(attributes.source) else {
            throw PoisonRecord(bankSources.refusal(attributes.source, field: "ce_source"))
        }
        guard try LoanStore.outcome(source: attributes.source, id: attributes.id, in: db) == nil else { return [] }
        let decoded = Result { () throws(PoisonRecord) in try event.decode(BankLoanEvent.self) }
        guard case .success(let input) = decoded else {
            guard case .failure(let poison) = decoded else { return [] }
            // Not JSON, or not an object at all: nothing to name a field of.
            if poison.errors.first?.field == "body" || poison.errors.first?.field == "value" { throw poison }
            return try answer(attributes, .rejected(attributes, referralId: nil, poison.errors), in: db)
        }
        if let key = event.message.key, String(decoding: key, as: UTF8.self) != input.householdId {
            return try answer(
                attributes,
                .rejected(attributes, referralId: input.referralId, [FieldError("key", "the record key must be the household id \(input.householdId)")]),
                in: db)
        }
        switch try apply(input, source: attributes.source, id: attributes.id, in: db) {
        case .success(let loan):
            try LoanStore.save(loan, in: db)
            if let place = try referralTallies.place(of: input.householdId, in: db) {
                // Versioned by the bank topic's offset: the household's events all sit on one partition, in order.
                try credit.record(
                    input.householdId, VersionOrder(householdVersion: event.message.offset + 1, rulesRevision: 0), place: place,
                    counts: CreditFacts.counts(of: try LoanStore.loans(ofHousehold: input.householdId, in: db)), from: event.message,
                    time: attributes.time, in: db)
            }
            return try answer(attributes, .answer(attributes, referralId: input.referralId, stage: loan.stage), in: db)
        case .failure(let failure):
            return try answer(attributes, .rejected(attributes, referralId: input.referralId, failure.errors), in: db)
        }
    }

    /// The loan after `input`, checked against the household's current referral of that id.
    func apply(_ input: BankLoanEvent, source: String, id: String, in db: Database) throws -> Result<Loan, ValidationFailure> {
        guard
            let payload = try LoanReferralService.latest.payload(householdId: input.householdId, in: db),
            let referral = try EventJSON.decode(LoanReferralSet.self, from: payload).referrals.first(where: { $0.referralId == input.referralId })
        else {
            return .failure(ValidationFailure([FieldError("referralId", "household \(input.householdId) has no referral \(input.referralId)")]))
        }
        guard let programme = programmes[referral.programmeId] else {
            return .failure(ValidationFailure([FieldError("referralId", "programme \(referral.programmeId) is no longer in the catalogue")]))
        }
        let terms = ReferralTerms(householdId: input.householdId, status: referral.status, programme: programme, maxLoanVnd: referral.maxLoanVnd)
        return LoanLifecycle.apply(input, to: try LoanStore.loan(input.referralId, in: db), terms: terms, today: today(), source: source, id: id)
    }

    private func answer(_ attributes: CloudEventAttributes, _ outcome: LoanEventOutcome, in db: Database) throws -> [OutboundEvent] {
        try LoanStore.record(outcome, in: db)
        return [
            try .answer(
                on: Topics.loanEventOutcome, by: LoanReferralService.name, idPrefix: "loan-event-outcome", to: attributes.source,
                id: attributes.id, correlationId: outcome.correlationId, time: attributes.time, payload: outcome)
        ]
    }
}

extension LoanEventOutcome {
    static func rejected(_ attributes: CloudEventAttributes, referralId: String?, _ errors: [FieldError]) -> LoanEventOutcome {
        var outcome = answer(attributes, referralId: referralId, stage: nil)
        (outcome.status, outcome.errors) = (.rejected, errors)
        return outcome
    }

    /// Accepted, at `stage`, keyed by the event's correlation id (else its id).
    static func answer(_ attributes: CloudEventAttributes, referralId: String?, stage: LoanStage?) -> LoanEventOutcome {
        LoanEventOutcome(
            eventSource: attributes.source, eventId: attributes.id, correlationId: attributes.correlationid ?? attributes.id, status: .accepted,
            referralId: referralId, stage: stage)
    }
}
