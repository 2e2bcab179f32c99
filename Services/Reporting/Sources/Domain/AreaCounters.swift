import EventContracts

/// An area's totals as named counters, so that a household's contribution can be added and taken away exactly.
public struct AreaCounters: Codable, Sendable, Hashable {
    public var counts: [String: Int] = [:]

    public init(counts: [String: Int] = [:]) { self.counts = counts }

    public mutating func add(_ keys: [String], sign: Int) {
        for key in keys {
            let value = (counts[key] ?? 0) + sign
            counts[key] = value == 0 ? nil : value
        }
    }

    public subscript(key: String) -> Int { counts[key] ?? 0 }

    /// The counter keys a classified household adds to its commune and province (referrals and candidates are counted
    /// by the services that decide them, under `referral.*` and `training.*`).
    static func keys(for c: ClassificationBasis) -> [String] {
        // A version eligibility could not classify is counted apart, for the officer to act on; it is in no class.
        guard let s = c.classification else { return ["unclassified"] }
        let cls = "class.\(s.householdClass.rawValue)"
        var keys = ["total", cls, "\(c.area.areaType.rawValue).total", "\(c.area.areaType.rawValue).\(cls)", "status.\(c.status.rawValue)",
                    "standard.\(s.standard.id)"]
        if s.ethnicMinority { keys += ["ethnicMinority.total", "ethnicMinority.\(cls)"] }
        if s.noWorkingCapacity { keys += ["noWorkingCapacity.total", "noWorkingCapacity.\(cls)"] }
        if s.transition != .first && s.transition != .unchanged { keys.append("transition.\(s.transition.rawValue)") }
        if s.householdClass == .poor { keys += s.deprivedIndicators.map { "poorDeprived.\($0)" } }
        if s.householdClass == .nearPoor { keys += s.deprivedIndicators.map { "nearPoorDeprived.\($0)" } }
        if s.lowIncomeWorkers == true { keys.append("lowIncomeWorker.households") }
        return keys
    }

    func classCounts(_ prefix: String) -> ClassCounts {
        let p = prefix.isEmpty ? "" : "\(prefix)."
        return ClassCounts(
            total: self["\(p)total"], poor: self["\(p)class.poor"], nearPoor: self["\(p)class.nearPoor"],
            averageLiving: self["\(p)class.averageLiving"], none: self["\(p)class.none"])
    }

    func withPrefix(_ prefix: String) -> [String: Int] {
        counts.reduce(into: [:]) { result, entry in
            if entry.key.hasPrefix(prefix) { result[String(entry.key.dropFirst(prefix.count))] = entry.value }
        }
    }

    /// The report an area's counters stand for.
    /// - Parameter communes: how many communes the area's denominators add up (1 for a commune).
    public func report(
        areaCode: String, level: AreaLevel, name: String?, provinceCode: String, version: Int64, asOf: String, communes: Int = 1
    ) -> AreaReport {
        let byProgramme = withPrefix("referral.programme.")
        let candidatesByProgramme = withPrefix("loanCandidate.programme.")
        let baselines = ReviewYearTally.baselines(counts)
        return AreaReport(
            areaCode: areaCode, areaLevel: level, areaName: name, provinceCode: provinceCode, version: version, asOf: asOf,
            standardIds: withPrefix("standard.").keys.sorted(), households: classCounts(""), urban: classCounts("urban"),
            rural: classCounts("rural"), ethnicMinority: classCounts("ethnicMinority"),
            noWorkingCapacity: classCounts("noWorkingCapacity"),
            transitions: TransitionCounts(
                newlyPoor: self["transition.newlyPoor"], rePoor: self["transition.rePoor"], newlyNearPoor: self["transition.newlyNearPoor"],
                escapedPoverty: self["transition.escapedPoverty"], escapedNearPoverty: self["transition.escapedNearPoverty"],
                poorToNearPoor: self["transition.poorToNearPoor"]),
            recognised: self["status.recognised"], proposed: self["status.proposed"], poorDeprivedBy: withPrefix("poorDeprived."),
            nearPoorDeprivedBy: withPrefix("nearPoorDeprived."),
            referrals: ReferralCounts(households: self["referral.households"], referrals: byProgramme.values.reduce(0, +), byProgramme: byProgramme),
            loanCandidates: ReferralCounts(
                households: self["loanCandidate.households"], referrals: candidatesByProgramme.values.reduce(0, +), byProgramme: candidatesByProgramme),
            training: TrainingCounts(
                households: self["training.households"], candidates: self["training.candidates"],
                outcomes: withPrefix("training.outcome.").isEmpty ? nil : TrainingOutcomeCounts(counts: counts)),
            lowIncomeWorkerHouseholds: self["lowIncomeWorker.households"], unclassified: self["unclassified"],
            credit: CreditCounts(counts: counts), official: hasYears ? ReviewYearTally.officialNow(counts) : nil,
            reviewYears: hasYears ? ReviewYearTally.years(counts, communes: communes) : nil, baselines: baselines.isEmpty ? nil : baselines)
    }

    /// Whether any household with an official history, or any denominator or target, is counted here.
    private var hasYears: Bool {
        counts.keys.contains { $0.hasPrefix("yr.") || $0.hasPrefix("official.") || $0.hasPrefix("den.") || $0.hasPrefix("target.") }
    }
}
