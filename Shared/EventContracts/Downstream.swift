public enum ReferralStatus: String, Codable, Sendable, CaseIterable {
    /// On the commune's draft list: the household's class is proposed and the commune chairman has not yet recognised
    /// it, so VBSP may prepare but does not lend (it lends to households on the recognised list).
    case candidate
    /// The household's class was recognised by the commune chairman's decision: a referral VBSP can act on.
    case referred
    /// The household no longer qualifies (its class changed, or the decision left it out): kept in the set with the
    /// reason, so the bank sees the referral end. A loan approved before goes on; one not yet approved is withdrawn.
    case withdrawn
}

/// One referral of a household to a VBSP programme, with the terms in force when it was issued.
public struct LoanReferral: Codable, Sendable, Hashable {
    /// Stable for the household and programme across rounds and survey versions: what the bank reconciles on.
    public var referralId: String
    public var programmeId: String
    public var programmeName: String
    public var legalBasis: String
    public var maxLoanVnd: Int64
    public var annualRatePercent: Double
    public var maxTermMonths: Int
    /// Why the household qualifies, in words an officer can check.
    public var reason: String
    public var status: ReferralStatus
    /// A referral's day: the recognition decision's date for `referred`, the survey date for a `candidate`.
    public var referredOn: String
    /// Why a `withdrawn` referral ended.
    public var withdrawnReason: String?
    /// The last day the referral applies, for a programme with a window (newly escaped: 36 months from the escape
    /// decision); loan-referral withdraws it on the first calendar day after.
    public var validUntil: String?

    public init(
        referralId: String, programmeId: String, programmeName: String, legalBasis: String, maxLoanVnd: Int64,
        annualRatePercent: Double, maxTermMonths: Int, reason: String, status: ReferralStatus, referredOn: String,
        withdrawnReason: String? = nil, validUntil: String? = nil
    ) {
        self.referralId = referralId
        self.programmeId = programmeId
        self.programmeName = programmeName
        self.legalBasis = legalBasis
        self.maxLoanVnd = maxLoanVnd
        self.annualRatePercent = annualRatePercent
        self.maxTermMonths = maxTermMonths
        self.reason = reason
        self.status = status
        self.referredOn = referredOn
        self.withdrawnReason = withdrawnReason
        self.validUntil = validUntil
    }
}

/// `giamngheo.loan-referral.v1`: every current referral of one household (empty when none applies).
public struct LoanReferralSet: Codable, Sendable, Hashable {
    public var householdId: String
    /// The classified household version the referrals follow from.
    public var householdVersion: Int64
    /// The standards catalogue revision that classified it.
    public var rulesRevision: Int
    /// The programme catalogue revision that referred it.
    public var programmesRevision: Int
    public var area: AreaRef
    /// Absent when the household version could not be classified (the set is then empty).
    public var householdClass: HouseholdClass?
    /// The head's identity, which the bank needs to receive the household (personal data).
    public var head: HeadIdentity
    public var referrals: [LoanReferral]
    /// The review round of the classified version, and the commune chairman's decision that recognised it (absent
    /// while proposed): the list the bank lends on. Absent in sets published before they were carried.
    public var roundId: String?
    public var recognition: RecognitionDecision?
    /// Where reports count the household today (``HouseholdPlace``); the commune lists are by it.
    public var place: HouseholdPlace?

    public init(
        householdId: String, householdVersion: Int64, rulesRevision: Int, programmesRevision: Int, area: AreaRef,
        householdClass: HouseholdClass?, head: HeadIdentity, referrals: [LoanReferral], roundId: String? = nil,
        recognition: RecognitionDecision? = nil, place: HouseholdPlace? = nil
    ) {
        self.householdId = householdId
        self.householdVersion = householdVersion
        self.rulesRevision = rulesRevision
        self.programmesRevision = programmesRevision
        self.area = area
        self.householdClass = householdClass
        self.head = head
        self.referrals = referrals
        self.roundId = roundId
        self.recognition = recognition
        self.place = place
    }
}

