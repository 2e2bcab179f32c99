import Areas
import EventContracts
import Foundation

/// `POST /v1/review-rounds/{roundId}/communes/{communeCode}/recognition`: the commune chairman's decision on a round.
/// No personal data: households are named by id, and only to leave them out.
public struct RecognitionRequest: Codable, Sendable, Hashable {
    public var decisionNumber: String
    /// YYYY-MM-DD the decision was signed.
    public var decisionDate: String
    /// Households of the round the decision does not recognise (the village meeting or a re-check turned them down).
    public var excludedHouseholdIds: [String]?

    public init(decisionNumber: String, decisionDate: String, excludedHouseholdIds: [String]? = nil) {
        self.decisionNumber = decisionNumber
        self.decisionDate = decisionDate
        self.excludedHouseholdIds = excludedHouseholdIds
    }
}

/// A recognition request that passed the checks that need no store.
public struct ValidRecognition: Sendable, Hashable {
    public var round: ReviewRound
    public var communeCode: String
    public var decision: RecognitionDecision
    /// Lower-case, each once, in the order given.
    public var excludedHouseholdIds: [String]
}

/// What a recognition did: answered again, unchanged, when the same decision is posted again.
public struct RecognitionOutcome: Codable, Sendable, Hashable {
    /// A household the decision recognised, with the version that records it.
    public struct RecognisedHousehold: Codable, Sendable, Hashable {
        public var householdId: String
        public var version: Int64
    }

    public var roundId: String
    public var communeCode: String
    public var decision: RecognitionDecision
    public var excludedHouseholdIds: [String]
    public var recognised: [RecognisedHousehold]
    /// When intake recorded the decision (RFC 3339).
    public var recordedAt: String

    /// Whether `request` is the decision recorded here (same number, date and exclusions).
    public func isSameDecision(as request: ValidRecognition) -> Bool {
        decision == request.decision && Set(excludedHouseholdIds) == Set(request.excludedHouseholdIds)
    }
}

/// Checks a recognition request field by field, before the store is read.
public enum RecognitionValidator {
    public static let maxDecisionNumberLength = 50

    /// Every problem, each naming its field: `roundId` and `communeCode` (the path), `decisionNumber`, `decisionDate`
    /// (not before the round opened, not in the future), `excludedHouseholdIds[i]`.
    public static func validate(
        roundId: String, communeCode: String, _ request: RecognitionRequest, areas: AreaRegistry, calendar: ReviewCalendar, today: CalendarDate
    ) -> Result<ValidRecognition, ValidationFailure> {
        var errors: [FieldError] = []
        var round: ReviewRound?
        do { round = try calendar.round(id: roundId) } catch { errors.append(error) }
        let number = request.decisionNumber.trimmingWhitespace()
        if number.isEmpty { errors.append(FieldError("decisionNumber", "is empty; write the decision's number, e.g. 123/QĐ-UBND")) }
        if number.count > maxDecisionNumberLength { errors.append(FieldError("decisionNumber", "is longer than \(maxDecisionNumberLength) characters")) }
        let date = CalendarDate(request.decisionDate)
        if let date {
            if date > today { errors.append(FieldError("decisionDate", "\(date) is in the future")) }
            if let round, date.description < round.opensOn {
                errors.append(FieldError("decisionDate", "\(date) is before round \(round.roundId) opened (\(round.opensOn))"))
            }
        } else {
            errors.append(FieldError("decisionDate", "'\(request.decisionDate)' is not a date in the form YYYY-MM-DD"))
        }
        var commune: String?
        do { commune = try areas.commune(communeCode, on: (date ?? today).description).code } catch { errors.append(error) }
        var excluded: [String] = []
        for (index, id) in (request.excludedHouseholdIds ?? []).enumerated() {
            if !SurveyValidator.isUUID(id) { errors.append(FieldError("excludedHouseholdIds[\(index)]", "'\(id)' is not a UUID")) }
            if !excluded.contains(id.lowercased()) { excluded.append(id.lowercased()) }
        }
        guard errors.isEmpty, let round, let date, let commune else { return .failure(ValidationFailure(errors)) }
        return .success(ValidRecognition(
            round: round, communeCode: commune, decision: RecognitionDecision(decisionNumber: number, decisionDate: date.description),
            excludedHouseholdIds: excluded))
    }
}
