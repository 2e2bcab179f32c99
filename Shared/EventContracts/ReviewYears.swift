/// One class a commune chairman recognised for a household (the list it was on from `decisionDate`), as carried in
/// ``ClassifiedHousehold/officialHistory``: what a review year's start, end and flows are counted from. No personal
/// data.
public struct OfficialState: Codable, Sendable, Hashable {
    /// The recognised household version.
    public var householdVersion: Int64
    /// YYYY-MM-DD of the recognition decision (the survey date for versions recognised without one).
    public var decisionDate: String
    public var householdClass: HouseholdClass
    /// Where reports count the household while this state holds.
    public var place: HouseholdPlace
    public var areaType: AreaType
    public var members: Int
    public var ethnicMinority: Bool
    /// `first` when no official class was known before this one: the household entered the registry, and its first
    /// state is counted as `firstRecorded`, not as newly poor.
    public var transition: Transition
    /// The indicators the household was deprived on (absent in states recorded before they were carried).
    public var deprivedIndicators: [String]?

    public init(
        householdVersion: Int64, decisionDate: String, householdClass: HouseholdClass, place: HouseholdPlace, areaType: AreaType,
        members: Int, ethnicMinority: Bool, transition: Transition, deprivedIndicators: [String]? = nil
    ) {
        self.deprivedIndicators = deprivedIndicators
        self.householdVersion = householdVersion
        self.decisionDate = decisionDate
        self.householdClass = householdClass
        self.place = place
        self.areaType = areaType
        self.members = members
        self.ethnicMinority = ethnicMinority
        self.transition = transition
    }

    /// The calendar year of its decision.
    public var year: Int { Int(decisionDate.prefix(4)) ?? 0 }
}

/// One poverty class's figures for a review year in an area (households or people), as in the change forms of
/// Circular 07/2021/TT-BLĐTBXH: `start + inflows − outflows = end`, where the start is the list in force on 1 January
/// (recognised by the decisions of the years before) and the end the list in force on 31 December.
public struct ClassYearFlows: Codable, Sendable, Hashable {
    public var start: Int
    /// Inflows. Entered the registry in this class with no earlier official class known.
    public var firstRecorded: Int
    /// Newly poor (nghèo phát sinh) or newly near-poor: from above the poverty classes, never poor before.
    public var newly: Int
    /// Re-poor (tái nghèo): poor again after an earlier official state of poverty; always 0 for near-poor.
    public var re: Int
    /// From the other poverty class: near-poor → poor, or poor → near-poor.
    public var fromOtherClass: Int
    /// Moved in from another commune.
    public var movedIn: Int
    /// Other inflows: into the group without a change of class (e.g. the head's ethnicity recorded anew), or, in people,
    /// members added to households that stay in the class.
    public var otherIn: Int
    /// Outflows. Escaped poverty (thoát nghèo: poor → above near-poverty) or escaped near-poverty.
    public var escaped: Int
    /// To the other poverty class: poor → near-poor, or near-poor → poor.
    public var toOtherClass: Int
    /// Moved out to another commune.
    public var movedOut: Int
    /// Other outflows (the counterpart of `otherIn`).
    public var otherOut: Int
    public var end: Int

    public init(
        start: Int = 0, firstRecorded: Int = 0, newly: Int = 0, re: Int = 0, fromOtherClass: Int = 0, movedIn: Int = 0, otherIn: Int = 0,
        escaped: Int = 0, toOtherClass: Int = 0, movedOut: Int = 0, otherOut: Int = 0, end: Int = 0
    ) {
        self.start = start
        self.firstRecorded = firstRecorded
        self.newly = newly
        self.re = re
        self.fromOtherClass = fromOtherClass
        self.movedIn = movedIn
        self.otherIn = otherIn
        self.escaped = escaped
        self.toOtherClass = toOtherClass
        self.movedOut = movedOut
        self.otherOut = otherOut
        self.end = end
    }

