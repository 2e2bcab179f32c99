/// Where a household lives: the commune code is the key; the province and urban/rural follow from it.
public struct AreaRef: Codable, Sendable, Hashable {
    /// 5-digit commune code in force on the survey date (Decision 19/2025/QĐ-TTg after 1 Jul 2025).
    public var communeCode: String
    /// 2-digit province code of that commune.
    public var provinceCode: String
    /// `urban` for wards (phường), `rural` for communes (xã); decides which income line applies.
    public var areaType: AreaType
    /// Village or residential group (thôn, tổ dân phố), free text.
    public var village: String?

    public init(communeCode: String, provinceCode: String, areaType: AreaType, village: String? = nil) {
        self.communeCode = communeCode
        self.provinceCode = provinceCode
        self.areaType = areaType
        self.village = village
    }
}

public enum AreaType: String, Codable, Sendable, CaseIterable { case urban, rural }

/// Whether a review's results are the commune's official list yet (after the chairman's decision).
public enum RecognitionStatus: String, Codable, Sendable, CaseIterable { case proposed, recognised }

/// The commune People's Committee chairman's decision (quyết định công nhận của Chủ tịch UBND xã) that made a
/// review round's results official for the commune; carried by every version it recognised.
public struct RecognitionDecision: Codable, Sendable, Hashable {
    /// The decision's number as written on it, e.g. `123/QĐ-UBND`.
    public var decisionNumber: String
    /// YYYY-MM-DD the chairman signed it; programme windows for newly-escaped households run from it.
    public var decisionDate: String

    public init(decisionNumber: String, decisionDate: String) {
        self.decisionNumber = decisionNumber
        self.decisionDate = decisionDate
    }
}

public enum ReviewKind: String, Codable, Sendable, CaseIterable {
    /// The annual review, 1 Sep – 14 Dec.
    case periodic
    /// The monthly review from the 15th (newly arising households, requests to be recognised as escaped).
    case adhoc
}

/// The head of household's identity: personal data, carried only where a receiver needs it (VBSP).
public struct HeadIdentity: Codable, Sendable, Hashable {
    public var fullName: String
    /// 12-digit citizen identity number (căn cước công dân).
    public var cccd: String

    public init(fullName: String, cccd: String) {
        self.fullName = fullName
        self.cccd = cccd
    }
}

public enum Sex: String, Codable, Sendable, CaseIterable { case male, female }

public enum Relation: String, Codable, Sendable, CaseIterable {
    case head, spouse, child, childInLaw, grandchild, parent, parentInLaw, grandparent, sibling, other
}

public enum Disability: String, Codable, Sendable, CaseIterable {
    case none
    case disabled
    case severe
    case extremelySevere
}

public enum WorkingCapacity: String, Codable, Sendable, CaseIterable {
    case full, partial, none
}

public enum EducationLevel: String, Codable, Sendable, CaseIterable {
    case none, primary, lowerSecondary, upperSecondary
    /// Elementary vocational certificate (sơ cấp).
    case vocationalElementary
    case vocationalIntermediate, college, university
}

public enum SchoolLevel: String, Codable, Sendable, CaseIterable {
    case preschool, primary, lowerSecondary, upperSecondary, vocational, higher
}

public struct Education: Codable, Sendable, Hashable {
    /// Highest level completed.
    public var attained: EducationLevel
    /// Currently studying or in training.
    public var enrolled: Bool
    /// The level being attended, when enrolled.
    public var currentLevel: SchoolLevel?
    /// Has an employer-certified on-the-job training certificate.
    public var workplaceTrainingCertificate: Bool?

    public init(attained: EducationLevel, enrolled: Bool, currentLevel: SchoolLevel? = nil, workplaceTrainingCertificate: Bool? = nil) {
        self.attained = attained
        self.enrolled = enrolled
        self.currentLevel = currentLevel
        self.workplaceTrainingCertificate = workplaceTrainingCertificate
    }
}

public enum EmploymentStatus: String, Codable, Sendable, CaseIterable {
    case employed
    /// Able and willing to work, looking, without a job.
    case unemployed
    /// Student, retired, homemaker or unable to work.
    case notInLabourForce
}

public enum EmploymentType: String, Codable, Sendable, CaseIterable {
    case wage, selfEmployed, familyBusiness, agriculture
}

public struct Employment: Codable, Sendable, Hashable {
    public var status: EmploymentStatus
    public var type: EmploymentType?
    /// For wage workers: works under a (written) labour contract.
    public var labourContract: Bool?
    /// Wants vocational training (for training-match).
    public var wantsTraining: Bool?
    /// Wants a job or work abroad (for training-match and job-creation loans).
    public var wantsJob: Bool?

