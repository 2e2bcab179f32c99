/// What intake answers to an agency's household submission on ``Topics/submissionOutcome``.
///
/// Keyed and correlated by the submission's `ce_correlationid` (its `ce_id` when it has none), so an agency can match
/// each answer to what it sent. Rejections name each field and the reason, as the HTTP API does; reasons may quote a
/// submitted value (a malformed date of birth), so the topic is classified as personal.
public struct SubmissionOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }
    public enum Result: String, Codable, Sendable { case created, updated, unchanged }

    /// The submission's `ce_source` and `ce_id`.
    public var submissionSource: String
    public var submissionId: String
    public var correlationId: String
    public var status: Status
    /// Present when accepted: the household's id and the version the submission produced or matched.
    public var householdId: String?
    public var version: Int64?
    public var result: Result?
    /// Accepted with remarks for an officer (a CCCD also listed in another household).
    public var warnings: [FieldError]
    /// Present when rejected: every problem, each naming its field.
    public var errors: [FieldError]

    public init(
        submissionSource: String, submissionId: String, correlationId: String, status: Status, householdId: String? = nil,
        version: Int64? = nil, result: Result? = nil, warnings: [FieldError] = [], errors: [FieldError] = []
    ) {
        self.submissionSource = submissionSource
        self.submissionId = submissionId
        self.correlationId = correlationId
        self.status = status
        self.householdId = householdId
        self.version = version
        self.result = result
        self.warnings = warnings
        self.errors = errors
    }
}