    public var inflows: Int { firstRecorded + newly + re + fromOtherClass + movedIn + otherIn }
    public var outflows: Int { escaped + toOtherClass + movedOut + otherOut }
    /// `start + inflows − outflows == end`.
    public var addsUp: Bool { start + inflows - outflows == end }
}

/// Poor and near-poor figures side by side.
public struct PovertyYearFlows: Codable, Sendable, Hashable {
    public var poor: ClassYearFlows
    public var nearPoor: ClassYearFlows

    public init(poor: ClassYearFlows = ClassYearFlows(), nearPoor: ClassYearFlows = ClassYearFlows()) {
        self.poor = poor
        self.nearPoor = nearPoor
    }

    public var addsUp: Bool { poor.addsUp && nearPoor.addsUp }
}

/// Results of a review round not yet recognised by the commune chairman, counted apart from the official figures.
public struct ProposedCounts: Codable, Sendable, Hashable {
    public var poor: Int
    public var nearPoor: Int
    /// Proposed results in any class (poor, near-poor, average-living or none).
    public var total: Int

    public init(poor: Int = 0, nearPoor: Int = 0, total: Int = 0) {
        self.poor = poor
        self.nearPoor = nearPoor
        self.total = total
    }
}

/// An area's review year (1 January – 31 December, by the dates of the recognition decisions): official start, end
/// and flows, in households and people, with the ethnic-minority, urban and rural households apart, and what is
/// proposed and not yet recognised.
public struct ReviewYearCounts: Codable, Sendable, Hashable {
    public var year: Int
    public var households: PovertyYearFlows
    public var people: PovertyYearFlows
    public var ethnicMinorityHouseholds: PovertyYearFlows
    public var urbanHouseholds: PovertyYearFlows
    public var ruralHouseholds: PovertyYearFlows
    /// Proposed results of the year's rounds awaiting recognition (households), by the survey's year.
    public var proposed: ProposedCounts
    /// The previous year's denominator (the start's) and the year's (the end's).
    public var denominatorAtStart: YearDenominator?
    public var denominatorAtEnd: YearDenominator?
    public var rates: YearRates?
    public var target: YearTarget?
    /// The households of the end-of-year lists deprived on each indicator (absent while no official state carries its
    /// indicators).
    public var deprivedAtEnd: DeprivedHouseholds?

    public init(
        year: Int, households: PovertyYearFlows, people: PovertyYearFlows, ethnicMinorityHouseholds: PovertyYearFlows,
        urbanHouseholds: PovertyYearFlows, ruralHouseholds: PovertyYearFlows, proposed: ProposedCounts
    ) {
        self.year = year
        self.households = households
        self.people = people
        self.ethnicMinorityHouseholds = ethnicMinorityHouseholds
        self.urbanHouseholds = urbanHouseholds
        self.ruralHouseholds = ruralHouseholds
        self.proposed = proposed
    }

    public var addsUp: Bool {
        [households, people, ethnicMinorityHouseholds, urbanHouseholds, ruralHouseholds].allSatisfy(\.addsUp)
    }
}

/// Poor and near-poor households deprived on each indicator (by indicator id).
public struct DeprivedHouseholds: Codable, Sendable, Hashable {
    public var poor: [String: Int]
    public var nearPoor: [String: Int]

    public init(poor: [String: Int] = [:], nearPoor: [String: Int] = [:]) {
        self.poor = poor
        self.nearPoor = nearPoor
    }
}

/// Poor and near-poor counts.
public struct PovertyCounts: Codable, Sendable, Hashable {
    public var poor: Int
    public var nearPoor: Int

    public init(poor: Int = 0, nearPoor: Int = 0) {
        self.poor = poor
        self.nearPoor = nearPoor
    }
}

