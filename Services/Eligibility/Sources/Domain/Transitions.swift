import EventContracts

/// The change of a household's class against its previous official (recognised) class.
public enum Transitions {
    /// previousOfficial: the class last recognised for the household (nil if none); everEscaped: it escaped poverty before.
    ///
    /// - none known → `.first`; same class → `.unchanged`; averageLiving ↔ none → `.unchanged`
    /// - → poor from nearPoor, averageLiving or none → `.newlyPoor`, or `.rePoor` when it escaped poverty before
    /// - poor → nearPoor → `.poorToNearPoor`; poor → averageLiving or none → `.escapedPoverty`
    /// - nearPoor → averageLiving or none → `.escapedNearPoverty`; averageLiving or none → nearPoor → `.newlyNearPoor`
    public static func transition(previousOfficial: HouseholdClass?, everEscapedPoverty: Bool, current: HouseholdClass) -> Transition {
        guard let previous = previousOfficial else { return .first }
        if previous == current { return .unchanged }
        switch (previous, current) {
        case (_, .poor): return everEscapedPoverty ? .rePoor : .newlyPoor
        case (.poor, .nearPoor): return .poorToNearPoor
        case (.poor, _): return .escapedPoverty
        case (.nearPoor, _): return .escapedNearPoverty
        case (_, .nearPoor): return .newlyNearPoor
        default: return .unchanged  // averageLiving ↔ none: both above the poverty classes
        }
    }
}
