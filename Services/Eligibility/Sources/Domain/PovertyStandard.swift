import EventContracts
import Foundation

/// A value that depends on whether the household lives in a rural commune (xã) or an urban ward (phường).
public struct ByArea<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var rural: Value
    public var urban: Value

    public init(rural: Value, urban: Value) {
        self.rural = rural
        self.urban = urban
    }

    public subscript(_ area: AreaType) -> Value {
        switch area {
        case .rural: rural
        case .urban: urban
        }
    }
}

/// A value that depends on the member's sex (retirement ages).
public struct BySex<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var male: Value
    public var female: Value

    public init(male: Value, female: Value) {
        self.male = male
        self.female = female
    }

    public subscript(_ sex: Sex) -> Value {
        switch sex {
        case .male: male
        case .female: female
        }
    }
}

/// Circular 07/2021/TT-BLĐTBXH field scoring, calibrated to one standard's income lines.
public struct Circular07Scoring: Codable, Sendable, Hashable {
    /// Score A at or below which the household counts as at or below the poverty line (140 rural, 175 urban).
    public var scoreAThresholds: ByArea<Int>
    /// Score B points per deprived indicator (10).
    public var scoreBPointsPerIndicator: Int

    public init(scoreAThresholds: ByArea<Int>, scoreBPointsPerIndicator: Int) {
        self.scoreAThresholds = scoreAThresholds
        self.scoreBPointsPerIndicator = scoreBPointsPerIndicator
    }
}

/// A jurisdiction code that the same standard used before an administrative change (e.g. a province merger).
public struct PriorScope: Codable, Sendable, Hashable {
    /// `province:NN` as coded before the change.
    public var scope: String
    /// Last day (inclusive) on which that code applied.
    public var until: String

    public init(scope: String, until: String) {
        self.scope = scope
        self.until = until
    }
}

/// One multidimensional poverty standard (national or provincial) for one period, as data.
public struct PovertyStandard: Codable, Sendable, Hashable {
    /// `VN-2022-2025`, `VN-2027-2030`, `BN-2022-2025`, …
    public var id: String
    /// Raised whenever any value of this standard is corrected.
    public var revision: Int
    public var legalBasis: String
    /// `national` or `province:NN` (2-digit province code in force on the survey date).
    public var scope: String
    /// Codes the same jurisdiction had before an administrative change, oldest first (provincial standards only).
    public var priorScopes: [PriorScope]?
    /// First day in force, inclusive (YYYY-MM-DD).
    public var effectiveFrom: String
    /// Last day in force, inclusive; nil when open-ended.
    public var effectiveTo: String?
    /// Poverty line, VND per person per month: at or below it a household is poor or near-poor.
    public var incomeLinesVnd: ByArea<Int64>
    /// Upper bound (inclusive) of the average-living-standard band; nil when the standard defines none known to us.
    public var averageLivingLinesVnd: ByArea<Int64>?
    /// Income per person at or below which the workers of a household that is neither poor nor near-poor are
    /// low-income workers (Decree 30/2025/NĐ-CP), VND per month; nil when the standard sets none.
    public var lowIncomeWorkerLimitsVnd: ByArea<Int64>?
    /// Circular 07 scoring calibrated to this standard's lines; nil when no calibration is known.
    public var scoring: Circular07Scoring?
    /// A household at or below the line is poor with at least this many deprivations, near-poor with fewer.
    public var deprivationThreshold: Int
    public var indicators: [IndicatorDefinition]

    public init(
        id: String, revision: Int, legalBasis: String, scope: String, priorScopes: [PriorScope]? = nil,
        effectiveFrom: String, effectiveTo: String?, incomeLinesVnd: ByArea<Int64>, averageLivingLinesVnd: ByArea<Int64>?,
        scoring: Circular07Scoring?, deprivationThreshold: Int, indicators: [IndicatorDefinition],
        lowIncomeWorkerLimitsVnd: ByArea<Int64>? = nil
    ) {
        self.id = id
        self.revision = revision
        self.legalBasis = legalBasis
        self.scope = scope
        self.priorScopes = priorScopes
        self.effectiveFrom = effectiveFrom
        self.effectiveTo = effectiveTo
        self.incomeLinesVnd = incomeLinesVnd
        self.averageLivingLinesVnd = averageLivingLinesVnd
        self.lowIncomeWorkerLimitsVnd = lowIncomeWorkerLimitsVnd
        self.scoring = scoring
        self.deprivationThreshold = deprivationThreshold
        self.indicators = indicators
    }