/// A working-age member put forward for vocational training and jobs; no name or CCCD.
public struct TrainingCandidate: Codable, Sendable, Hashable {
    public var memberId: String
    public var ageYears: Int
    public var sex: Sex
    public var employmentStatus: EmploymentStatus
    public var educationAttained: EducationLevel
    public var disability: Disability
    /// Highest training-cost support for this member's group (Decision 46/2015/QĐ-TTg), VND per course.
    public var trainingSupportCapVnd: Int64
    public var reason: String
    /// What the member is put forward for: asked for in the survey, or inferred from their situation
    /// (docs/training-rules.md). Absent in sets published before the survey's wishes were read.
    public var wants: [CandidateInterest]?
    /// The group that sets their support and priority (absent in sets published before matching read it).
    public var supportGroup: SupportGroup?
    /// The kind of work they do, for the match's "has worked in" (absent when not employed).
    public var employmentType: EmploymentType?
    /// Had state-supported vocational training before (the survey's answer; absent when not asked).
    public var priorStateTraining: Bool?

    public init(
        memberId: String, ageYears: Int, sex: Sex, employmentStatus: EmploymentStatus, educationAttained: EducationLevel,
        disability: Disability, trainingSupportCapVnd: Int64, reason: String, wants: [CandidateInterest]? = nil,
        supportGroup: SupportGroup? = nil, employmentType: EmploymentType? = nil, priorStateTraining: Bool? = nil
    ) {
        self.supportGroup = supportGroup
        self.employmentType = employmentType
        self.priorStateTraining = priorStateTraining
        self.memberId = memberId
        self.ageYears = ageYears
        self.sex = sex
        self.employmentStatus = employmentStatus
        self.educationAttained = educationAttained
        self.disability = disability
        self.trainingSupportCapVnd = trainingSupportCapVnd
        self.reason = reason
        self.wants = wants
    }
}

/// What a candidate is put forward for.
public enum CandidateInterest: String, Codable, Sendable, CaseIterable {
    case training, job
}

/// A working-age member of an eligible household who is not put forward, and why (in school, asked for neither, …).
public struct NotPutForward: Codable, Sendable, Hashable {
    public var memberId: String
    public var reason: String

    public init(memberId: String, reason: String) {
        self.memberId = memberId
        self.reason = reason
    }
}

/// `giamngheo.training-match.v1`: a household's current training and job candidates.
public struct TrainingMatchSet: Codable, Sendable, Hashable {
    public var householdId: String
    /// The classified household version the candidates follow from.
    public var householdVersion: Int64
    /// The standards catalogue revision that classified it.
    public var rulesRevision: Int
    /// The training rules revision that selected the candidates.
    public var trainingRulesRevision: Int
    public var area: AreaRef
    /// Absent when the household version could not be classified (the set is then empty).
    public var householdClass: HouseholdClass?
    public var candidates: [TrainingCandidate]
    /// The household's other working-age members, each with why they are not put forward (absent when none).
    public var notPutForward: [NotPutForward]?
    /// The survey's date, from which members' ages on a course's start are counted.
    public var surveyDate: String?
    /// The household has low-income workers (Decree 30/2025), who come after the poor and near-poor in matching.
    public var lowIncomeWorkers: Bool?
    /// When the household escaped poverty, for a household newly escaped (its members come after the near-poor).
    public var escapedOn: String?

    public init(
        householdId: String, householdVersion: Int64, rulesRevision: Int, trainingRulesRevision: Int, area: AreaRef,
        householdClass: HouseholdClass?, candidates: [TrainingCandidate], notPutForward: [NotPutForward]? = nil, surveyDate: String? = nil,
        lowIncomeWorkers: Bool? = nil, escapedOn: String? = nil
    ) {
        self.surveyDate = surveyDate
        self.lowIncomeWorkers = lowIncomeWorkers
        self.escapedOn = escapedOn
        self.householdId = householdId
        self.householdVersion = householdVersion
        self.rulesRevision = rulesRevision
        self.trainingRulesRevision = trainingRulesRevision
        self.area = area
        self.householdClass = householdClass
        self.candidates = candidates
        self.notPutForward = notPutForward
    }
}

