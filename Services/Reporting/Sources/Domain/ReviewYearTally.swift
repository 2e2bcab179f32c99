import EventContracts

/// What one household adds to its communes' review years: a pure function of its official history (and of its latest
/// version when that is proposed and not yet recognised).
///
/// For each year with a recognition decision, the household's state on 1 January (its last official state of the
/// years before) is compared with its state on 31 December (the last of the year). Each difference is counted once,
/// in one flow, in the commune it concerns; a year without a decision adds nothing, so an area's start of a year is the
/// sum of the flows of the years before it. Keys: `yr.<year>.<group>.<class>.<flow>`, `yr.<year>.proposed.<class>`,
/// `yr.<year>.deprived.<class>.<indicator>` (the change in the lists' households deprived on an indicator), and
/// `official.<group>.<class>` for the list in force now.
enum ReviewYearTally {
    /// Who a figure counts: households, people, or the households of one group.
    enum Group: String, CaseIterable {
        case households, people, ethnicMinority, urban, rural

        func includes(_ s: OfficialState) -> Bool {
            switch self {
            case .households, .people: true
            case .ethnicMinority: s.ethnicMinority
            case .urban: s.areaType == .urban
            case .rural: s.areaType == .rural
            }
        }

        func amount(_ s: OfficialState) -> Int { self == .people ? s.members : 1 }
    }

    /// The two classes whose lists the forms follow.
    static let classes: [HouseholdClass] = [.poor, .nearPoor]

    /// A household's latest version awaiting recognition.
    struct Proposal: Sendable, Hashable {
        var year: Int
        var householdClass: HouseholdClass
        var place: HouseholdPlace
    }

    /// The household's counts per commune-level area code, with the place to count them in.
    static func contributions(history: [OfficialState], proposal: Proposal?) -> [String: (place: HouseholdPlace, counts: [String: Int])] {
        var result: [String: (place: HouseholdPlace, counts: [String: Int])] = [:]
        func add(_ place: HouseholdPlace, _ key: String, _ amount: Int) {
            guard amount != 0 else { return }
            result[place.communeAreaCode, default: (place, [:])].counts[key, default: 0] += amount
        }
        let years = Dictionary(grouping: history, by: \.year)
        var start: OfficialState?
        var everPoor = false
        for year in years.keys.sorted() {
            guard let end = years[year]!.last else { continue }
            for c in classes {
                for group in Group.allCases {
                    if let (place, flow, amount) = flows(start: start, end: end, class: c, group: group, everPoor: everPoor) {
                        add(place, "yr.\(year).\(group.rawValue).\(c.rawValue).\(flow)", amount)
                    }
                    if let (place, flow, amount) = outflow(start: start, end: end, class: c, group: group) {
                        add(place, "yr.\(year).\(group.rawValue).\(c.rawValue).\(flow)", amount)
                    }
                }
            }
            for (place, key, amount) in deprivationChanges(from: start, to: end) { add(place, "yr.\(year).deprived.\(key)", amount) }
            everPoor = everPoor || years[year]!.contains { $0.householdClass == .poor }
            start = end
        }
        // The list in force now, counted directly: the check that every area's flows add up to it.
        if let now = history.last, classes.contains(now.householdClass) {
            for group in Group.allCases where group.includes(now) {
                add(now.place, "official.\(group.rawValue).\(now.householdClass.rawValue)", group.amount(now))
            }
        }
        if let proposal {
            add(proposal.place, "yr.\(proposal.year).proposed.total", 1)
            if classes.contains(proposal.householdClass) {
                add(proposal.place, "yr.\(proposal.year).proposed.\(proposal.householdClass.rawValue)", 1)
            }
        }
        return result
    }

    /// How the end-of-year lists' deprivations change between two states: the start's indicators leave its class and
    /// commune, the end's enter theirs (`<class>.<indicator>`); what stays the same adds nothing.
    private static func deprivationChanges(from start: OfficialState?, to end: OfficialState) -> [(HouseholdPlace, String, Int)] {
        func entries(_ s: OfficialState?) -> Set<String> {
            guard let s, classes.contains(s.householdClass) else { return [] }
            return Set((s.deprivedIndicators ?? []).map { "\(s.householdClass.rawValue).\($0)" })
        }
        let before = entries(start), after = entries(end)
        let samePlace = start?.place.communeAreaCode == end.place.communeAreaCode
        let leaving = samePlace ? before.subtracting(after) : before
        let entering = samePlace ? after.subtracting(before) : after
        return leaving.sorted().map { (start!.place, $0, -1) } + entering.sorted().map { (end.place, $0, 1) }
    }