    public var ref: StandardRef { StandardRef(id: id, revision: revision, legalBasis: legalBasis) }

    public var isNational: Bool { scope == Self.nationalScope }

    public static let nationalScope = "national"

    public static func provinceScope(_ provinceCode: String) -> String { "province:\(provinceCode)" }

    /// Whether the standard is in force on `date` (YYYY-MM-DD); false for a malformed date.
    public func isInForce(on date: String) -> Bool {
        guard let day = CalendarDate(date), let from = CalendarDate(effectiveFrom) else { return false }
        if day < from { return false }
        if let effectiveTo {
            guard let to = CalendarDate(effectiveTo) else { return false }
            return day <= to
        }
        return true
    }

    /// The scope code that designates this standard's jurisdiction on `date` (prior codes before a merger).
    public func scope(on date: String) -> String {
        guard let day = CalendarDate(date) else { return scope }
        for prior in priorScopes ?? [] {
            if let until = CalendarDate(prior.until), day <= until { return prior.scope }
        }
        return scope
    }
}

/// One indicator of a standard: where it sits and the rule, with its parameters, that decides deprivation.
public struct IndicatorDefinition: Codable, Sendable, Hashable {
    /// Stable id reported in `IndicatorResult.id` (`employment`, `water`, …).
    public var id: String
    /// Dimension id (`employment`, `health`, `education`, `housing`, `waterSanitation`, `information`).
    public var dimension: String
    /// Vietnamese name of the indicator, quoted in reasons.
    public var name: String
    public var rule: IndicatorRule

    public init(id: String, dimension: String, name: String, rule: IndicatorRule) {
        self.id = id
        self.dimension = dimension
        self.name = name
        self.rule = rule
    }
}

/// The rule behind an indicator. In JSON: `{"kind": "<case>", …parameters}`.
public enum IndicatorRule: Sendable, Hashable {
    case employment(EmploymentRule)
    case dependants(DependantsRule)
    case nutrition(NutritionRule)
    case healthInsurance(HealthInsuranceRule)
    case adultEducation(AdultEducationRule)
    case childSchooling(ChildSchoolingRule)
    case housingQuality(HousingQualityRule)
    case housingArea(HousingAreaRule)
    case water(WaterRule)
    case latrine(LatrineRule)
    case telecom(TelecomRule)
    case informationDevices(InformationDevicesRule)
    case wasteTreatment(WasteTreatmentRule)

    public static let kinds = [
        "employment", "dependants", "nutrition", "healthInsurance", "adultEducation", "childSchooling", "housingQuality",
        "housingArea", "water", "latrine", "telecom", "informationDevices", "wasteTreatment",
    ]

    public var kind: String {
        switch self {
        case .employment: "employment"
        case .dependants: "dependants"
        case .nutrition: "nutrition"
        case .healthInsurance: "healthInsurance"
        case .adultEducation: "adultEducation"
        case .childSchooling: "childSchooling"
        case .housingQuality: "housingQuality"
        case .housingArea: "housingArea"
        case .water: "water"
        case .latrine: "latrine"
        case .telecom: "telecom"
        case .informationDevices: "informationDevices"
        case .wasteTreatment: "wasteTreatment"
        }
    }
}

extension IndicatorRule: Codable {
    private enum CodingKeys: String, CodingKey { case kind }

