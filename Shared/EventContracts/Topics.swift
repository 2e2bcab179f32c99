/// What a topic's records are keyed by.
public enum TopicKey: String, Sendable, Hashable {
    case householdId, areaCode, standardAndArea, agencyChosen, correlationId, originalKey
    /// `<communeCode>/<roundId>`.
    case communeAndRound
    /// A centre's course or vacancy id.
    case catalogueEntryId
    /// `<source>/<areaCode>/<partition>`, partitioned by the area code alone.
    case tallyOfArea
    /// `<areaCode>/<year>/<kind>` (``AreaFigure``).
    case areaFigure
    /// `<areaCode>/<year>`, partitioned by the area code alone.
    case areaAndYear
    /// `<group>/<instanceId>`: one consumer-group member.
    case groupMember
    /// `<communeCode>/<roundId>/<partition>`, partitioned by `<communeCode>/<roundId>` alone.
    case partOfList
    /// An operator-defined grouping's code (`G-…`).
    case groupingCode
}

/// One row of the topology: a topic, its key, retention, who writes and reads it, and what it shares partitioning with.
public struct TopicDefinition: Sendable, Hashable {
    public var name: String
    /// The CloudEvents `type` of its records (nil for dead-letter topics, which keep the original's).
    public var eventType: String?
    public var key: TopicKey
    /// Compacted topics keep the latest record per key, so a store can be rebuilt by replaying them.
    public var compacted: Bool
    /// How long a record is kept at most, in milliseconds (for a compacted topic: even when it is its key's latest);
    /// nil: the broker's default for a topic that is not compacted, for ever for one that is.
    public var retentionMs: Int64?
    /// Topics of one group must have the same partition count: a consumer joins them per key, and a household's
    /// state in every service sits on the same partition number.
    public var copartitionGroup: String?
    public var producers: [String]
    public var consumers: [String]
    /// Carries personal data (names, CCCD numbers, or surveys); consumers must not log it.
    public var personal: Bool
    /// Services whose HTTP twin writes the agencies' records here on their behalf.
    public var twins: [String]

    public init(
        _ name: String, type: String? = nil, key: TopicKey = .originalKey, compacted: Bool, retentionMs: Int64? = nil,
        copartitionGroup: String? = nil, producers: [String] = [], consumers: [String] = [], personal: Bool = false, twins: [String] = []
    ) {
        self.twins = twins
        self.retentionMs = retentionMs
        self.name = name
        self.eventType = type
        self.key = key
        self.compacted = compacted
        self.copartitionGroup = copartitionGroup
        self.producers = producers
        self.consumers = consumers
        self.personal = personal
    }
}

/// The system's topology, declared once: topic creation, the start-up check of partition counts, the AsyncAPI
/// document and the access matrix all read it. Names follow `giamngheo.<entity>.v<major>`; an incompatible change gets a
/// new major topic, an optional field does not.
public enum Topics {
    /// Co-partition group of the topics keyed by household id.
    public static let householdGroup = "household"
    /// Co-partition group of the topics partitioned by area code.
    public static let areaGroup = "area"

