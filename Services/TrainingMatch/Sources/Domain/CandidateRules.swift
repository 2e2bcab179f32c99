import EventContracts
import Foundation

/// Who counts as a candidate and how much training support their group may get, as data an operator can correct.
public struct TrainingRules: Codable, Sendable, Hashable {
    public struct RetirementAge: Codable, Sendable, Hashable {
        public var male: Int
        public var female: Int
    }
    public struct SupportCaps: Codable, Sendable, Hashable {
        public var disabled: Int64
        public var poorEthnicMinority: Int64
        public var poor: Int64
        /// Ethnic-minority members of households that are not poor (Decision 46/2015's 3.0M group).
        public var ethnicMinority: Int64
        public var nearPoor: Int64
        public var other: Int64
        /// Low-income workers (Decree 30/2025); when a rules file has none, `other` applies.
        public var lowIncomeWorker: Int64?
    }

    public var revision: Int
    public var minimumWorkingAge: Int
    /// Working age ends at this age (Labour Code 2019 as phased in by Decree 135/2020 [M]).
    public var retirementAge: RetirementAge
    public var eligibleClasses: [HouseholdClass]
    public var supportCapsVnd: SupportCaps

    public static func bundled() throws -> TrainingRules {
        guard let url = Bundle.module.url(forResource: "training", withExtension: "json", subdirectory: "Resources") else {
            throw FieldError("training", "bundled training.json is missing")
        }
        return try JSONDecoder().decode(TrainingRules.self, from: Data(contentsOf: url))
    }
}

/// Selects the working-age members of eligible households, and low-income workers (Decree 30/2025), as training
/// and job candidates. Pure.
public enum CandidateRules {
    public static func candidates(_ household: ClassifiedHousehold, rules: TrainingRules) -> [TrainingCandidate] {
        guard let classification = household.classification else { return [] }  // unclassified: no candidates
        let lowIncome = classification.lowIncomeWorkers == true
        guard rules.eligibleClasses.contains(classification.householdClass) || lowIncome else { return [] }
        return household.members.compactMap { member in
            let facts = member.facts
            let retirement = facts.sex == .male ? rules.retirementAge.male : rules.retirementAge.female
            guard member.ageYears >= rules.minimumWorkingAge, member.ageYears < retirement, facts.workingCapacity != .none else {
                return nil
            }
            let cap: Int64
            let group: String
            if facts.disability != .none {
                (cap, group) = (rules.supportCapsVnd.disabled, "person with a disability")
            } else if classification.householdClass == .poor && facts.ethnicMinority {
                (cap, group) = (rules.supportCapsVnd.poorEthnicMinority, "ethnic-minority member of a poor household")
            } else if classification.householdClass == .poor {
                (cap, group) = (rules.supportCapsVnd.poor, "member of a poor household")
            } else if facts.ethnicMinority {
                (cap, group) = (rules.supportCapsVnd.ethnicMinority, "ethnic-minority member")
            } else if classification.householdClass == .nearPoor {
                (cap, group) = (rules.supportCapsVnd.nearPoor, "member of a near-poor household")
            } else if lowIncome {
                (cap, group) = (rules.supportCapsVnd.lowIncomeWorker ?? rules.supportCapsVnd.other, "low-income worker (Decree 30/2025)")
            } else {
                (cap, group) = (rules.supportCapsVnd.other, "rural worker")
            }
            return TrainingCandidate(
                memberId: member.memberId, ageYears: member.ageYears, sex: facts.sex, employmentStatus: facts.employment.status,
                educationAttained: facts.education.attained, disability: facts.disability, trainingSupportCapVnd: cap,
                reason: "working age (\(member.ageYears)), \(group) under \(classification.standard.id)")
        }
    }
}