/// The recognised lists in force now (each household's latest official class), counted directly from the households
/// rather than from the flows: the last review year's end equals it in every area.
public struct OfficialLists: Codable, Sendable, Hashable {
    public var households: PovertyCounts
    public var people: PovertyCounts
    public var ethnicMinorityHouseholds: PovertyCounts
    public var urbanHouseholds: PovertyCounts
    public var ruralHouseholds: PovertyCounts

    public init(
        households: PovertyCounts, people: PovertyCounts, ethnicMinorityHouseholds: PovertyCounts, urbanHouseholds: PovertyCounts,
        ruralHouseholds: PovertyCounts
    ) {
        self.households = households
        self.people = people
        self.ethnicMinorityHouseholds = ethnicMinorityHouseholds
        self.urbanHouseholds = urbanHouseholds
        self.ruralHouseholds = ruralHouseholds
    }
}

/// What a review year's rates divide by: resident households (and people) of the area on 31 December of a year, the
/// sum of its communes' figures (``AreaFigure``), known only when every commune's is.
public struct YearDenominator: Codable, Sendable, Hashable {
    /// Absent unless every commune of the area has a figure for the year.
    public var households: Int?
    /// Absent unless every commune's figure gives people.
    public var people: Int?
    /// Communes of the area with a figure for the year, of `communes`.
    public var communesKnown: Int
    public var communes: Int

    public init(households: Int?, people: Int?, communesKnown: Int, communes: Int) {
        self.households = households
        self.people = people
        self.communesKnown = communesKnown
        self.communes = communes
    }
}

/// Poor and near-poor households as a percentage of the resident households, at the start (over the previous year's
/// denominator) and at the end (over the year's), rounded to two decimals as published; absent where the denominator
/// is missing (never a rate over the households in the registry).
public struct YearRates: Codable, Sendable, Hashable {
    public var poorStart: Double?
    public var poorEnd: Double?
    public var nearPoorStart: Double?
    public var nearPoorEnd: Double?

    public init(poorStart: Double? = nil, poorEnd: Double? = nil, nearPoorStart: Double? = nil, nearPoorEnd: Double? = nil) {
        self.poorStart = poorStart
        self.poorEnd = poorEnd
        self.nearPoorStart = nearPoorStart
        self.nearPoorEnd = nearPoorEnd
    }

    /// `part / whole` in percent, rounded to two decimals; nil without a whole.
    public static func percent(_ part: Int, of whole: Int?) -> Double? {
        guard let whole, whole > 0 else { return nil }
        return (Double(part) * 10_000 / Double(whole)).rounded() / 100
    }
}

/// The year's target for the area (a resolution's figures, ``AreaFigure``), the result and the gap.
public struct YearTarget: Codable, Sendable, Hashable {
    /// Poor households to bring out of poverty in the year (net: start − end).
    public var poorHouseholdsReduction: Int?
    /// The poverty rate to reach by 31 December, percent.
    public var poorRatePercent: Double?
    public var nearPoorRatePercent: Double?
    /// Net reduction of poor households achieved: start − end.
    public var achievedReduction: Int
    /// Households still to bring out to meet the reduction target (target − achieved; 0 or less is met).
    public var reductionGap: Int?
    /// Points the end rate is above the target rate (0 or less is met); absent without the end rate.
    public var poorRateGapPoints: Double?
    public var nearPoorRateGapPoints: Double?

    public init(
        poorHouseholdsReduction: Int?, poorRatePercent: Double?, nearPoorRatePercent: Double?, achievedReduction: Int, reductionGap: Int?,
        poorRateGapPoints: Double?, nearPoorRateGapPoints: Double?
    ) {
        self.poorHouseholdsReduction = poorHouseholdsReduction
        self.poorRatePercent = poorRatePercent
        self.nearPoorRatePercent = nearPoorRatePercent
        self.achievedReduction = achievedReduction
        self.reductionGap = reductionGap
        self.poorRateGapPoints = poorRateGapPoints
        self.nearPoorRateGapPoints = nearPoorRateGapPoints
    }
}
