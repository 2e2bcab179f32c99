import EventContracts

/// Decree 30/2025/NĐ-CP's low-income workers: the household test, as a pure function of its class and income.
/// Who among the members is a worker (working age, capacity) is training-match's rule, not this one.
public enum LowIncomeWorkers {
    /// nil when the standard sets no limit; otherwise whether the household's workers qualify, and why.
    public static func assess(
        householdClass: HouseholdClass, income: IncomeAssessment, areaType: AreaType, limits: ByArea<Int64>?
    ) -> LowIncomeWorkerAssessment? {
        guard let limits else { return nil }
        let limit = limits[areaType]
        let limitText = "the \(areaType.rawValue) limit of \(limit) VND"
        switch householdClass {
        case .poor, .nearPoor:
            return LowIncomeWorkerAssessment(
                limitVnd: limit, qualifies: false,
                reason: "the household is \(householdClass == .poor ? "poor" : "near-poor"): its members are supported as such")
        case .averageLiving, .none:
            guard let perCapita = income.perCapitaMonthlyVnd else {
                return LowIncomeWorkerAssessment(
                    limitVnd: limit, qualifies: false,
                    reason: "income per person is unknown (score only): a worker applies with proof of income against \(limitText)")
            }
            let qualifies = perCapita <= limit
            return LowIncomeWorkerAssessment(
                limitVnd: limit, qualifies: qualifies,
                reason: "income per person \(perCapita) VND is \(qualifies ? "at or below" : "above") \(limitText)")
        }
    }
}
