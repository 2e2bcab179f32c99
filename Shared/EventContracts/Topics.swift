/// A topic of the system's contract: its name, whether it is compacted, and who owns it.
public struct TopicDefinition: Sendable, Hashable {
    public var name: String
    /// Compacted topics keep the latest record per key, so a store can be rebuilt by replaying them.
    public var compacted: Bool

    public init(_ name: String, compacted: Bool) {
        self.name = name
        self.compacted = compacted
    }
}

/// The topics and event types of the system. Names follow `giamngheo.<entity>.v<major>`; an incompatible
/// change gets a new major topic, an optional field does not.
public enum Topics {
    /// Household snapshots from intake (key: household id). Personal: carries the head's identity.
    public static let household = TopicDefinition("giamngheo.household.v1", compacted: true)
    /// Classifications from eligibility (key: household id).
    public static let classification = TopicDefinition("giamngheo.classification.v1", compacted: true)
    /// A household's loan referrals to VBSP (key: household id). Personal: carries the head's identity.
    public static let loanReferral = TopicDefinition("giamngheo.loan-referral.v1", compacted: true)
    /// A household's training and job candidates (key: household id).
    public static let trainingMatch = TopicDefinition("giamngheo.training-match.v1", compacted: true)
    /// Area reports (key: area code) for dashboards. No personal data.
    public static let report = TopicDefinition("giamngheo.report.v1", compacted: true)
    /// Reporting's internal repartition of household results by province code. Not compacted: many households
    /// share a key, so compaction would drop all but one; reporting rebuilds it from the compacted topics upstream.
    public static let areaContribution = TopicDefinition("giamngheo.reporting.area-contribution.v1", compacted: false)
    /// Eligibility's shadow runs: what a candidate standard would do to each area (key: `<standardId>/<areaCode>`).
    /// Compacted, so the latest run per standard and area is kept. Counts only, no personal data.
    public static let shadowDiff = TopicDefinition("giamngheo.eligibility.shadow-diff.v1", compacted: true)

    /// Household submissions from agencies (the HTTP survey body as the record value; any key). Personal.
    public static let agencySubmission = TopicDefinition("giamngheo.intake.submission.v1", compacted: false)
    /// Intake's answer to each agency submission (key: its correlation id). Personal (see ``SubmissionOutcome``).
    public static let submissionOutcome = TopicDefinition("giamngheo.intake.submission-outcome.v1", compacted: false)

    /// The dead-letter topic of a consuming service: poison records with the reason and the original bytes.
    public static func deadLetter(_ service: String) -> TopicDefinition {
        TopicDefinition("giamngheo.dlq.\(service).v1", compacted: false)
    }

    public static let consumingServices = ["intake", "eligibility", "loan-referral", "training-match", "reporting"]

    /// The topics that carry the system's events (all but the dead-letter ones).
    public static var eventTopics: [TopicDefinition] {
        [household, classification, loanReferral, trainingMatch, areaContribution, report, shadowDiff]
    }

    /// The topics agencies write to and read their answers from.
    public static var agencyTopics: [TopicDefinition] { [agencySubmission, submissionOutcome] }

    /// Every topic the system needs, for creation at start-up.
    public static var all: [TopicDefinition] { eventTopics + agencyTopics + consumingServices.map(deadLetter) }
}

/// CloudEvents `type` values; the suffix is the payload's major version.
public enum EventTypes {
    public static let householdSnapshot = "vn.giamngheo.household.snapshot.v1"
    public static let classification = "vn.giamngheo.classification.v1"
    public static let loanReferral = "vn.giamngheo.loan-referral.v1"
    public static let trainingMatch = "vn.giamngheo.training-match.v1"
    public static let areaReport = "vn.giamngheo.area-report.v1"
    public static let areaContribution = "vn.giamngheo.reporting.area-contribution.v1"
    public static let deadLetter = "vn.giamngheo.dead-letter.v1"
    public static let agencySubmission = "vn.giamngheo.intake.submission.v1"
    public static let submissionOutcome = "vn.giamngheo.intake.submission-outcome.v1"
    public static let shadowDiff = "vn.giamngheo.eligibility.shadow-diff.v1"

    /// The JSON Schema URI of an event type (`ce_dataschema`); the file is `docs/events/<name>.schema.json`.
    public static func schema(_ type: String) -> String {
        "https://giamngheo.vn/schemas/\(schemaName(type)).schema.json"
    }

    public static func schemaName(_ type: String) -> String {
        String(type.dropFirst("vn.giamngheo.".count))
    }
}

/// CloudEvents `source` of each producing service.
public enum EventSources {
    public static func service(_ name: String) -> String { "/giamngheo/\(name)" }
}
