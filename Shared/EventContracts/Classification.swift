public enum HouseholdClass: String, Codable, Sendable, CaseIterable, Comparable {
    case poor, nearPoor, averageLiving, none

    /// Poorer classes sort first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    public var rank: Int {
        switch self {
        case .poor: 0
        case .nearPoor: 1
        case .averageLiving: 2
        case .none: 3
        }
    }
}

/// The change against the household's previous official class.
public enum Transition: String, Codable, Sendable, CaseIterable {
    /// No previous official class is known.
    case first
    case unchanged
    /// Poor now, not poor before and never escaped poverty (nghèo phát sinh).
    case newlyPoor
    /// Poor again after having escaped (tái nghèo).
    case rePoor
    case newlyNearPoor
    /// Was poor, now above the poverty classes (thoát nghèo).
    case escapedPoverty
    /// Was near-poor, now above it (thoát cận nghèo).
    case escapedNearPoverty
    /// Was poor, now near-poor.
    case poorToNearPoor
}

/// Which standard decided, by id and revision.
public struct StandardRef: Codable, Sendable, Hashable {
    /// e.g. `VN-2022-2025` (Decree 07/2021/NĐ-CP) or `VN-2027-2030` (Decree 351/2025/NĐ-CP).
    public var id: String
    /// Revision of the standard's data; a corrected value raises it.
    public var revision: Int
    public var legalBasis: String

    public init(id: String, revision: Int, legalBasis: String) {
        self.id = id
        self.revision = revision
        self.legalBasis = legalBasis
    }
}

/// One indicator's verdict and why.
public struct IndicatorResult: Codable, Sendable, Hashable {
    public var id: String
    public var dimension: String
    public var deprived: Bool
    public var reason: String

    public init(id: String, dimension: String, deprived: Bool, reason: String) {
        self.id = id
        self.dimension = dimension
        self.deprived = deprived
        self.reason = reason
    }
}

public struct IncomeAssessment: Codable, Sendable, Hashable {
    public var method: IncomeMethod
    /// Income per person per month used, VND (absent when only a score was given).
    public var perCapitaMonthlyVnd: Int64?
    /// The poverty line that applied (by area type), VND per person per month.
    public var povertyLineVnd: Int64
    /// The upper bound of the average-living-standard band, when the standard defines one.
    public var averageLivingLineVnd: Int64?
    /// Score A and its threshold, when classified by Circular 07 scoring.
    public var scoreA: Int?
    public var scoreAThreshold: Int?
    public var atOrBelowPovertyLine: Bool
    /// What income was judged from: `perCapitaIncome`, `totalIncomePerMember`, `scoreA` or `unknown`.
    public var basis: String?
    /// Circular 07 score B as the review reported it (informative; the count comes from the facts).
    public var scoreB: Int?

    public init(
        method: IncomeMethod, perCapitaMonthlyVnd: Int64?, povertyLineVnd: Int64, averageLivingLineVnd: Int64?,
        scoreA: Int? = nil, scoreAThreshold: Int? = nil, atOrBelowPovertyLine: Bool
    ) {
        self.method = method
        self.perCapitaMonthlyVnd = perCapitaMonthlyVnd
        self.povertyLineVnd = povertyLineVnd
        self.averageLivingLineVnd = averageLivingLineVnd
        self.scoreA = scoreA
        self.scoreAThreshold = scoreAThreshold
        self.atOrBelowPovertyLine = atOrBelowPovertyLine
    }
}