    /// Household snapshots from intake (key: household id). Personal: carries the head's identity.
    public static let household = TopicDefinition(
        "giamngheo.household.v1", type: EventTypes.householdSnapshot, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["intake"], consumers: ["eligibility"], personal: true)
    /// Each household version classified, with the facts downstream rules read (key: household id). Personal: the
    /// head's identity, which VBSP needs for a referral. Eligibility also writes a ``CalendarDay`` to every partition
    /// each day (type `vn.giamngheo.calendar-day.v1`, key `calendar-<n>`, the first n whose key
    /// lands on the partition), so that time is an ordered input.
    public static let classifiedHousehold = TopicDefinition(
        "giamngheo.classified-household.v1", type: EventTypes.classifiedHousehold, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["eligibility"], consumers: ["loan-referral", "training-match", "reporting"],
        personal: true)
    /// A household's loan referrals to VBSP (key: household id). Personal: carries the head's identity.
    public static let loanReferral = TopicDefinition(
        "giamngheo.loan-referral.v1", type: EventTypes.loanReferral, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["loan-referral"], consumers: ["VBSP offices"], personal: true)
    /// A household's training and job candidates (key: household id).
    public static let trainingMatch = TopicDefinition(
        "giamngheo.training-match.v1", type: EventTypes.trainingMatch, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["training-match"], consumers: ["employment centres"])
    /// Area reports (key: area code) for dashboards. No personal data. Reporting reads it back at the start of an
    /// empty store, so that a rebuilt store never publishes a report older than one already out, and every reporting
    /// instance keeps all of it, so that each shows every area.
    public static let report = TopicDefinition(
        "giamngheo.report.v1", type: EventTypes.areaReport, key: .areaCode, compacted: true, copartitionGroup: areaGroup,
        producers: ["reporting"], consumers: ["dashboards", "reporting"])
    /// An area's review year (``AreaYearReport``; key `<areaCode>/<year>`, partitioned by the area code), published when
    /// the year's figures change: what year-over-year dashboards follow. No personal data.
    public static let yearReport = TopicDefinition(
        "giamngheo.report.v2", type: EventTypes.areaYearReport, key: .areaAndYear, compacted: true, copartitionGroup: areaGroup,
        producers: ["reporting"], consumers: ["dashboards"])
    /// Area tallies (``AreaTally``): each fact counted once, by the service that decides it, per area and input partition
    /// (key: `<source>/<areaCode>/<partition>`, partitioned by area code). Compacted: the latest tally per key is what
    /// counts, so reporting rebuilds its area totals from it. No personal data.
    public static let areaTally = TopicDefinition(
        "giamngheo.area-tally.v1", type: EventTypes.areaTally, key: .tallyOfArea, compacted: true, copartitionGroup: areaGroup,
        producers: ["reporting", "loan-referral", "training-match"], consumers: ["reporting"])
    /// Eligibility's shadow runs: what a candidate standard would do to each area (key: `<standardId>/<areaCode>`).
    /// Compacted, so the latest run per standard and area is kept. Counts only, no personal data.
    public static let shadowDiff = TopicDefinition(
        "giamngheo.eligibility.shadow-diff.v1", type: EventTypes.shadowDiff, key: .standardAndArea, compacted: true,
        producers: ["eligibility"], consumers: ["dashboards", "ministries"])

    /// Household submissions from agencies (the HTTP survey body as the record value; any key). Personal.
    public static let agencySubmission = TopicDefinition(
        "giamngheo.intake.submission.v1", type: EventTypes.agencySubmission, key: .agencyChosen, compacted: false,
        producers: ["agencies"], consumers: ["intake"], personal: true)
    /// Intake's answer to each agency submission (key: its correlation id). Personal (see ``SubmissionOutcome``).
    public static let submissionOutcome = TopicDefinition(
        "giamngheo.intake.submission-outcome.v1", type: EventTypes.submissionOutcome, key: .correlationId, compacted: false,
        producers: ["intake"], consumers: ["agencies"], personal: true)

    /// What VBSP reports about each referral's loan (``BankLoanEvent``; key: household id, so it reaches the instance that
    /// holds the household's referrals). Written by the bank's offices, and by loan-referral's HTTP twin
    /// (`POST /v1/loan-events`) on their behalf; only `ce_source` values of the bank are applied. Personal: a household's
    /// loan amounts.
    public static let loanEvent = TopicDefinition(
        "giamngheo.vbsp.loan-event.v1", type: EventTypes.bankLoanEvent, key: .householdId, compacted: false,
        copartitionGroup: householdGroup, producers: ["VBSP offices"], consumers: ["loan-referral"], personal: true,
        twins: ["loan-referral"])
    /// loan-referral's answer to each bank event (key: its correlation id). Personal (it may quote submitted amounts).
    public static let loanEventOutcome = TopicDefinition(
        "giamngheo.vbsp.loan-event-outcome.v1", type: EventTypes.loanEventOutcome, key: .correlationId, compacted: false,
        producers: ["loan-referral"], consumers: ["VBSP offices"], personal: true)

