import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// Agencies' household submissions from `giamngheo.intake.submission.v1`: validated exactly as over HTTP, stored
/// with the same de-duplication, and answered on `giamngheo.intake.submission-outcome.v1`.
///
/// A record that is not a JSON object, or lacks its CloudEvents headers, cannot be answered meaningfully: it goes to
/// intake's dead-letter topic. Anything else gets an answer: accepted (household id, version, created/updated/unchanged)
/// or rejected (every field error). A replayed record is recognised by its `ce_source` + `ce_id` and changes nothing.
///
/// When intake runs as several instances, a valid submission whose household another instance writes is passed on to it
/// on `giamngheo.intake.household-command.v1` (keyed by the household id, the agency's record as it came); the instance
/// holding that partition reads it with this same handler and answers.
public struct AgencySubmissionHandler: EventHandler {
    let rules: SurveyRules
    let today: @Sendable () -> CalendarDate
    /// Which households this instance writes (nil: all of them).
    let ownership: IntakeOwnership?

    public init(rules: SurveyRules, today: @escaping @Sendable () -> CalendarDate, ownership: IntakeOwnership? = nil) {
        self.rules = rules
        self.today = today
        self.ownership = ownership
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
                if let ownership, case let id = try IntakeStore.existingId(of: valid, in: db), try !ownership.writes(id, in: db) {
                    // Passed on from another instance: this one holds the partition and is still reading its
                    // households; the batch is tried again.
                    if event.message.topic == Topics.intakeHouseholdCommand.name { throw NotTheWriter(householdId: id) }
                    var passed = attributes
                    passed.dataclassification = "personal"
                    return [OutboundEvent(topic: Topics.intakeHouseholdCommand.name, key: id, attributes: passed, data: event.data)]
                }
                let accepted = try IntakeStore.accept(
                    valid, input: input, idempotencyKey: nil, trace: TraceContext.current, writes: ownership?.stillAssigned, in: db)
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