    /// The inflow into (`class`, `group`) of the end's commune, or the change of people of a household that stays.
    private static func flows(
        start: OfficialState?, end: OfficialState, class c: HouseholdClass, group: Group, everPoor: Bool
    ) -> (HouseholdPlace, String, Int)? {
        let inAtEnd = end.householdClass == c && group.includes(end)
        guard inAtEnd else { return nil }
        let amount = group.amount(end)
        guard let start else { return (end.place, "firstRecorded", amount) }
        let samePlace = start.place.communeAreaCode == end.place.communeAreaCode
        if start.householdClass == c && group.includes(start) {
            // In at both ends: a move is out of one commune and into the other; otherwise only people can change.
            if !samePlace { return (end.place, "movedIn", amount) }
            let change = amount - group.amount(start)
            return change > 0 ? (end.place, "otherIn", change) : nil
        }
        if !samePlace { return (end.place, "movedIn", amount) }
        if start.householdClass == c { return (end.place, "otherIn", amount) }
        if classes.contains(start.householdClass) { return (end.place, "fromOtherClass", amount) }
        return (end.place, c == .poor && everPoor ? "re" : "newly", amount)
    }

    /// The outflow from (`class`, `group`) of the start's commune, or the loss of people of a household that stays.
    private static func outflow(start: OfficialState?, end: OfficialState, class c: HouseholdClass, group: Group) -> (HouseholdPlace, String, Int)? {
        guard let start, start.householdClass == c, group.includes(start) else { return nil }
        let amount = group.amount(start)
        let samePlace = start.place.communeAreaCode == end.place.communeAreaCode
        if end.householdClass == c && group.includes(end) {
            if !samePlace { return (start.place, "movedOut", amount) }
            let change = amount - group.amount(end)
            return change > 0 ? (start.place, "otherOut", change) : nil
        }
        if !samePlace { return (start.place, "movedOut", amount) }
        if end.householdClass == c { return (start.place, "otherOut", amount) }
        if classes.contains(end.householdClass) { return (start.place, "toOtherClass", amount) }
        return (start.place, "escaped", amount)
    }

    /// An area of `communes` communes: its review years from its counters (`yr.`, `den.` and `target.` keys), each year
    /// from the first with a flow, a denominator or a target to `through` (or the last with one), its start the sum of
    /// the flows of the years before.
    static func years(_ counts: [String: Int], communes: Int = 1, through last: Int? = nil) -> [ReviewYearCounts] {
        var byYear: [String: [Int: [String: Int]]] = [:]
        for (key, value) in counts {
            let parts = key.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, ["yr", "den", "target"].contains(parts[0]), let year = Int(parts[1]) else { continue }
            byYear[String(parts[0]), default: [:]][year, default: [:]][String(parts[2])] = value
        }
        let flows = byYear["yr"] ?? [:]
        let years = Set(byYear.values.flatMap(\.keys))
        guard let first = years.min() else { return [] }
        let through = max(last ?? first, years.max()!)
        func denominator(_ year: Int) -> YearDenominator? {
            guard let d = byYear["den"]?[year] else { return nil }
            let known = d["communes"] ?? 0
            return YearDenominator(
                households: known == communes ? d["households"] : nil, people: d["peopleCommunes"] == communes ? d["people"] : nil,
                communesKnown: known, communes: communes)
        }
        var endOfYear: [String: Int] = [:]
        var deprived: [String: Int] = [:]
        let countsDeprivations = flows.values.contains { $0.keys.contains { $0.hasPrefix("deprived.") } }
        var result: [ReviewYearCounts] = []
        for year in first...through {
            let f = flows[year] ?? [:]
            func classFlows(_ group: Group, _ c: HouseholdClass) -> ClassYearFlows {
                let p = "\(group.rawValue).\(c.rawValue)."
                var x = ClassYearFlows(
                    start: endOfYear[p] ?? 0, firstRecorded: f[p + "firstRecorded"] ?? 0, newly: f[p + "newly"] ?? 0, re: f[p + "re"] ?? 0,
                    fromOtherClass: f[p + "fromOtherClass"] ?? 0, movedIn: f[p + "movedIn"] ?? 0, otherIn: f[p + "otherIn"] ?? 0,
                    escaped: f[p + "escaped"] ?? 0, toOtherClass: f[p + "toOtherClass"] ?? 0, movedOut: f[p + "movedOut"] ?? 0,
                    otherOut: f[p + "otherOut"] ?? 0)
                x.end = x.start + x.inflows - x.outflows
                endOfYear[p] = x.end
                return x
            }
            func both(_ group: Group) -> PovertyYearFlows { PovertyYearFlows(poor: classFlows(group, .poor), nearPoor: classFlows(group, .nearPoor)) }
            var counts = ReviewYearCounts(
                year: year, households: both(.households), people: both(.people), ethnicMinorityHouseholds: both(.ethnicMinority),
                urbanHouseholds: both(.urban), ruralHouseholds: both(.rural),
                proposed: ProposedCounts(poor: f["proposed.poor"] ?? 0, nearPoor: f["proposed.nearPoor"] ?? 0, total: f["proposed.total"] ?? 0))
            (counts.denominatorAtStart, counts.denominatorAtEnd) = (denominator(year - 1), denominator(year))
            let h = counts.households
            let rates = YearRates(
                poorStart: YearRates.percent(h.poor.start, of: counts.denominatorAtStart?.households),
                poorEnd: YearRates.percent(h.poor.end, of: counts.denominatorAtEnd?.households),
                nearPoorStart: YearRates.percent(h.nearPoor.start, of: counts.denominatorAtStart?.households),
                nearPoorEnd: YearRates.percent(h.nearPoor.end, of: counts.denominatorAtEnd?.households))
            counts.rates = rates
            counts.target = byYear["target"]?[year].map { target(counts, $0, rates) }
            for (key, value) in f where key.hasPrefix("deprived.") { deprived[String(key.dropFirst("deprived.".count)), default: 0] += value }
            if countsDeprivations { counts.deprivedAtEnd = deprivedHouseholds(deprived) }
            result.append(counts)
        }
        return result
    }

