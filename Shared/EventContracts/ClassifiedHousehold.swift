/// `giamngheo.classified-household.v1`: one household version as eligibility classified it, with the facts that loan
/// referral, training matching and reporting read, so that none of them joins two topics.
///
/// Ordered per household by (`householdVersion`, `rulesRevision`): a new survey or recognition raises the first, a
/// reclassification of the same version under a corrected catalogue raises the second.
public struct ClassifiedHousehold: Codable, Sendable, Hashable {
    public var householdId: String
    /// The household snapshot version classified (intake's version).
    public var householdVersion: Int64
    /// Revision of the standards catalogue that classified it.
    public var rulesRevision: Int
    public var area: AreaRef
    public var reviewKind: ReviewKind
    public var roundId: String
    /// The year whose list the classification is for; absent for snapshots written before list years.
    public var listYear: Int?
    /// YYYY-MM-DD: the day the facts were surveyed.
    public var surveyDate: String
    public var status: RecognitionStatus
    public var recognition: RecognitionDecision?
    /// When intake accepted the classified version (RFC 3339): the `ce_time` of this event and of what follows from it.
    public var recordedAt: String
    /// The head's identity, which VBSP needs to receive a referral (personal data).
    public var head: HeadIdentity
    /// Members by id and age with their surveyed facts (no name, CCCD or birth date).
    public var members: [HouseholdMember]
    /// Where reports count the household today (the surveyed `area` placed through the crosswalk); absent in events
    /// published before placement, which are counted in `area`.
    public var place: HouseholdPlace?
    /// The decision; absent exactly when the version could not be classified (`unclassified` says why).
    public var classification: ClassificationSummary?
    /// Why intake accepted this version but eligibility could not classify it, for the officer to act on; absent when
    /// classified. Downstream, it withdraws the household's earlier referrals and candidates.
    public var unclassified: Unclassified?
    /// The classes the commune chairman recognised for the household, oldest first, up to and including this version
    /// when it is recognised (``OfficialState``): review years are counted from it, so a report rebuilt from this
    /// topic alone, compacted to each household's latest version, still knows every year's start and end. Absent in
    /// events from before it was carried.
    public var officialHistory: [OfficialState]?

    public init(
        householdId: String, householdVersion: Int64, rulesRevision: Int, area: AreaRef, reviewKind: ReviewKind, roundId: String,
        surveyDate: String, status: RecognitionStatus, recognition: RecognitionDecision?, recordedAt: String, head: HeadIdentity,
        members: [HouseholdMember], classification: ClassificationSummary?, unclassified: Unclassified? = nil
    ) {
        self.householdId = householdId
        self.householdVersion = householdVersion
        self.rulesRevision = rulesRevision
        self.area = area
        self.reviewKind = reviewKind
        self.roundId = roundId
        self.surveyDate = surveyDate
        self.status = status
        self.recognition = recognition
        self.recordedAt = recordedAt
        self.head = head
        self.members = members
        self.classification = classification
        self.unclassified = unclassified
    }

    /// The event for a snapshot and its classification.
    public init(_ snapshot: HouseholdSnapshot, _ c: Classification) {
        self.init(
            householdId: snapshot.householdId, householdVersion: snapshot.version, rulesRevision: c.rulesRevision, area: snapshot.area,
            reviewKind: snapshot.reviewKind, roundId: snapshot.roundId, surveyDate: snapshot.surveyDate, status: snapshot.status,
            recognition: snapshot.recognition, recordedAt: snapshot.recordedAt,
            head: snapshot.head, members: snapshot.members,
            classification: ClassificationSummary(c))
        listYear = c.listYear
    }

    /// The event for a snapshot that could not be classified under catalogue revision `rulesRevision`.
    public init(_ snapshot: HouseholdSnapshot, unclassified: Unclassified, rulesRevision: Int) {
        self.init(
            householdId: snapshot.householdId, householdVersion: snapshot.version, rulesRevision: rulesRevision, area: snapshot.area,
            reviewKind: snapshot.reviewKind, roundId: snapshot.roundId, surveyDate: snapshot.surveyDate, status: snapshot.status,
            recognition: snapshot.recognition, recordedAt: snapshot.recordedAt, head: snapshot.head, members: snapshot.members,
            classification: nil, unclassified: unclassified)
        listYear = snapshot.listYear
    }

    /// Where its tallies count it: its placement, or the surveyed area in events from before placement.
    public var reportingPlace: HouseholdPlace { place ?? HouseholdPlace(surveyed: area) }

    /// The order of this household's classified versions.
    public var order: VersionOrder { VersionOrder(householdVersion: householdVersion, rulesRevision: rulesRevision) }
}

/// Where reports count a household: the commune and province in force today that succeed the unit it was surveyed in
/// (through the dated crosswalk), so a former code is counted in its successor and a reused code never merges a former
/// unit with today's under the former unit's province.
public struct HouseholdPlace: Codable, Sendable, Hashable {
    public var communeCode: String
    public var provinceCode: String
    /// The surveyed commune was split between several of today's communes, so it keeps its former code (in the
    /// province of its successors).
    public var formerUnit: Bool
    /// For a former unit, the area code its commune-level figures are reported under: `<code>@<last day in force>`
    /// (e.g. `05467@2025-06-30`), since one of today's communes may have reused its code.
    public var formerUnitKey: String?
    /// The district of before 1 Jul 2025 whose report counts it (3 digits, e.g. `058` Thành phố Bắc Kạn): the one all
    /// the former communes of its place belonged to; absent when they came from several districts.
    public var formerDistrictCode: String?

