/// `giamngheo.eligibility.shadow-diff.v1`: what a candidate standard would do to one area's households, beside their
/// official classification, from one shadow run. Counts only: no household id, name or fact.
///
/// Everything adds up: each row of `matrix` sums to the households officially in that class (`official`), each
/// column to the households the candidate would put in that class (`shadow`), and a province's diff is the sum of
/// its communes' diffs.
public struct ShadowAreaDiff: Codable, Sendable, Hashable {
    /// The shadow run this diff belongs to (deterministic: standard, catalogue revision and the households evaluated).
    public var runId: String
    /// Grows with every run (the run's completion time in milliseconds since 1970, above every earlier run's), so
    /// the latest run per standard and area wins, also after eligibility's store is rebuilt.
    public var version: Int64
    /// The candidate standard, applied to every household's latest facts as if it were in force.
    public var standard: StandardRef
    /// Revision of the standards catalogue the run used.
    public var catalogueRevision: Int
    /// A 5-digit commune code or a 2-digit province code, as in force from 1 Jul 2025.
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var areaName: String?
    public var provinceCode: String
    /// Present (true) only for a commune that was split between several new communes on 1 Jul 2025: its households
    /// were surveyed before the split and are counted under the former code, inside the new province.
    public var formerUnit: Bool?
    /// When the run finished (RFC 3339).
    public var completedAt: String
    /// The standards of the official classifications compared against (the ones in force on each survey date).
    public var officialStandardIds: [String]
    /// The comparison itself.
    public var counts: ShadowCounts

    public init(
        runId: String, version: Int64, standard: StandardRef, catalogueRevision: Int, areaCode: String, areaLevel: AreaLevel,
        areaName: String?, provinceCode: String, formerUnit: Bool? = nil, completedAt: String, officialStandardIds: [String],
        counts: ShadowCounts
    ) {
        self.runId = runId
        self.version = version
        self.standard = standard
        self.catalogueRevision = catalogueRevision
        self.areaCode = areaCode
        self.areaLevel = areaLevel
        self.areaName = areaName
        self.provinceCode = provinceCode
        self.formerUnit = formerUnit
        self.completedAt = completedAt
        self.officialStandardIds = officialStandardIds
        self.counts = counts
    }

    /// The Kafka key: `<standardId>/<areaCode>`, so compaction keeps the latest run per standard and area.
    public static func key(standardId: String, areaCode: String) -> String { "\(standardId)/\(areaCode)" }
}

/// The comparison of one set of households (an area, or a whole run): official class against candidate class.
public struct ShadowCounts: Codable, Sendable, Hashable {
    /// Households evaluated.
    public var households: Int
    /// Households by official class (each is a row total of `matrix`).
    public var official: ClassCounts
    /// Households by the class the candidate standard gives (each is a column total of `matrix`).
    public var shadow: ClassCounts
    /// Households by official class (row) and candidate class (the row's fields).
    public var matrix: ClassMatrix
    /// Households whose class would change (the sum of the matrix off its diagonal).
    public var moved: Int
    /// Why the households that move would move; the three add up to `moved`.
    public var movedBy: MoveCauses
    /// For the households that move: per indicator id, how many become deprived on it and how many stop being
    /// deprived on it. An indicator the candidate does not have counts as not deprived under it, and vice versa.
    public var indicators: [String: IndicatorShift]

    public init(
        households: Int, official: ClassCounts, shadow: ClassCounts, matrix: ClassMatrix, moved: Int, movedBy: MoveCauses,
        indicators: [String: IndicatorShift]
    ) {
        self.households = households
        self.official = official
        self.shadow = shadow
        self.matrix = matrix
        self.moved = moved
        self.movedBy = movedBy
        self.indicators = indicators
    }
}

/// A from → to table of households by class: one row per official class, each a `ClassCounts` of candidate classes
/// whose `total` is the row's sum.
public struct ClassMatrix: Codable, Sendable, Hashable {
    public var poor: ClassCounts
    public var nearPoor: ClassCounts
    public var averageLiving: ClassCounts
    public var none: ClassCounts

    public init(poor: ClassCounts, nearPoor: ClassCounts, averageLiving: ClassCounts, none: ClassCounts) {
        self.poor = poor
        self.nearPoor = nearPoor
        self.averageLiving = averageLiving
        self.none = none
    }

    /// The row of households officially in `householdClass`.
    public subscript(_ householdClass: HouseholdClass) -> ClassCounts {
        switch householdClass {
        case .poor: poor
        case .nearPoor: nearPoor
        case .averageLiving: averageLiving
        case .none: none
        }
    }
}

/// Why households would change class, each household in exactly one of the three.
public struct MoveCauses: Codable, Sendable, Hashable {
    /// Would move the same way with its deprivations judged as before: the candidate's income line (or
    /// average-living band) alone moves it.
    public var incomeLineAlone: Int
    /// Would move the same way with its income judged as before: the candidate's indicators alone move it.
    public var indicatorsAlone: Int
    /// Neither change alone gives the new class; both are needed.
    public var incomeLineAndIndicators: Int

    public init(incomeLineAlone: Int = 0, indicatorsAlone: Int = 0, incomeLineAndIndicators: Int = 0) {
        self.incomeLineAlone = incomeLineAlone
        self.indicatorsAlone = indicatorsAlone
        self.incomeLineAndIndicators = incomeLineAndIndicators
    }
}

/// How one indicator moves among the households that change class.
public struct IndicatorShift: Codable, Sendable, Hashable {
    /// Households not deprived on it officially, deprived under the candidate.
    public var newlyDeprived: Int
    /// Households deprived on it officially, not deprived under the candidate.
    public var noLongerDeprived: Int

    public init(newlyDeprived: Int = 0, noLongerDeprived: Int = 0) {
        self.newlyDeprived = newlyDeprived
        self.noLongerDeprived = noLongerDeprived
    }
}