/// `giamngheo.area-tally.v1`: what the households of one input partition add to one area's counters, by the service that
/// decides those facts (reporting for classes and transitions, loan-referral for referrals, training-match for
/// candidates). Keyed `<source>/<areaCode>/<partition>` and partitioned by area code (`ce_partitionkey`), so one
/// reporting instance holds every tally of an area; compacted, so the latest tally per key is kept.
///
/// A pure function of its input: `version` is one more than the offset of the last input record (on `inputTopic`,
/// `partition`) that changed these counters, and the counters are those after that record. Replayed or rebuilt, the
/// same version carries the same counts.
public struct AreaTally: Codable, Sendable, Hashable {
    public var source: String
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var provinceCode: String
    public var inputTopic: String
    public var partition: Int32
    public var version: Int64
    /// Named counters (`total`, `class.poor`, `referral.programme.<id>`, …); zero counters are left out.
    public var counts: [String: Int]

    public init(
        source: String, areaCode: String, areaLevel: AreaLevel, provinceCode: String, inputTopic: String, partition: Int32, version: Int64,
        counts: [String: Int]
    ) {
        self.source = source
        self.areaCode = areaCode
        self.areaLevel = areaLevel
        self.provinceCode = provinceCode
        self.inputTopic = inputTopic
        self.partition = partition
        self.version = version
        self.counts = counts
    }

    /// The record key: one tally per source, area and input partition.
    public var key: String { "\(source)/\(areaCode)/\(partition)" }
}

/// The level of a reported area: a commune of today, a province of today, or a district of before 1 Jul 2025 followed
/// as a grouping of today's communes (its 3-digit code; `provinceCode` is today's province).
/// `grouping`: an operator-defined set of communes (``AreaGrouping``), reported on request as the sum of its communes.
public enum AreaLevel: String, Codable, Sendable, CaseIterable { case commune, province, formerDistrict, grouping }

/// Counts of households by class, with rates over the total (percent, two decimals).
public struct ClassCounts: Codable, Sendable, Hashable {
    public var total: Int
    public var poor: Int
    public var nearPoor: Int
    public var averageLiving: Int
    public var none: Int
    public var poorRatePercent: Double
    public var nearPoorRatePercent: Double

    public init(total: Int, poor: Int, nearPoor: Int, averageLiving: Int, none: Int) {
        self.total = total
        self.poor = poor
        self.nearPoor = nearPoor
        self.averageLiving = averageLiving
        self.none = none
        self.poorRatePercent = Self.rate(poor, total)
        self.nearPoorRatePercent = Self.rate(nearPoor, total)
    }

    public static func rate(_ part: Int, _ total: Int) -> Double {
        total == 0 ? 0 : (Double(part) * 10_000 / Double(total)).rounded() / 100
    }
}

public struct TransitionCounts: Codable, Sendable, Hashable {
    public var newlyPoor: Int
    public var rePoor: Int
    public var newlyNearPoor: Int
    public var escapedPoverty: Int
    public var escapedNearPoverty: Int
    public var poorToNearPoor: Int

    public init(newlyPoor: Int = 0, rePoor: Int = 0, newlyNearPoor: Int = 0, escapedPoverty: Int = 0, escapedNearPoverty: Int = 0, poorToNearPoor: Int = 0) {
        self.newlyPoor = newlyPoor
        self.rePoor = rePoor
        self.newlyNearPoor = newlyNearPoor
        self.escapedPoverty = escapedPoverty
        self.escapedNearPoverty = escapedNearPoverty
        self.poorToNearPoor = poorToNearPoor
    }
}

public struct ReferralCounts: Codable, Sendable, Hashable {
    /// Households with at least one referral.
    public var households: Int
    public var referrals: Int
    public var byProgramme: [String: Int]

    public init(households: Int, referrals: Int, byProgramme: [String: Int]) {
        self.households = households
        self.referrals = referrals
        self.byProgramme = byProgramme
    }
}

public struct TrainingCounts: Codable, Sendable, Hashable {
    public var households: Int
    public var candidates: Int
    /// What became of the offers, as the employment centres report it (absent in reports from before outcomes).
    public var outcomes: TrainingOutcomeCounts?

    public init(households: Int, candidates: Int, outcomes: TrainingOutcomeCounts? = nil) {
        self.households = households
        self.candidates = candidates
        self.outcomes = outcomes
    }
}