    public init(from decoder: any Decoder) throws {
        let kind = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .kind)
        switch kind {
        case "employment": self = .employment(try EmploymentRule(from: decoder))
        case "dependants": self = .dependants(try DependantsRule(from: decoder))
        case "nutrition": self = .nutrition(try NutritionRule(from: decoder))
        case "healthInsurance": self = .healthInsurance(try HealthInsuranceRule(from: decoder))
        case "adultEducation": self = .adultEducation(try AdultEducationRule(from: decoder))
        case "childSchooling": self = .childSchooling(try ChildSchoolingRule(from: decoder))
        case "housingQuality": self = .housingQuality(try HousingQualityRule(from: decoder))
        case "housingArea": self = .housingArea(try HousingAreaRule(from: decoder))
        case "water": self = .water(try WaterRule(from: decoder))
        case "latrine": self = .latrine(try LatrineRule(from: decoder))
        case "telecom": self = .telecom(try TelecomRule(from: decoder))
        case "informationDevices": self = .informationDevices(try InformationDevicesRule(from: decoder))
        case "wasteTreatment": self = .wasteTreatment(try WasteTreatmentRule(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: try decoder.container(keyedBy: CodingKeys.self),
                debugDescription: "unknown indicator rule kind '\(kind)'; known: \(Self.kinds.joined(separator: ", "))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        switch self {
        case .employment(let rule): try rule.encode(to: encoder)
        case .dependants(let rule): try rule.encode(to: encoder)
        case .nutrition(let rule): try rule.encode(to: encoder)
        case .healthInsurance(let rule): try rule.encode(to: encoder)
        case .adultEducation(let rule): try rule.encode(to: encoder)
        case .childSchooling(let rule): try rule.encode(to: encoder)
        case .housingQuality(let rule): try rule.encode(to: encoder)
        case .housingArea(let rule): try rule.encode(to: encoder)
        case .water(let rule): try rule.encode(to: encoder)
        case .latrine(let rule): try rule.encode(to: encoder)
        case .telecom(let rule): try rule.encode(to: encoder)
        case .informationDevices(let rule): try rule.encode(to: encoder)
        case .wasteTreatment(let rule): try rule.encode(to: encoder)
        }
    }
}

// MARK: - Rule parameters

/// Deprived when a working-age member is unemployed, or works for wages without a labour contract.
public struct EmploymentRule: Codable, Sendable, Hashable {
    /// Working age starts at this age (15).
    public var minAge: Int
    /// Working age ends below this age (completed years), by sex.
    public var retirementAge: BySex<Int>

    public init(minAge: Int, retirementAge: BySex<Int>) {
        self.minAge = minAge
        self.retirementAge = retirementAge
    }
}

/// Deprived when dependants make up more than a share of the members.
/// A dependant is a child below `childAgeBelow`, or an elderly (from `elderlyAgeFrom`) or disabled member,
/// each of the last two only when on a monthly social allowance if the corresponding flag says so.
public struct DependantsRule: Codable, Sendable, Hashable {
    public var childAgeBelow: Int
    public var elderlyAgeFrom: Int
    public var elderlyRequiresSocialAllowance: Bool
    public var disabledRequiresSocialAllowance: Bool
    /// Deprived when dependants ÷ members is strictly above this share (0.5).
    public var deprivedWhenShareAbove: Double

    public init(
        childAgeBelow: Int, elderlyAgeFrom: Int, elderlyRequiresSocialAllowance: Bool, disabledRequiresSocialAllowance: Bool,
        deprivedWhenShareAbove: Double
    ) {
        self.childAgeBelow = childAgeBelow
        self.elderlyAgeFrom = elderlyAgeFrom
        self.elderlyRequiresSocialAllowance = elderlyRequiresSocialAllowance
        self.disabledRequiresSocialAllowance = disabledRequiresSocialAllowance
        self.deprivedWhenShareAbove = deprivedWhenShareAbove
    }
}

/// Deprived when a child below `childAgeBelow` has one of `deprivedStatuses`.
public struct NutritionRule: Codable, Sendable, Hashable {
    public var childAgeBelow: Int
    public var deprivedStatuses: [NutritionStatus]

    public init(childAgeBelow: Int, deprivedStatuses: [NutritionStatus]) {
        self.childAgeBelow = childAgeBelow
        self.deprivedStatuses = deprivedStatuses
    }
}

/// Deprived when a member aged `minAge` or more has no health insurance.
public struct HealthInsuranceRule: Codable, Sendable, Hashable {
    public var minAge: Int

    public init(minAge: Int) { self.minAge = minAge }
}

/// Ages (inclusive) and the attainments that satisfy the adult-education indicator for them.
public struct EducationBand: Codable, Sendable, Hashable {
    public var minAge: Int
    public var maxAge: Int
    public var acceptedAttainment: [EducationLevel]

