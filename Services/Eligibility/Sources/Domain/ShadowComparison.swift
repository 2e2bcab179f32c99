import EventContracts

/// What a household's published (official) classification says, reduced to what a comparison needs.
public struct OfficialResult: Sendable, Hashable {
    public var householdClass: HouseholdClass
    public var atOrBelowPovertyLine: Bool
    /// Ids of the indicators it was deprived on.
    public var deprivedIndicatorIds: Set<String>
    /// Whether the deprivations reached the threshold of the standard it was classified under.
    public var deprivedEnoughToBePoor: Bool
    /// The standard it was classified under.
    public var standardId: String

    public init(
        householdClass: HouseholdClass, atOrBelowPovertyLine: Bool, deprivedIndicatorIds: Set<String>, deprivedEnoughToBePoor: Bool,
        standardId: String
    ) {
        self.householdClass = householdClass
        self.atOrBelowPovertyLine = atOrBelowPovertyLine
        self.deprivedIndicatorIds = deprivedIndicatorIds
        self.deprivedEnoughToBePoor = deprivedEnoughToBePoor
        self.standardId = standardId
    }
}

/// Where a household's income places it, whatever its deprivations.
public enum IncomeBand: Sendable, Hashable {
    case atOrBelowPovertyLine
    /// Above the poverty line and within the average-living band.
    case averageLiving
    /// Above both, or income unknown.
    case above

    /// The band implied by a class and the income verdict that produced it.
    public init(householdClass: HouseholdClass, atOrBelowPovertyLine: Bool) {
        if atOrBelowPovertyLine {
            self = .atOrBelowPovertyLine
        } else {
            self = householdClass == .averageLiving ? .averageLiving : .above
        }
    }

    /// The class a household in this band gets (Decree 07/2021 Art. 3(2): poor needs the line **and** the deprivations).
    public func householdClass(deprivedEnoughToBePoor: Bool) -> HouseholdClass {
        switch self {
        case .atOrBelowPovertyLine: deprivedEnoughToBePoor ? .poor : .nearPoor
        case .averageLiving: .averageLiving
        case .above: .none
        }
    }
}

/// Why a household changes class between its official result and a candidate standard.
public enum MoveCause: String, Codable, Sendable, Hashable, CaseIterable {
    /// Keeping its official deprivation verdict, the candidate's income line alone gives the new class.
    case incomeLineAlone
    /// Keeping its official income band, the candidate's indicators alone give the new class.
    case indicatorsAlone
    /// Neither alone gives the new class. (The two "alone" cases cannot both hold: see ``ShadowComparison``.)
    case incomeLineAndIndicators
}

/// One household's official class beside the class a candidate standard gives, with what moved it.
public struct HouseholdShift: Sendable, Hashable {
    public var from: HouseholdClass
    public var to: HouseholdClass
    /// Indicators deprived under the candidate and not officially, sorted.
    public var newlyDeprived: [String]
    /// Indicators deprived officially and not under the candidate, sorted.
    public var noLongerDeprived: [String]
    /// Nil when the class does not change.
    public var cause: MoveCause?

    public init(from: HouseholdClass, to: HouseholdClass, newlyDeprived: [String], noLongerDeprived: [String], cause: MoveCause?) {
        self.from = from
        self.to = to
        self.newlyDeprived = newlyDeprived
        self.noLongerDeprived = noLongerDeprived
        self.cause = cause
    }

    public var moved: Bool { from != to }
}

/// Compares a household's official result with its outcome under a candidate standard: a pure function.
///
/// A class is a function of two verdicts: the income band (at or below the line, average-living band, above) and
/// whether the deprivations reach the standard's threshold. The cause of a move is found by swapping one verdict
/// at a time: if the candidate's band with the official deprivation verdict already gives the new class, the income
/// line alone moved it; if the official band with the candidate's deprivation verdict does, the indicators alone
/// did; otherwise both. Both "alone" cases at once are impossible: the second needs the official band to be at or
/// below the line (only there do deprivations matter) and the first needs the candidate's band not to be (the new
/// class would otherwise depend on the new verdict), so the second would give poor or near-poor, the first not.
public enum ShadowComparison {
    public static func compare(official: OfficialResult, candidate: ClassificationOutcome, candidateThreshold: Int) -> HouseholdShift {
        let candidateDeprived = Set(candidate.deprivedIndicatorIds)
        let to = candidate.householdClass
        var shift = HouseholdShift(
            from: official.householdClass, to: to,
            newlyDeprived: candidateDeprived.subtracting(official.deprivedIndicatorIds).sorted(),
            noLongerDeprived: official.deprivedIndicatorIds.subtracting(candidateDeprived).sorted(),
            cause: nil)
        guard shift.moved else { return shift }
        let officialBand = IncomeBand(householdClass: official.householdClass, atOrBelowPovertyLine: official.atOrBelowPovertyLine)
        let candidateBand = IncomeBand(householdClass: to, atOrBelowPovertyLine: candidate.income.atOrBelowPovertyLine)
        let candidateEnough = candidate.deprivationCount >= candidateThreshold
        if candidateBand.householdClass(deprivedEnoughToBePoor: official.deprivedEnoughToBePoor) == to {
            shift.cause = .incomeLineAlone
        } else if officialBand.householdClass(deprivedEnoughToBePoor: candidateEnough) == to {
            shift.cause = .indicatorsAlone
        } else {
            shift.cause = .incomeLineAndIndicators
        }
        return shift
    }
}