/// Members who reached each step with any of their offers, and the course support committed to those who enrolled.
public struct TrainingOutcomeCounts: Codable, Sendable, Hashable {
    public struct Steps: Codable, Sendable, Hashable {
        public var offered: Int
        public var enrolled: Int
        public var completed: Int
        public var dropped: Int
        public var placed: Int
        public var departed: Int

        init(counts: [String: Int], prefix: String) {
            offered = counts["\(prefix)offered"] ?? 0
            enrolled = counts["\(prefix)enrolled"] ?? 0
            completed = counts["\(prefix)completed"] ?? 0
            dropped = counts["\(prefix)dropped"] ?? 0
            placed = counts["\(prefix)placed"] ?? 0
            departed = counts["\(prefix)departed"] ?? 0
        }
    }

    public var members: Steps
    /// The same by support group (``SupportGroup`` raw values), groups with any member only.
    public var byGroup: [String: Steps]
    public var supportCommittedVnd: Int

    /// From an area's counters (`training.outcome.*` keys, tallied by training-match).
    public init(counts: [String: Int]) {
        members = Steps(counts: counts, prefix: "training.outcome.")
        let groups = Set(counts.keys.compactMap { key -> String? in
            guard key.hasPrefix("training.outcome.group.") else { return nil }
            return key.dropFirst("training.outcome.group.".count).split(separator: ".").first.map(String.init)
        })
        byGroup = Dictionary(uniqueKeysWithValues: groups.map { ($0, Steps(counts: counts, prefix: "training.outcome.group.\($0).")) })
        supportCommittedVnd = counts["training.outcome.supportVnd"] ?? 0
    }
}

/// `giamngheo.report.v1`: an area's current totals (key: area code). Aggregates only, no personal data.
public struct AreaReport: Codable, Sendable, Hashable {
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var areaName: String?
    public var provinceCode: String
    /// Grows with every change applied to the area.
    public var version: Int64
    public var asOf: String
    /// Standards the counted classifications were made under; rates under different standards are not comparable.
    public var standardIds: [String]
    public var households: ClassCounts
    public var urban: ClassCounts
    public var rural: ClassCounts
    public var ethnicMinority: ClassCounts
    public var noWorkingCapacity: ClassCounts
    public var transitions: TransitionCounts
    public var recognised: Int
    public var proposed: Int
    /// Poor households deprived on each indicator.
    public var poorDeprivedBy: [String: Int]
    /// Near-poor households deprived on each indicator (absent in reports from before it was counted).
    public var nearPoorDeprivedBy: [String: Int]?
    /// Households referred to VBSP and their referrals: recognised households only.
    public var referrals: ReferralCounts
    /// Households on the communes' draft lists that would be referred once recognised (status `candidate`); absent in
    /// reports published before referral followed recognition.
    public var loanCandidates: ReferralCounts?
    public var training: TrainingCounts
    /// Households whose workers are low-income workers (Decree 30/2025/NĐ-CP); none of them is poor or near-poor.
    public var lowIncomeWorkerHouseholds: Int
    /// Households whose latest survey intake accepted but eligibility could not classify (the reason is at
    /// `GET /v1/households/{id}/classification`); they are in no class and not in `households.total`. Absent in reports
    /// published before unclassified versions were counted.
    public var unclassified: Int?
    /// For a former district: the communes its figures are the sum of (today's communes made only of its former
    /// communes, and its split former communes under their former codes)…
    public var communes: [String]?
    /// …and today's communes made partly of its former communes, named and not counted (they cannot be attributed).
    public var communesPartlyIn: [String]?
    /// Preferential credit from VBSP, as the bank reported it (absent in reports from before bank events).
    public var credit: CreditCounts?
    /// The recognised lists in force now (absent in reports from before official histories were carried).
    public var official: OfficialLists?
    /// Review years from the first with a recognition decision: official start, flows and end, and what is proposed
    /// (absent in reports from before official histories were carried).
    public var reviewYears: [ReviewYearCounts]?
    /// Published figures of past years loaded for the area (``AreaFigure`` baselines), to compare with its review years.
    public var baselines: [YearBaseline]?