/// A household's class under its round's standard (the national standard of the list year the round establishes), explained: what eligibility stores and serves
/// (`GET /v1/households/{id}/classification`), and the source of `giamngheo.classified-household.v1`. Classifications
/// of one household are ordered by (`householdVersion`, `rulesRevision`).
public struct Classification: Codable, Sendable, Hashable {
    public var householdId: String
    /// The household snapshot version this classifies.
    public var householdVersion: Int64
    /// Revision of the whole standards catalogue that produced this result.
    public var rulesRevision: Int
    public var area: AreaRef
    public var surveyDate: String
    public var roundId: String
    /// The year whose list this classification is for (the round's list year); absent for snapshots written before
    /// list years, which were classified under the standard in force on their survey date.
    public var listYear: Int?
    /// The classified snapshot's status: only a `recognised` version's class becomes the household's official class.
    public var status: RecognitionStatus
    /// The commune chairman's decision that recognised the classified version, when it is `recognised`.
    public var recognition: RecognitionDecision?
    public var standard: StandardRef
    public var householdClass: HouseholdClass
    public var income: IncomeAssessment
    public var indicators: [IndicatorResult]
    public var deprivationCount: Int
    public var transition: Transition
    /// The household's previous official class, if any.
    public var previousClass: HouseholdClass?
    /// Date of the recognition decision (YYYY-MM-DD) of the version in which the household escaped poverty, from
    /// which programme windows run; absent if no escape has been recognised (a proposed escape sets none).
    public var escapedOn: String?
    public var memberCount: Int
    /// Head of household belongs to an ethnic minority (reports split by it).
    public var ethnicMinority: Bool
    /// No member has working capacity (reports split by it).
    public var noWorkingCapacity: Bool
    /// Caveats an officer should read (income unknown, a fallback used, a missing fact).
    public var notes: [String]?
    /// The class under the province's own higher standard, when the province has one (e.g. Bắc Ninh), kept beside
    /// the national result; national programmes follow the national class.
    public var local: LocalClassification?
    /// Whether the household's workers count as low-income workers (Decree 30/2025/NĐ-CP); absent when the
    /// standard sets no limit for them.
    public var lowIncomeWorkers: LowIncomeWorkerAssessment?

    public init(
        householdId: String, householdVersion: Int64, rulesRevision: Int, area: AreaRef, surveyDate: String,
        roundId: String, status: RecognitionStatus, standard: StandardRef, householdClass: HouseholdClass,
        income: IncomeAssessment, indicators: [IndicatorResult], deprivationCount: Int, transition: Transition,
        previousClass: HouseholdClass?, escapedOn: String?, memberCount: Int, ethnicMinority: Bool, noWorkingCapacity: Bool
    ) {
        self.householdId = householdId
        self.householdVersion = householdVersion
        self.rulesRevision = rulesRevision
        self.area = area
        self.surveyDate = surveyDate
        self.roundId = roundId
        self.status = status
        self.standard = standard
        self.householdClass = householdClass
        self.income = income
        self.indicators = indicators
        self.deprivationCount = deprivationCount
        self.transition = transition
        self.previousClass = previousClass
        self.escapedOn = escapedOn
        self.memberCount = memberCount
        self.ethnicMinority = ethnicMinority
        self.noWorkingCapacity = noWorkingCapacity
    }
}

/// A household's class under a provincial standard, beside the national one.
public struct LocalClassification: Codable, Sendable, Hashable {
    public var standard: StandardRef
    public var householdClass: HouseholdClass
    public var income: IncomeAssessment
    public var deprivationCount: Int

    public init(standard: StandardRef, householdClass: HouseholdClass, income: IncomeAssessment, deprivationCount: Int) {
        self.standard = standard
        self.householdClass = householdClass
        self.income = income
        self.deprivationCount = deprivationCount
    }
}

/// Người lao động có thu nhập thấp (Decree 30/2025/NĐ-CP, amending Decree 07/2021): a worker in a household that is
/// neither poor nor near-poor, with income per person at or below a limit. It is a group of people, not a household
/// class: the household keeps its class, and its working-age members may apply (e.g. for vocational training).
public struct LowIncomeWorkerAssessment: Codable, Sendable, Hashable {
    /// The limit that applied (by area type), VND per person per month.
    public var limitVnd: Int64
    /// The household's workers are low-income workers.
    public var qualifies: Bool
    /// Why, in plain English, with the figures compared.
    public var reason: String

    public init(limitVnd: Int64, qualifies: Bool, reason: String) {
        self.limitVnd = limitVnd
        self.qualifies = qualifies
        self.reason = reason
    }
}
