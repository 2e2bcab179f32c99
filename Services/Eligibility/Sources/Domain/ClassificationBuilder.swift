import EventContracts

/// Builds the published classification from a household's facts, the standard applied and the official history:
/// a pure function, so it can be tested and benchmarked without a store.
public enum ClassificationBuilder {
    public static func build(
        _ snapshot: HouseholdSnapshot, under standard: PovertyStandard, catalogue: StandardsCatalogue, outcome: ClassificationOutcome,
        transition: Transition, previous: HouseholdClass?, escapedOn: String?
    ) -> Classification {
        var classification = Classification(
            householdId: snapshot.householdId, householdVersion: snapshot.version, rulesRevision: catalogue.revision, area: snapshot.area,
            surveyDate: snapshot.surveyDate, roundId: snapshot.roundId, status: snapshot.status, standard: standard.ref,
            householdClass: outcome.householdClass, income: outcome.income, indicators: outcome.indicators,
            deprivationCount: outcome.deprivationCount, transition: transition, previousClass: previous, escapedOn: escapedOn,
            memberCount: snapshot.members.count,
            ethnicMinority: snapshot.members.first { $0.facts.relation == .head }?.facts.ethnicMinority ?? false,
            noWorkingCapacity: !snapshot.members.contains { $0.facts.workingCapacity != .none })
        classification.recognition = snapshot.status == .recognised ? snapshot.recognition : nil
        classification.income.basis = outcome.incomeBasis.rawValue
        classification.income.scoreB = outcome.scoreB
        classification.notes = outcome.notes.isEmpty ? nil : outcome.notes
        classification.lowIncomeWorkers = LowIncomeWorkers.assess(
            householdClass: outcome.householdClass, income: outcome.income, areaType: snapshot.area.areaType,
            limits: standard.lowIncomeWorkerLimitsVnd)
        classification.listYear = snapshot.listYear
        if let localStandard = catalogue.local(for: snapshot.standardChoice) {
            let local = Classifier.classify(snapshot, under: localStandard)
            classification.local = LocalClassification(
                standard: localStandard.ref, householdClass: local.householdClass, income: local.income,
                deprivationCount: local.deprivationCount)
        }
        return classification
    }

    /// Classifies a household version under `standard`, its transition judged against `basis`.
    public static func build(
        _ snapshot: HouseholdSnapshot, under standard: PovertyStandard, catalogue: StandardsCatalogue, basis: TransitionBasis
    ) -> Classification {
        let outcome = Classifier.classify(snapshot, under: standard)
        let (transition, _, escapedOn) = basis.advance(to: outcome.householdClass, recognisedOn: snapshot.recognisedOn)
        return build(
            snapshot, under: standard, catalogue: catalogue, outcome: outcome, transition: transition, previous: basis.previousOfficial,
            escapedOn: escapedOn)
    }

    /// Classifies a household with no official history (benchmarks, previews).
    public static func build(_ snapshot: HouseholdSnapshot, catalogue: StandardsCatalogue) -> Classification? {
        guard let standard = catalogue.national(for: snapshot.standardChoice) else { return nil }
        return build(snapshot, under: standard, catalogue: catalogue, basis: .none)
    }
}

extension HouseholdSnapshot {
    /// The date this version became official: its recognition decision's date; for a version recognised before intake
    /// recorded decisions (no `recognition`), its survey date. Nil while it is proposed.
    public var recognisedOn: String? {
        guard status == .recognised else { return nil }
        return recognition?.decisionDate ?? surveyDate
    }
}