    public init(
        areaCode: String, areaLevel: AreaLevel, areaName: String?, provinceCode: String, version: Int64, asOf: String,
        standardIds: [String], households: ClassCounts, urban: ClassCounts, rural: ClassCounts, ethnicMinority: ClassCounts,
        noWorkingCapacity: ClassCounts, transitions: TransitionCounts, recognised: Int, proposed: Int,
        poorDeprivedBy: [String: Int], nearPoorDeprivedBy: [String: Int]? = nil, referrals: ReferralCounts, loanCandidates: ReferralCounts? = nil, training: TrainingCounts,
        lowIncomeWorkerHouseholds: Int, unclassified: Int? = nil, communes: [String]? = nil, communesPartlyIn: [String]? = nil,
        credit: CreditCounts? = nil, official: OfficialLists? = nil, reviewYears: [ReviewYearCounts]? = nil, baselines: [YearBaseline]? = nil
    ) {
        self.baselines = baselines
        self.areaCode = areaCode
        self.areaLevel = areaLevel
        self.areaName = areaName
        self.provinceCode = provinceCode
        self.version = version
        self.asOf = asOf
        self.standardIds = standardIds
        self.households = households
        self.urban = urban
        self.rural = rural
        self.ethnicMinority = ethnicMinority
        self.noWorkingCapacity = noWorkingCapacity
        self.transitions = transitions
        self.recognised = recognised
        self.proposed = proposed
        self.nearPoorDeprivedBy = nearPoorDeprivedBy
        self.poorDeprivedBy = poorDeprivedBy
        self.referrals = referrals
        self.loanCandidates = loanCandidates
        self.training = training
        self.lowIncomeWorkerHouseholds = lowIncomeWorkerHouseholds
        self.unclassified = unclassified
        self.communes = communes
        self.communesPartlyIn = communesPartlyIn
        self.credit = credit
        self.official = official
        self.reviewYears = reviewYears
    }
}

/// Loans of the current cycle (one per referral) by where they stand, and their principal. Unit: loans, and VND.
public struct CreditFigures: Codable, Sendable, Hashable {
    /// Requests the savings-and-loan groups received.
    public var applied: Int
    public var approved: Int
    public var rejected: Int
    /// Loans paid out (including those since repaid or written off).
    public var disbursed: Int
    public var overdue: Int
    public var repaid: Int
    public var writtenOff: Int
    public var disbursedVnd: Int
    /// Principal still owed on loans disbursed, overdue or frozen.
    public var outstandingVnd: Int
    public var overdueVnd: Int

    public init(counts: [String: Int], prefix: String) {
        func value(_ name: String) -> Int { counts["\(prefix)\(name)"] ?? 0 }
        (applied, approved, rejected, disbursed) = (value("applied"), value("approved"), value("rejected"), value("disbursed"))
        (overdue, repaid, writtenOff) = (value("overdue"), value("repaid"), value("writtenOff"))
        (disbursedVnd, outstandingVnd, overdueVnd) = (value("disbursedVnd"), value("outstandingVnd"), value("overdueVnd"))
    }
}

/// An area's preferential credit: households that asked, were lent, are overdue; loans in total and by programme.
public struct CreditCounts: Codable, Sendable, Hashable {
    public var householdsApplied: Int
    public var householdsDisbursed: Int
    public var householdsOverdue: Int
    public var loans: CreditFigures
    public var byProgramme: [String: CreditFigures]

    /// From an area's counters (`credit.*` keys, tallied by loan-referral).
    public init(counts: [String: Int]) {
        householdsApplied = counts["credit.households.applied"] ?? 0
        householdsDisbursed = counts["credit.households.disbursed"] ?? 0
        householdsOverdue = counts["credit.households.overdue"] ?? 0
        loans = CreditFigures(counts: counts, prefix: "credit.loans.")
        let programmes = Set(counts.keys.compactMap { key -> String? in
            guard key.hasPrefix("credit.programme.") else { return nil }
            return key.dropFirst("credit.programme.".count).split(separator: ".").first.map(String.init)
        })
        byProgramme = Dictionary(uniqueKeysWithValues: programmes.map { ($0, CreditFigures(counts: counts, prefix: "credit.programme.\($0).")) })
    }
}