    public init(status: EmploymentStatus, type: EmploymentType? = nil, labourContract: Bool? = nil, wantsTraining: Bool? = nil, wantsJob: Bool? = nil) {
        self.status = status
        self.type = type
        self.labourContract = labourContract
        self.wantsTraining = wantsTraining
        self.wantsJob = wantsJob
    }
}

public enum NutritionStatus: String, Codable, Sendable, CaseIterable {
    case normal, stunted, underweight, stuntedAndUnderweight
}

/// A member's facts as surveyed: never pre-judged deprivations, so a later standard can re-read them.
public struct MemberFacts: Codable, Sendable, Hashable {
    public var relation: Relation
    public var sex: Sex
    /// Ethnic group, lower-case ASCII name (`kinh`, `tay`, `nung`, `dao`, `hmong`, …).
    public var ethnicity: String
    public var disability: Disability
    public var workingCapacity: WorkingCapacity
    public var healthInsurance: Bool
    public var education: Education
    public var employment: Employment
    /// Receives a monthly social allowance (trợ cấp xã hội hằng tháng).
    public var socialAllowance: Bool
    /// For children under 16: height- and weight-for-age.
    public var nutrition: NutritionStatus?
    /// Already received state-funded vocational training (support is once per person).
    public var priorStateTraining: Bool?

    public init(
        relation: Relation, sex: Sex, ethnicity: String, disability: Disability, workingCapacity: WorkingCapacity,
        healthInsurance: Bool, education: Education, employment: Employment, socialAllowance: Bool,
        nutrition: NutritionStatus? = nil, priorStateTraining: Bool? = nil
    ) {
        self.relation = relation
        self.sex = sex
        self.ethnicity = ethnicity
        self.disability = disability
        self.workingCapacity = workingCapacity
        self.healthInsurance = healthInsurance
        self.education = education
        self.employment = employment
        self.socialAllowance = socialAllowance
        self.nutrition = nutrition
        self.priorStateTraining = priorStateTraining
    }

    public var ethnicMinority: Bool { ethnicity.lowercased() != "kinh" }
}

/// A member as published: a stable id and the age at the survey date instead of name, CCCD and birth date.
public struct HouseholdMember: Codable, Sendable, Hashable {
    /// Stable within the household (`m1`, `m2`, …), assigned by intake.
    public var memberId: String
    /// Completed years at the survey date.
    public var ageYears: Int
    public var facts: MemberFacts

    public init(memberId: String, ageYears: Int, facts: MemberFacts) {
        self.memberId = memberId
        self.ageYears = ageYears
        self.facts = facts
    }

    private enum CodingKeys: String, CodingKey { case memberId, ageYears }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        memberId = try container.decode(String.self, forKey: .memberId)
        ageYears = try container.decode(Int.self, forKey: .ageYears)
        facts = try MemberFacts(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(memberId, forKey: .memberId)
        try container.encode(ageYears, forKey: .ageYears)
        try facts.encode(to: encoder)
    }
}

/// Building materials as surveyed; which ones count as durable is the standard's business.
public enum BuildingMaterial: String, Codable, Sendable, CaseIterable {
    case reinforcedConcrete, brick, stone, steel, durableWood, fibreCement, metalSheet, tile
    case wood, bamboo, thatch, earth, tarpaulin, other
}

public struct Housing: Codable, Sendable, Hashable {
    public var walls: BuildingMaterial
    public var columns: BuildingMaterial
    public var roof: BuildingMaterial
    /// Usable floor area of the dwelling in square metres.
    public var floorAreaM2: Double

    public init(walls: BuildingMaterial, columns: BuildingMaterial, roof: BuildingMaterial, floorAreaM2: Double) {
        self.walls = walls
        self.columns = columns
        self.roof = roof
        self.floorAreaM2 = floorAreaM2
    }
}

public enum WaterSource: String, Codable, Sendable, CaseIterable {
    case piped, drilledWell, protectedDugWell, protectedSpring, rainwater, bottled
    case unprotectedDugWell, unprotectedSpring, surfaceWater, waterVendor, other
}

public enum LatrineType: String, Codable, Sendable, CaseIterable {
    case septic, semiSeptic, pourFlush, ventilatedPit, doubleVault
    case pitWithSlab, pitWithoutSlab, overWater, none, other
}

public enum WasteTreatment: String, Codable, Sendable, CaseIterable {
    /// Collected by a waste service.
    case collected
    /// Sorted and composted or buried at home in a hygienic way.
    case treatedAtHome
    case burnedOpenly, dumped, other
}

public enum InformationDevice: String, Codable, Sendable, CaseIterable {
    case television, radio, computer, smartphone, tablet, featurePhone, landline
}