    public init(minAge: Int, maxAge: Int, acceptedAttainment: [EducationLevel]) {
        self.minAge = minAge
        self.maxAge = maxAge
        self.acceptedAttainment = acceptedAttainment
    }
}

/// Deprived when a member in one of the bands is not studying, has no employer-certified training (when that
/// counts), and has not attained one of the band's accepted levels.
public struct AdultEducationRule: Codable, Sendable, Hashable {
    public var bands: [EducationBand]
    /// Being enrolled in study or training satisfies the indicator.
    public var enrolmentCounts: Bool
    /// An employer-certified on-the-job training certificate satisfies the indicator.
    public var workplaceCertificateCounts: Bool

    public init(bands: [EducationBand], enrolmentCounts: Bool, workplaceCertificateCounts: Bool) {
        self.bands = bands
        self.enrolmentCounts = enrolmentCounts
        self.workplaceCertificateCounts = workplaceCertificateCounts
    }
}

/// Ages (inclusive, completed years at the survey date) and the school levels suited to them.
public struct SchoolingBand: Codable, Sendable, Hashable {
    public var minAge: Int
    public var maxAge: Int
    public var acceptedLevels: [SchoolLevel]

    public init(minAge: Int, maxAge: Int, acceptedLevels: [SchoolLevel]) {
        self.minAge = minAge
        self.maxAge = maxAge
        self.acceptedLevels = acceptedLevels
    }
}

/// Deprived when a child whose age falls in a band is not enrolled, or attends a level not accepted for that age.
public struct ChildSchoolingRule: Codable, Sendable, Hashable {
    public var bands: [SchoolingBand]

    public init(bands: [SchoolingBand]) { self.bands = bands }
}

/// Deprived when at least `deprivedWhenNonDurableAtLeast` of walls, columns and roof are not durable.
public struct HousingQualityRule: Codable, Sendable, Hashable {
    public var durableMaterials: [BuildingMaterial]
    public var deprivedWhenNonDurableAtLeast: Int

    public init(durableMaterials: [BuildingMaterial], deprivedWhenNonDurableAtLeast: Int) {
        self.durableMaterials = durableMaterials
        self.deprivedWhenNonDurableAtLeast = deprivedWhenNonDurableAtLeast
    }
}

/// Deprived when floor area per member is strictly below the threshold.
public struct HousingAreaRule: Codable, Sendable, Hashable {
    public var deprivedWhenM2PerPersonBelow: Double

    public init(deprivedWhenM2PerPersonBelow: Double) { self.deprivedWhenM2PerPersonBelow = deprivedWhenM2PerPersonBelow }
}

/// Deprived when the household's water source is not one of these.
public struct WaterRule: Codable, Sendable, Hashable {
    public var acceptedSources: [WaterSource]

    public init(acceptedSources: [WaterSource]) { self.acceptedSources = acceptedSources }
}

/// Deprived when the household's latrine is not one of these.
public struct LatrineRule: Codable, Sendable, Hashable {
    public var hygienicTypes: [LatrineType]

    public init(hygienicTypes: [LatrineType]) { self.hygienicTypes = hygienicTypes }
}

public enum TelecomService: String, Codable, Sendable, Hashable, CaseIterable {
    /// Telephone or other telecom services (`InformationAccess.telecomUse`).
    case telecom
    /// Internet, mobile data or fixed (`InformationAccess.internetUse`).
    case internet
}

/// Deprived when no member uses any of the accepted services.
public struct TelecomRule: Codable, Sendable, Hashable {
    public var acceptedServices: [TelecomService]

    public init(acceptedServices: [TelecomService]) { self.acceptedServices = acceptedServices }
}

/// Deprived when the household owns none of these devices.
public struct InformationDevicesRule: Codable, Sendable, Hashable {
    public var countedDevices: [InformationDevice]

    public init(countedDevices: [InformationDevice]) { self.countedDevices = countedDevices }
}

/// Deprived when the household's waste treatment is not one of these.
public struct WasteTreatmentRule: Codable, Sendable, Hashable {
    public var acceptedTreatments: [WasteTreatment]

    public init(acceptedTreatments: [WasteTreatment]) { self.acceptedTreatments = acceptedTreatments }
}
