import Areas
import EventContracts
import EventStore
import Foundation
import GRDB

/// Agencies' household submissions from `giamngheo.intake.submission.v1`: validated exactly as over HTTP, stored
/// with the same de-duplication, and answered on `giamngheo.intake.submission-outcome.v1`.
///
/// A record that is not a JSON object, or lacks its CloudEvents headers, cannot be answered meaningfully: it goes to
/// intake's dead-letter topic. Anything else gets an answer: accepted (household id, version, created/updated/unchanged)
/// or rejected (every field error). A replayed record is recognised by its `ce_source` + `ce_id` and changes nothing.
public struct AgencySubmissionHandler: EventHandler {
    let rules: SurveyRules
    let today: @Sendable () -> CalendarDate

    public init(rules: SurveyRules, today: @escaping @Sendable () -> CalendarDate) {
        self.rules = rules
        self.today = today
    }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let attributes = event.attributes
        guard attributes.type == EventTypes.agencySubmission else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.agencySubmission), got '\(attributes.type)'"))
        }
        let correlationId = attributes.correlationid ?? attributes.id
        var outcome = SubmissionOutcome(
            submissionSource: attributes.source, submissionId: attributes.id, correlationId: correlationId, status: .rejected)
        do {
            let input = try event.decode(SurveyInput.self)
            switch rules.validate(input, today: today()) {
            case .success(let valid):
                let accepted = try IntakeStore.accept(valid, input: input, idempotencyKey: nil, trace: attributes.traceContext, in: db)
                outcome.status = .accepted
                outcome.householdId = accepted.householdId
                outcome.version = accepted.version
                outcome.result = SubmissionOutcome.Result(rawValue: accepted.result.rawValue)
                outcome.warnings = accepted.warnings
            case .failure(let failure):
                outcome.errors = failure.errors
            }
        } catch let poison as PoisonRecord {
            // Not JSON, or not an object at all: nothing to name a field of.
            if poison.errors.first?.field == "body" || poison.errors.first?.field == "value" { throw poison }
            outcome.errors = poison.errors
        }
        var reply = try OutboundEvent.json(
            topic: Topics.submissionOutcome, key: correlationId, type: EventTypes.submissionOutcome,
            source: EventSources.service("intake"), idParts: ["submission-outcome", attributes.source, attributes.id],
            sequence: nil, time: Timestamp.now(), payload: outcome, causationId: attributes.id, personal: true)
        reply.attributes.correlationid = correlationId
        return [reply]
    }
}