    /// Each commune's list for its savings-and-loan groups, per review round (``ReferralList``; key
    /// `<communeCode>/<roundId>`), published when it changes. Compacted: the latest list per commune and round is what
    /// stands. Personal: the heads' names and CCCD numbers, which the bank and the groups need.
    public static let referralList = TopicDefinition(
        "giamngheo.vbsp.referral-list.v1", type: EventTypes.referralList, key: .communeAndRound, compacted: true,
        producers: ["loan-referral"], consumers: ["VBSP offices"], personal: true)
    /// One partition's share of a commune's list (``ReferralListPart``; key `<communeCode>/<roundId>/<partition>`,
    /// partitioned by `<communeCode>/<roundId>`): loan-referral's instances each hold some partitions of the classified
    /// households, so each publishes its share, and the instance holding the list's partition of this topic (group
    /// `loan-referral-lists`) puts the shares together and publishes the list. Compacted: the latest share per key.
    /// Personal, as the list. Internal to loan-referral.
    public static let referralListPart = TopicDefinition(
        "giamngheo.vbsp.referral-list-part.v1", type: EventTypes.referralListPart, key: .partOfList, compacted: true,
        producers: ["loan-referral"], consumers: ["loan-referral"], personal: true)
    /// Operator-defined groupings of communes (``AreaGrouping`` in reporting; key: the grouping's code), defined over
    /// reporting's HTTP API on any instance. Compacted: the latest definition per code stands, and a tombstone removes
    /// it. Every reporting instance reads the whole topic, so every one knows every grouping. No personal data.
    public static let grouping = TopicDefinition(
        "giamngheo.reporting.grouping.v1", type: EventTypes.grouping, key: .groupingCode, compacted: true,
        producers: ["reporting"], consumers: ["reporting"])
    /// Courses the employment service centres offer (``Course``; key: the course id). Compacted: the latest version per
    /// course stands, and a tombstone withdraws it. Written by the centres, and by training-match's HTTP twin
    /// (`POST /v1/courses`) on their behalf; only their `ce_source` values are applied. No personal data.
    public static let course = TopicDefinition(
        "giamngheo.employment.course.v1", type: EventTypes.course, key: .catalogueEntryId, compacted: true,
        producers: ["employment centres"], consumers: ["training-match"], twins: ["training-match"])
    /// Vacancies the centres publish for employers (``Vacancy``; key: the vacancy id); as courses.
    public static let vacancy = TopicDefinition(
        "giamngheo.employment.vacancy.v1", type: EventTypes.vacancy, key: .catalogueEntryId, compacted: true,
        producers: ["employment centres"], consumers: ["training-match"], twins: ["training-match"])
    /// training-match's answer to each course or vacancy record (``CatalogueOutcome``; key: its correlation id).
    public static let catalogueOutcome = TopicDefinition(
        "giamngheo.employment.catalogue-outcome.v1", type: EventTypes.catalogueOutcome, key: .correlationId, compacted: false,
        producers: ["training-match"], consumers: ["employment centres"])
    /// Each household's members' offers of courses and vacancies and where they stand (``TrainingOfferSet``; key:
    /// household id), published by training-match's matching when they change. Compacted. No names or identity numbers.
    public static let trainingOffer = TopicDefinition(
        "giamngheo.training-offer.v1", type: EventTypes.trainingOffer, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["training-match"], consumers: ["employment centres"])
    /// What the centres report about a member and an offer: offered, enrolled, completed, dropped, placed, departed
    /// (``PlacementEvent``; key: household id). Written by the centres, and by training-match's HTTP twin
    /// (`POST /v1/placement-events`) on their behalf. Personal: a person's employer and wage.
    public static let placementEvent = TopicDefinition(
        "giamngheo.employment.placement-event.v1", type: EventTypes.placementEvent, key: .householdId, compacted: false,
        copartitionGroup: householdGroup, producers: ["employment centres"], consumers: ["training-match"], personal: true,
        twins: ["training-match"])
    /// training-match's answer to each placement event (``PlacementOutcome``; key: its correlation id).
    public static let placementOutcome = TopicDefinition(
        "giamngheo.employment.placement-outcome.v1", type: EventTypes.placementOutcome, key: .correlationId, compacted: false,
        producers: ["training-match"], consumers: ["employment centres"])
    /// Denominators and targets of areas and years (``AreaFigure``; key `<areaCode>/<year>/<kind>`). Compacted: the
    /// latest version per key stands, and a tombstone withdraws it. Written by the statistics offices, and by reporting's
    /// HTTP twins (`PUT /v1/denominators/…`, `PUT /v1/targets/…`) for them and the programme's operator; only their
    /// `ce_source` values are applied. No personal data.
    public static let areaFigure = TopicDefinition(
        "giamngheo.statistics.area-figure.v1", type: EventTypes.areaFigure, key: .areaFigure, compacted: true,
        producers: ["statistics offices"], consumers: ["reporting"], twins: ["reporting"])
    /// reporting's answer to each area figure (``AreaFigureOutcome``; key: its correlation id).
    public static let areaFigureOutcome = TopicDefinition(
        "giamngheo.statistics.area-figure-outcome.v1", type: EventTypes.areaFigureOutcome, key: .correlationId, compacted: false,
        producers: ["reporting"], consumers: ["statistics offices"])
    /// Every access to personal data through the services' APIs (``AccessRecord``; key: its household, else its area,
    /// else its caller). Written by the five services through their outboxes, kept by intake for auditors
    /// (`GET /v1/audit`). Not compacted: an access log keeps every record (set its retention to the law's).
    public static let accessAudit = TopicDefinition(
        "giamngheo.audit.access.v1", type: EventTypes.accessRecord, key: .originalKey, compacted: false,
        producers: ["intake", "eligibility", "loan-referral", "training-match", "reporting"], consumers: ["intake"])
    /// Which partitions each instance of a service applies and where it answers HTTP (``InstanceClaim``; key:
    /// `<group>/<instanceId>`), so that any instance can forward a request to the one holding the household. Compacted:
    /// the latest claim of every member stands. No personal data. Kept a day at most: an instance repeats its claim every
    /// few seconds, and one gone for a day is not coming back as it was.
    public static let instanceClaim = TopicDefinition(
        "giamngheo.instance.v1", type: EventTypes.instanceClaim, key: .groupMember, compacted: true, retentionMs: 86_400_000,
        producers: ["intake", "eligibility", "loan-referral", "training-match", "reporting"],
        consumers: ["intake", "eligibility", "loan-referral", "training-match", "reporting"])
    /// Intake's record of every household version it stores: the survey as entered (with the members' identities),
    /// the snapshot published, the content hash a new survey is compared with, and the Idempotency-Key of the request
    /// that made it. Every intake instance keeps the whole registry from it, and the instance that takes over a
    /// household's partition continues its versions. Compacted; personal; intake's alone.
    public static let intakeHouseholdState = TopicDefinition(
        "giamngheo.intake.household-state.v1", type: EventTypes.intakeHouseholdState, key: .householdId, compacted: true,
        copartitionGroup: householdGroup, producers: ["intake"], consumers: ["intake"], personal: true)
    /// Agency submissions passed on by the intake instance that read them to the one that holds the household's
    /// partition (key: household id); the record is the agency's, with its CloudEvents attributes. Personal.
    public static let intakeHouseholdCommand = TopicDefinition(
        "giamngheo.intake.household-command.v1", type: EventTypes.agencySubmission, key: .householdId, compacted: false,
        copartitionGroup: householdGroup, producers: ["intake"], consumers: ["intake"], personal: true)
    /// The dead-letter topic of a consuming service: poison records with the reason and the original bytes.
    public static func deadLetter(_ service: String) -> TopicDefinition {
        TopicDefinition(
            "giamngheo.dlq.\(service).v1", key: .originalKey, compacted: false, producers: [service], consumers: ["operators"],
            personal: true)
    }

