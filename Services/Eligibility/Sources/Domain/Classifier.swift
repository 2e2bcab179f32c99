import EventContracts
import Foundation

/// Which figure decided whether the household is at or below the poverty line.
public enum IncomeBasis: String, Codable, Sendable, Hashable, CaseIterable {
    /// `income.perCapitaMonthlyVnd` as given.
    case perCapitaIncome
    /// `income.monthlyTotalVnd ÷ members`, rounded up to the đồng (so "at or below" is exact).
    case totalIncomePerMember
    /// Circular 07 score A against the standard's threshold.
    case scoreA
    /// No usable figure: the household is not placed at or below the line (see `Classifier`).
    case unknown
}

/// One household's class under one standard, with the evidence.
public struct ClassificationOutcome: Sendable, Hashable {
    public var householdClass: HouseholdClass
    public var income: IncomeAssessment
    /// One result per indicator of the standard, in the standard's order.
    public var indicators: [IndicatorResult]
    public var deprivationCount: Int
    /// The standard that decided.
    public var standard: StandardRef
    public var incomeBasis: IncomeBasis
    /// Score B as given by the reviewer; reported only, the facts decide the deprivation count.
    public var scoreB: Int?
    /// Plain-English remarks on missing or inconsistent inputs and fallbacks taken; empty for a clean input.
    public var notes: [String]

    public init(
        householdClass: HouseholdClass, income: IncomeAssessment, indicators: [IndicatorResult], deprivationCount: Int,
        standard: StandardRef, incomeBasis: IncomeBasis, scoreB: Int?, notes: [String]
    ) {
        self.householdClass = householdClass
        self.income = income
        self.indicators = indicators
        self.deprivationCount = deprivationCount
        self.standard = standard
        self.incomeBasis = incomeBasis
        self.scoreB = scoreB
        self.notes = notes
    }

    /// Ids of the deprived indicators, in the standard's order.
    public var deprivedIndicatorIds: [String] { indicators.filter(\.deprived).map(\.id) }
}

/// Classifies a household under a standard (Decree 07/2021 Art. 3(2), Decree 351/2025, provincial standards):
///
/// - poor: at or below the income line **and** at least `deprivationThreshold` deprivations;
/// - near-poor: at or below the line and fewer deprivations;
/// - average living: above the line and at or below the average-living line, when the standard has one and an
///   income figure is known;
/// - none: otherwise.
///
/// "At or below the line" comes from, in order: for `method == .declared`, income per person (given, or the
/// monthly total ÷ members rounded up), then score A; for `method == .score`, score A (when the standard has a
/// calibrated threshold), then income per person. With none of these the income is unknown and the household is
/// **not** placed at or below the line, so it is classified `none`: a poverty class needs income evidence. The
/// outcome's `incomeBasis` is `.unknown` and `notes` says so; the deprivation count is still computed.
public enum Classifier {
    public static func classify(_ household: HouseholdSnapshot, under standard: PovertyStandard) -> ClassificationOutcome {
        var notes: [String] = []
        if household.members.isEmpty {
            notes.append("The household has no members, which is not a valid input: member-based indicators count as not deprived and income per person cannot be derived from a total.")
        }
        let indicators = standard.indicators.map { IndicatorEvaluator.evaluate($0, household) }
        let deprivationCount = indicators.filter(\.deprived).count

        let area = household.area.areaType
        let line = standard.incomeLinesVnd[area]
        let averageLine = standard.averageLivingLinesVnd?[area]
        let income = household.conditions.income

        // Income per person, when any figure gives it.
        var perCapita = income.perCapitaMonthlyVnd
        var perCapitaBasis = IncomeBasis.perCapitaIncome
        if perCapita == nil, let total = income.monthlyTotalVnd {
            if household.members.isEmpty {
                notes.append("A monthly total income of \(vnd(total)) was given but there are no members to divide it by.")
            } else {
                perCapita = ceilDiv(total, Int64(household.members.count))
                perCapitaBasis = .totalIncomePerMember
            }
        }

        // Score A, when given and calibrated for this standard.
        let threshold = standard.scoring?.scoreAThresholds[area]
        let scoreUsable = income.scoreA != nil && threshold != nil
        if let scoreA = income.scoreA, threshold == nil {
            notes.append("Score A \(scoreA) was given but \(standard.id) has no calibrated score A threshold; the score is not used.")
        }

        let basis: IncomeBasis
        switch income.method {
        case .score:
            if scoreUsable {
                basis = .scoreA
            } else if perCapita != nil {
                basis = perCapitaBasis
                if income.scoreA == nil { notes.append("Method is 'score' but no score A was given; income per person is used instead.") }
            } else {
                basis = .unknown
            }
        case .declared:
            if perCapita != nil {
                basis = perCapitaBasis
            } else if scoreUsable {
                basis = .scoreA
                notes.append("Method is 'declared' but no income figure was given; score A is used instead.")
            } else {
                basis = .unknown
            }
        }

        let atOrBelow: Bool
        switch basis {
        case .scoreA: atOrBelow = income.scoreA! <= threshold!
        case .perCapitaIncome, .totalIncomePerMember: atOrBelow = perCapita! <= line
        case .unknown:
            atOrBelow = false
            notes.append("Income is unknown (no income per person, usable total, or usable score A): the household cannot be placed at or below the poverty line and is classified 'none' until income is recorded.")
        }

        let householdClass: HouseholdClass
        if atOrBelow {
            householdClass = deprivationCount >= standard.deprivationThreshold ? .poor : .nearPoor
        } else if basis != .unknown, let perCapita, let averageLine, perCapita <= averageLine {
            householdClass = .averageLiving
        } else {
            householdClass = .none
            if basis != .unknown && averageLine == nil {
                notes.append("\(standard.id) defines no average-living-standard band, so a household above the poverty line is 'none'.")
            } else if basis == .scoreA && perCapita == nil && averageLine != nil {
                notes.append("Score A is above the threshold and no income figure was given, so the average-living band cannot be checked; classified 'none'.")
            }
        }

        if let scoreB = income.scoreB, let points = standard.scoring?.scoreBPointsPerIndicator, scoreB != points * deprivationCount {
            notes.append("Score B was given as \(scoreB) but the facts give \(deprivationCount) deprivations (\(points * deprivationCount) points); the facts decide.")
        }

        let assessment = IncomeAssessment(
            method: income.method,
            perCapitaMonthlyVnd: perCapita,
            povertyLineVnd: line,
            averageLivingLineVnd: averageLine,
            scoreA: basis == .scoreA ? income.scoreA : nil,
            scoreAThreshold: basis == .scoreA ? threshold : nil,
            atOrBelowPovertyLine: atOrBelow)
        return ClassificationOutcome(
            householdClass: householdClass, income: assessment, indicators: indicators, deprivationCount: deprivationCount,
            standard: standard.ref, incomeBasis: basis, scoreB: income.scoreB, notes: notes)
    }

    /// Rounds up, so that `ceilDiv(total, n) <= line` exactly when `total <= line × n`.
    static func ceilDiv(_ total: Int64, _ count: Int64) -> Int64 {
        let (quotient, remainder) = total.quotientAndRemainder(dividingBy: count)
        return remainder > 0 ? quotient + 1 : quotient
    }

    static func vnd(_ amount: Int64) -> String { "\(amount) VND" }
}
