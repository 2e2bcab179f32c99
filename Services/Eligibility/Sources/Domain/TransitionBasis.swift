import EventContracts

/// What a household version's transition is judged against: the household's official (recognised) class before
/// that version, and whether and when it escaped poverty before it.
public struct TransitionBasis: Sendable, Hashable {
    public var previousOfficial: HouseholdClass?
    public var everEscapedPoverty: Bool
    public var escapedOn: String?

    public init(previousOfficial: HouseholdClass?, everEscapedPoverty: Bool, escapedOn: String?) {
        self.previousOfficial = previousOfficial
        self.everEscapedPoverty = everEscapedPoverty
        self.escapedOn = escapedOn
    }

    /// No official history.
    public static let none = TransitionBasis(previousOfficial: nil, everEscapedPoverty: false, escapedOn: nil)

    /// The basis read back from the classification published for the same version, for stores that did not record
    /// it. Exact except in one case: a household whose escape from poverty was recognised in this very version loses
    /// any earlier escape date (the published `escapedOn` is the new one), which matters only if the new result is no
    /// longer an escape.
    public init(publishedFor classification: Classification) {
        let escapedNow = classification.transition == .escapedPoverty && classification.status == .recognised
        self.init(
            previousOfficial: classification.previousClass,
            everEscapedPoverty: classification.transition == .rePoor || (classification.escapedOn != nil && !escapedNow),
            escapedOn: escapedNow ? nil : classification.escapedOn)
    }

    /// The transition to `current`, and the escape date and flag that hold after it.
    /// - Parameter recognisedOn: the date of the decision that recognised this version (nil while it is proposed): an
    ///   escape from poverty dates from it; a proposed escape changes no date, since it is not official yet.
    public func advance(to current: HouseholdClass, recognisedOn: String?) -> (transition: Transition, everEscapedPoverty: Bool, escapedOn: String?) {
        let transition = Transitions.transition(previousOfficial: previousOfficial, everEscapedPoverty: everEscapedPoverty, current: current)
        let escaped = transition == .escapedPoverty && recognisedOn != nil
        return (transition, everEscapedPoverty || escaped, escaped ? recognisedOn : escapedOn)
    }
}

extension Classification {
    /// Whether the two decide the same: equal apart from what only echoes the standard's data:
    /// `rulesRevision`, the standards' revision numbers, the lines and thresholds quoted in the income assessments,
    /// the indicators' reason texts, the low-income-worker limit and reason, and the notes. A reclassification publishes a household only when this is false.
    ///
    /// Those echoes carry the parameters ("not below 8 m²", the 1,500,000 line), so a corrected parameter rewrites
    /// them for every household of the standard; comparing them would republish all of those households although
    /// only some are judged differently.
    public func hasSameDecision(as other: Classification) -> Bool {
        decision == other.decision
    }

    private var decision: Classification {
        var copy = self
        copy.rulesRevision = 0
        copy.standard.revision = 0
        copy.income.povertyLineVnd = 0
        copy.income.averageLivingLineVnd = nil
        copy.income.scoreAThreshold = nil
        copy.local?.standard.revision = 0
        copy.local?.income.povertyLineVnd = 0
        copy.local?.income.averageLivingLineVnd = nil
        copy.local?.income.scoreAThreshold = nil
        copy.notes = nil
        copy.lowIncomeWorkers?.limitVnd = 0
        copy.lowIncomeWorkers?.reason = ""
        for index in copy.indicators.indices { copy.indicators[index].reason = "" }
        return copy
    }
}