    public static let consumingServices = ["intake", "eligibility", "loan-referral", "training-match", "reporting"]

    /// The compacted topics each service reads back at the start of an empty store, so that it never publishes a
    /// version older than one already out (``PublishedVersions``).
    public static let readBack: [String: [TopicDefinition]] = [
        "loan-referral": [areaTally, referralListPart],
        "training-match": [areaTally, trainingOffer],
        "reporting": [areaTally, report, yearReport],
    ]

    /// The topics that carry the system's events (all but the dead-letter ones).
    public static var eventTopics: [TopicDefinition] {
        [
            household, classifiedHousehold, loanReferral, trainingMatch, areaTally, report, yearReport, shadowDiff, referralList, referralListPart,
            trainingOffer, accessAudit, grouping,
        ]
    }

    /// The topics agencies write to and read their answers from.
    public static var agencyTopics: [TopicDefinition] {
        [
            agencySubmission, submissionOutcome, loanEvent, loanEventOutcome, course, vacancy, catalogueOutcome, placementEvent, placementOutcome,
            areaFigure, areaFigureOutcome,
        ]
    }

    /// The topics the instances of a service use to find each other.
    public static var operationalTopics: [TopicDefinition] { [instanceClaim, intakeHouseholdState, intakeHouseholdCommand] }

    /// The broker settings a topic is created with: compaction, and its retention when the table gives one (else the
    /// broker's defaults).
    public static func configs(of topic: TopicDefinition) -> [String: String] {
        var configs: [String: String] = [:]
        if topic.compacted { configs["cleanup.policy"] = topic.retentionMs == nil ? "compact" : "compact,delete" }
        if let retention = topic.retentionMs { configs["retention.ms"] = String(retention) }
        return configs
    }