    /// `<class>.<indicator>` counts as the households of each list deprived on each indicator.
    private static func deprivedHouseholds(_ counts: [String: Int]) -> DeprivedHouseholds {
        var result = DeprivedHouseholds()
        for (key, value) in counts where value != 0 {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case HouseholdClass.poor.rawValue: result.poor[parts[1]] = value
            case HouseholdClass.nearPoor.rawValue: result.nearPoor[parts[1]] = value
            default: continue
            }
        }
        return result
    }

    /// The year's target against its result.
    private static func target(_ year: ReviewYearCounts, _ t: [String: Int], _ rates: YearRates) -> YearTarget {
        func set(_ name: String) -> Int? { t[name + "Set"] == nil ? nil : t[name] ?? 0 }
        let reduction = set("poorReduction")
        let poorRate = set("poorRate").map { Double($0) / 100 }
        let nearPoorRate = set("nearPoorRate").map { Double($0) / 100 }
        let achieved = year.households.poor.start - year.households.poor.end
        func gap(_ end: Double?, _ target: Double?) -> Double? {
            guard let end, let target else { return nil }
            return ((end - target) * 100).rounded() / 100
        }
        return YearTarget(
            poorHouseholdsReduction: reduction, poorRatePercent: poorRate, nearPoorRatePercent: nearPoorRate, achievedReduction: achieved,
            reductionGap: reduction.map { $0 - achieved }, poorRateGapPoints: gap(rates.poorEnd, poorRate),
            nearPoorRateGapPoints: gap(rates.nearPoorEnd, nearPoorRate))
    }

    /// The published figures loaded for an area (`base.<year>.*` keys), by year.
    static func baselines(_ counts: [String: Int]) -> [YearBaseline] {
        var byYear: [Int: [String: Int]] = [:]
        for (key, value) in counts where key.hasPrefix("base.") {
            let parts = key.split(separator: ".", maxSplits: 2)
            guard parts.count == 3, let year = Int(parts[1]) else { continue }
            byYear[year, default: [:]][String(parts[2])] = value
        }
        return byYear.keys.sorted().map { year in
            let b = byYear[year]!
            func count(_ name: String) -> Int? { b[name + "Set"] == nil ? nil : b[name] ?? 0 }
            func rate(_ name: String) -> Double? { count(name).map { Double($0) / 100 } }
            var baseline = YearBaseline(year: year)
            (baseline.poorHouseholdsStart, baseline.poorHouseholdsEnd) = (count("poorHouseholdsStart"), count("poorHouseholdsEnd"))
            (baseline.nearPoorHouseholdsStart, baseline.nearPoorHouseholdsEnd) = (count("nearPoorHouseholdsStart"), count("nearPoorHouseholdsEnd"))
            (baseline.poorRateStartPercent, baseline.poorRateEndPercent) = (rate("poorRateStartPercent"), rate("poorRateEndPercent"))
            (baseline.nearPoorRateStartPercent, baseline.nearPoorRateEndPercent) = (rate("nearPoorRateStartPercent"), rate("nearPoorRateEndPercent"))
            return baseline
        }
    }

    /// The lists in force now, from the counters' `official.` keys.
    static func officialNow(_ counts: [String: Int]) -> OfficialLists {
        func both(_ group: Group) -> PovertyCounts {
            PovertyCounts(poor: counts["official.\(group.rawValue).poor"] ?? 0, nearPoor: counts["official.\(group.rawValue).nearPoor"] ?? 0)
        }
        return OfficialLists(
            households: both(.households), people: both(.people), ethnicMinorityHouseholds: both(.ethnicMinority), urbanHouseholds: both(.urban),
            ruralHouseholds: both(.rural))
    }
}