public struct InformationAccess: Codable, Sendable, Hashable {
    /// Some member uses telephone or other telecom services.
    public var telecomUse: Bool
    /// Some member uses the internet (mobile data or fixed).
    public var internetUse: Bool
    public var devices: [InformationDevice]

    public init(telecomUse: Bool, internetUse: Bool, devices: [InformationDevice]) {
        self.telecomUse = telecomUse
        self.internetUse = internetUse
        self.devices = devices
    }
}

public enum IncomeMethod: String, Codable, Sendable, CaseIterable {
    /// Declared or estimated household income.
    case declared
    /// Circular 07/2021 field scoring (score A as an income proxy).
    case score
}

/// Household income in VND per month, or the field score that stands for it.
public struct Income: Codable, Sendable, Hashable {
    public var method: IncomeMethod
    /// Total household income per month, VND (declared method).
    public var monthlyTotalVnd: Int64?
    /// Income per person per month, VND, when the review gives it instead of (or besides) the total.
    public var perCapitaMonthlyVnd: Int64?
    /// Circular 07 score A (income proxy points), when the review scored it.
    public var scoreA: Int?
    /// Circular 07 score B (10 points per deprived indicator), when the review scored it.
    public var scoreB: Int?

    public init(method: IncomeMethod, monthlyTotalVnd: Int64? = nil, perCapitaMonthlyVnd: Int64? = nil, scoreA: Int? = nil, scoreB: Int? = nil) {
        self.method = method
        self.monthlyTotalVnd = monthlyTotalVnd
        self.perCapitaMonthlyVnd = perCapitaMonthlyVnd
        self.scoreA = scoreA
        self.scoreB = scoreB
    }
}

/// The household facts that both poverty standards read.
public struct LivingConditions: Codable, Sendable, Hashable {
    public var housing: Housing
    public var water: WaterSource
    public var latrine: LatrineType
    public var waste: WasteTreatment
    public var information: InformationAccess
    public var income: Income

    public init(housing: Housing, water: WaterSource, latrine: LatrineType, waste: WasteTreatment, information: InformationAccess, income: Income) {
        self.housing = housing
        self.water = water
        self.latrine = latrine
        self.waste = waste
        self.information = information
        self.income = income
    }
}

/// `giamngheo.household.v1`: the household's full current state (event-carried state transfer).
public struct HouseholdSnapshot: Codable, Sendable, Hashable {
    public var householdId: String
    /// Increases by one with every accepted change; consumers ignore versions they have already seen.
    public var version: Int64
    public var area: AreaRef
    public var reviewKind: ReviewKind
    /// Review round id, e.g. `2026-periodic` or `2026-11-adhoc`.
    public var roundId: String
    /// The year whose poor and near-poor lists the round establishes (the periodic review of 2021 gives the lists of
    /// 2022), from intake's review calendar. Absent in snapshots written before list years.
    public var listYear: Int?
    /// The national standard the list year's lists are established under (the review calendar's), which eligibility
    /// classifies by. Absent in snapshots written before list years: then the standard in force on the survey date.
    public var standardId: String?
    /// YYYY-MM-DD: the day the facts were surveyed (ages, the area valid then).
    public var surveyDate: String
    /// `recognised` only in a version intake wrote for the commune's recognition decision; every survey is `proposed`.
    public var status: RecognitionStatus
    /// The decision that recognised this version; present exactly when `status` is `recognised` (absent in
    /// versions recognised before intake recorded decisions).
    public var recognition: RecognitionDecision?
    public var head: HeadIdentity
    public var members: [HouseholdMember]
    public var conditions: LivingConditions
    /// When intake accepted this version (RFC 3339).
    public var recordedAt: String

    public init(
        householdId: String, version: Int64, area: AreaRef, reviewKind: ReviewKind, roundId: String, listYear: Int? = nil,
        standardId: String? = nil, surveyDate: String, status: RecognitionStatus, recognition: RecognitionDecision? = nil,
        head: HeadIdentity, members: [HouseholdMember], conditions: LivingConditions, recordedAt: String
    ) {
        self.householdId = householdId
        self.version = version
        self.area = area
        self.reviewKind = reviewKind
        self.roundId = roundId
        self.listYear = listYear
        self.standardId = standardId
        self.surveyDate = surveyDate
        self.status = status
        self.recognition = recognition
        self.head = head
        self.members = members
        self.conditions = conditions
        self.recordedAt = recordedAt
    }
}

extension HouseholdSnapshot {
    /// Makes this version the commune's official one under `decision`: status and decision always go together.
    public mutating func recognise(by decision: RecognitionDecision) {
        status = .recognised
        recognition = decision
    }
}