    /// Every topic the system needs, for creation at start-up.
    public static var all: [TopicDefinition] { eventTopics + agencyTopics + operationalTopics + consumingServices.map(deadLetter) }

    /// The `ce_type` values a topic carries (its own, and the calendar days on the classified households); nil for a
    /// topic without a declared type (dead-letter topics) or not in the topology: a record of another type is not applied.
    public static func eventTypes(of topic: String) -> Set<String>? { declaredTypes[topic] }

    private static let declaredTypes: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: all.compactMap { topic in
            topic.eventType.map { (topic.name, topic.name == classifiedHousehold.name ? [$0, EventTypes.calendarDay] : [$0]) }
        })

    /// The `ce_source` values allowed on a topic only the system's services write (nil for topics agencies write,
    /// and for topics not in the topology): a record from anyone else is not applied.
    public static func producerSources(of topic: String) -> Set<String>? { serviceWritten[topic] }

    private static let serviceWritten: [String: Set<String>] = Dictionary(
        uniqueKeysWithValues: all.filter { !$0.producers.isEmpty && $0.producers.allSatisfy(consumingServices.contains) }
            .map { ($0.name, Set($0.producers.map(EventSources.service))) })

    /// Why the topics as they exist cannot serve the topology: co-partitioned topics whose partition counts differ.
    /// Empty when all is well; topics that do not exist are not judged.
    public static func partitioningProblems(_ partitionCounts: [String: Int]) -> [String] {
        let groups = Dictionary(grouping: all.filter { $0.copartitionGroup != nil }, by: { $0.copartitionGroup! })
        return groups.keys.sorted().compactMap { group in
            let counts = groups[group]!.compactMap { topic in partitionCounts[topic.name].map { (topic.name, $0) } }
            guard Set(counts.map(\.1)).count > 1 else { return nil }
            let listed = counts.map { "\($0.0) has \($0.1)" }.joined(separator: ", ")
            return "topics partitioned by \(group) must have the same number of partitions (a consumer reads them together "
                + "partition by partition), but \(listed); re-create them with one count (TOPIC_PARTITIONS)"
        }
    }
}

/// CloudEvents `type` values; the suffix is the payload's major version.
public enum EventTypes {
    public static let householdSnapshot = "vn.giamngheo.household.snapshot.v1"
    public static let classifiedHousehold = "vn.giamngheo.classified-household.v1"
    public static let loanReferral = "vn.giamngheo.loan-referral.v1"
    public static let trainingMatch = "vn.giamngheo.training-match.v1"
    public static let areaReport = "vn.giamngheo.area-report.v1"
    public static let areaYearReport = "vn.giamngheo.area-year-report.v2"
    public static let areaTally = "vn.giamngheo.area-tally.v1"
    public static let deadLetter = "vn.giamngheo.dead-letter.v1"
    public static let agencySubmission = "vn.giamngheo.intake.submission.v1"
    public static let submissionOutcome = "vn.giamngheo.intake.submission-outcome.v1"
    public static let shadowDiff = "vn.giamngheo.eligibility.shadow-diff.v1"
    public static let bankLoanEvent = "vn.giamngheo.vbsp.loan-event.v1"
    public static let loanEventOutcome = "vn.giamngheo.vbsp.loan-event-outcome.v1"
    public static let referralList = "vn.giamngheo.vbsp.referral-list.v1"
    public static let referralListPart = "vn.giamngheo.vbsp.referral-list-part.v1"
    public static let grouping = "vn.giamngheo.reporting.grouping.v1"
    public static let calendarDay = "vn.giamngheo.calendar-day.v1"
    public static let accessRecord = "vn.giamngheo.audit.access.v1"
    public static let course = "vn.giamngheo.employment.course.v1"
    public static let vacancy = "vn.giamngheo.employment.vacancy.v1"
    public static let catalogueOutcome = "vn.giamngheo.employment.catalogue-outcome.v1"
    public static let trainingOffer = "vn.giamngheo.training-offer.v1"
    public static let placementEvent = "vn.giamngheo.employment.placement-event.v1"
    public static let placementOutcome = "vn.giamngheo.employment.placement-outcome.v1"
    public static let areaFigure = "vn.giamngheo.statistics.area-figure.v1"
    public static let areaFigureOutcome = "vn.giamngheo.statistics.area-figure-outcome.v1"
    public static let instanceClaim = "vn.giamngheo.instance-claim.v1"
    public static let intakeHouseholdState = "vn.giamngheo.intake.household-state.v1"

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