    public init(
        communeCode: String, provinceCode: String, formerUnit: Bool = false, formerUnitKey: String? = nil, formerDistrictCode: String? = nil
    ) {
        self.communeCode = communeCode
        self.provinceCode = provinceCode
        self.formerUnit = formerUnit
        self.formerUnitKey = formerUnitKey
        self.formerDistrictCode = formerDistrictCode
    }

    /// The area code of its commune-level figures: today's commune, or the former unit's key.
    public var communeAreaCode: String { formerUnitKey ?? communeCode }

    /// The areas whose reports count it, with their levels: its commune, its province and its former district.
    public var areas: [(code: String, level: AreaLevel)] {
        [(communeAreaCode, .commune), (provinceCode, .province)] + (formerDistrictCode.map { [($0, .formerDistrict)] } ?? [])
    }

    /// The surveyed area as it is, for events from before placement.
    public init(surveyed area: AreaRef) {
        self.init(communeCode: area.communeCode, provinceCode: area.provinceCode)
    }
}

/// Why a household version could not be classified: the field at fault and the reason, in words an officer can act on.
public struct Unclassified: Codable, Sendable, Hashable {
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
}

/// Which version of a household, under which rules, a derived result follows from; compared field by field.
public struct VersionOrder: Codable, Sendable, Hashable, Comparable {
    public var householdVersion: Int64
    public var rulesRevision: Int

    public init(householdVersion: Int64, rulesRevision: Int) {
        self.householdVersion = householdVersion
        self.rulesRevision = rulesRevision
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.householdVersion, lhs.rulesRevision) < (rhs.householdVersion, rhs.rulesRevision)
    }

    /// `ce_id` parts that name this version (the same version gives the same id after any replay).
    public var idParts: [String] { [String(householdVersion), String(rulesRevision)] }
}

/// The decision without its explanation: the reasons, income detail and notes are served by eligibility
/// (`GET /v1/households/{id}/classification`, named in `explanation`).
public struct ClassificationSummary: Codable, Sendable, Hashable {
    public var standard: StandardRef
    public var householdClass: HouseholdClass
    public var deprivationCount: Int
    /// Ids of the indicators the household is deprived on, in the standard's order.
    public var deprivedIndicators: [String]
    public var transition: Transition
    public var previousClass: HouseholdClass?
    /// Date of the decision that recognised the household's escape from poverty, from which programme windows run.
    public var escapedOn: String?
    /// Head of household belongs to an ethnic minority.
    public var ethnicMinority: Bool
    /// No member has working capacity.
    public var noWorkingCapacity: Bool
    /// Whether the household's workers are low-income workers (Decree 30/2025/NĐ-CP); absent when the standard sets
    /// no limit for them.
    public var lowIncomeWorkers: Bool?
    /// The class under the province's own higher standard, when it has one.
    public var local: LocalClass?
    /// Where the full explanation is served (path on eligibility's API).
    public var explanation: String

    public struct LocalClass: Codable, Sendable, Hashable {
        public var standard: StandardRef
        public var householdClass: HouseholdClass

        public init(standard: StandardRef, householdClass: HouseholdClass) {
            self.standard = standard
            self.householdClass = householdClass
        }
    }

    public init(
        standard: StandardRef, householdClass: HouseholdClass, deprivationCount: Int, deprivedIndicators: [String],
        transition: Transition, previousClass: HouseholdClass?, escapedOn: String?, ethnicMinority: Bool, noWorkingCapacity: Bool,
        lowIncomeWorkers: Bool?, local: LocalClass?, explanation: String
    ) {
        self.standard = standard
        self.householdClass = householdClass
        self.deprivationCount = deprivationCount
        self.deprivedIndicators = deprivedIndicators
        self.transition = transition
        self.previousClass = previousClass
        self.escapedOn = escapedOn
        self.ethnicMinority = ethnicMinority
        self.noWorkingCapacity = noWorkingCapacity
        self.lowIncomeWorkers = lowIncomeWorkers
        self.local = local
        self.explanation = explanation
    }

    public init(_ c: Classification) {
        self.init(
            standard: c.standard, householdClass: c.householdClass, deprivationCount: c.deprivationCount,
            deprivedIndicators: c.indicators.filter(\.deprived).map(\.id), transition: c.transition, previousClass: c.previousClass,
            escapedOn: c.escapedOn, ethnicMinority: c.ethnicMinority, noWorkingCapacity: c.noWorkingCapacity,
            lowIncomeWorkers: c.lowIncomeWorkers?.qualifies,
            local: c.local.map { LocalClass(standard: $0.standard, householdClass: $0.householdClass) },
            explanation: "/v1/households/\(c.householdId)/classification")
    }
}

/// A new calendar day, announced by eligibility on every partition of `giamngheo.classified-household.v1` (type
/// `vn.giamngheo.calendar-day.v1`), so that what changes with time alone (a newly-escaped household's 36-month window
/// ending) changes as an input in each partition's order: the same records replayed give the same results.
public struct CalendarDay: Codable, Sendable, Hashable {
    /// YYYY-MM-DD in Vietnam (UTC+7).
    public var day: String
    /// The partition the record was written to: a consumer applies the day to that partition's households.
    public var partition: Int32

    public init(day: String, partition: Int32) {
        self.day = day
        self.partition = partition
    }

    /// When `day` begins in Vietnam, in UTC as every `ce_time` is: 17:00 of the day before.
    public static func start(of day: String) -> String {
        guard let date = CalendarDate(day) else { return day }
        return "\(date.adding(days: -1))T17:00:00.000Z"
    }
}
