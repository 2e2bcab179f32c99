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
    /// When the survey does not say whether a member wants training, a member in the labour force whose highest
    /// education is below this level is taken to need it ([U], docs/training-rules.md); nil: only those who asked.
    public var inferTrainingNeedBelow: EducationLevel?
    /// Members of households that escaped poverty within this many months of the survey are candidates, after the poor
    /// and near-poor (Decision 90/QĐ-TTg Project 4; the 36-month window is [M], docs/training-rules.md); nil: they are not.
    public var newlyEscapedWindowMonths: Int?

    /// Caps that take effect on a date (an amendment of Decision 46/2015), each with its source and confidence tag.
    public struct SupportCapChange: Codable, Sendable, Hashable {
        public var from: String
        public var caps: SupportCaps
        public var source: String
        /// `[C]`, `[M]` or `[U]` (docs/training-rules.md).
        public var confidence: String
    }
    /// Changes to `supportCapsVnd`, oldest first; absent or empty while Decision 46/2015's caps stand.
    public var supportCapChanges: [SupportCapChange]?

    /// The caps in force on `day` (YYYY-MM-DD): the latest change from that day or before, else `supportCapsVnd`.
    public func caps(on day: String) -> SupportCaps {
        (supportCapChanges ?? []).last { $0.from <= day }?.caps ?? supportCapsVnd
    }

    /// A group's cap on `day`. Newly-escaped households' members and others not named take the rural workers' cap.
    public func cap(_ group: SupportGroup, on day: String) -> Int64 {
        let caps = caps(on: day)
        switch group {
        case .disabled: return caps.disabled
        case .poorEthnicMinority: return caps.poorEthnicMinority
        case .poor: return caps.poor
        case .ethnicMinority: return caps.ethnicMinority
        case .nearPoor: return caps.nearPoor
        case .lowIncomeWorker: return caps.lowIncomeWorker ?? caps.other
        case .newlyEscaped, .other: return caps.other
        }
    }

    public static func bundled() throws -> TrainingRules {
        guard let url = Bundle.module.url(forResource: "training", withExtension: "json", subdirectory: "Resources") else {
            throw FieldError("training", "bundled training.json is missing")
        }
        return try load(Data(contentsOf: url))
    }

    /// Decodes and checks rules data, naming the field at fault.
    public static func load(_ data: Data) throws -> TrainingRules {
        let rules = try JSONDecoder().decode(TrainingRules.self, from: data)
        var previous = ""
        for (index, change) in (rules.supportCapChanges ?? []).enumerated() {
            let field = "supportCapChanges[\(index)]"
            guard CalendarDate(change.from) != nil else { throw FieldError("\(field).from", "'\(change.from)' is not a date (YYYY-MM-DD)") }
            guard change.from > previous else { throw FieldError("\(field).from", "\(change.from) is not after the change before it") }
            guard ["[C]", "[M]", "[U]"].contains(change.confidence) else {
                throw FieldError("\(field).confidence", "'\(change.confidence)' is not [C], [M] or [U]")
            }
            guard !change.source.trimmingCharacters(in: .whitespaces).isEmpty else { throw FieldError("\(field).source", "a change names its source") }
            previous = change.from
        }
        return rules
    }
}

/// The members a household puts forward, and the other working-age members with why not.
public struct CandidateSelection: Sendable, Hashable {
    public var candidates: [TrainingCandidate]
    public var notPutForward: [NotPutForward]
    /// The household is a candidate as newly escaped from poverty (not poor or near-poor now).
    public var newlyEscaped = false
}

/// Selects the working-age members of eligible households, and low-income workers (Decree 30/2025), as training
/// and job candidates, by what they asked for in the survey or, when it does not say, by their situation. Pure.
public enum CandidateRules {
    public static func select(_ household: ClassifiedHousehold, rules: TrainingRules) -> CandidateSelection {
        var selection = CandidateSelection(candidates: [], notPutForward: [])
        guard let classification = household.classification else { return selection }  // unclassified: no candidates
        let lowIncome = classification.lowIncomeWorkers == true
        let escaped = newlyEscaped(household, classification, rules: rules)
        guard rules.eligibleClasses.contains(classification.householdClass) || escaped || lowIncome else { return selection }
        selection.newlyEscaped = escaped && !rules.eligibleClasses.contains(classification.householdClass)
        for member in household.members {
            let facts = member.facts
            let retirement = facts.sex == .male ? rules.retirementAge.male : rules.retirementAge.female
            guard member.ageYears >= rules.minimumWorkingAge, member.ageYears < retirement, facts.workingCapacity != .none else { continue }
            let wants = interests(facts, rules: rules)
            guard !wants.interests.isEmpty else {
                selection.notPutForward.append(NotPutForward(memberId: member.memberId, reason: wants.why))
                continue
            }
            let (cap, group, supportGroup) = supportGroup(facts, classification.householdClass, escaped: escaped, lowIncome: lowIncome, rules: rules)
            selection.candidates.append(
                TrainingCandidate(
                    memberId: member.memberId, ageYears: member.ageYears, sex: facts.sex, employmentStatus: facts.employment.status,
                    educationAttained: facts.education.attained, disability: facts.disability, trainingSupportCapVnd: cap,
                    reason: "working age (\(member.ageYears)), \(group) under \(classification.standard.id); \(wants.why)", wants: wants.interests,
                    supportGroup: supportGroup, employmentType: facts.employment.status == .employed ? facts.employment.type : nil,
                    priorStateTraining: facts.priorStateTraining))
        }
        return selection
    }

    /// What a working-age member is put forward for, and why (or why not).
    /// - Training: asked for; or, not said, in the labour force, below the education level the rules infer a need under,
    ///   and not in a job with a labour contract.
    /// - A job: asked for; or, not said, unemployed.
    /// A member in school or training is not put forward unless they asked for a job or training.
    static func interests(_ facts: MemberFacts, rules: TrainingRules) -> (interests: [CandidateInterest], why: String) {
        let employment = facts.employment
        let inLabourForce = employment.status != .notInLabourForce
        let contracted = employment.status == .employed && employment.type == .wage && employment.labourContract == true
        let levels = EducationLevel.allCases
        let belowNeedLevel = rules.inferTrainingNeedBelow.map {
            (levels.firstIndex(of: facts.education.attained) ?? 0) < (levels.firstIndex(of: $0) ?? 0)
        } ?? false
        let training = employment.wantsTraining ?? (!facts.education.enrolled && inLabourForce && belowNeedLevel && !contracted)
        let job = employment.wantsJob ?? (!facts.education.enrolled && employment.status == .unemployed)
        var reasons: [String] = []
        switch employment.wantsTraining {
        case true?: reasons.append("asked for training")
        case false?: reasons.append("did not ask for training")
        case nil where training: reasons.append("needs training: \(facts.education.attained.rawValue) education, \(employment.status.rawValue)")
        case nil: reasons.append(whyNoTraining(facts, inLabourForce: inLabourForce, contracted: contracted))
        }
        switch employment.wantsJob {
        case true?: reasons.append("asked for a job")
        case false?: reasons.append("did not ask for a job")
        case nil where job: reasons.append("unemployed")
        case nil: reasons.append(employment.status == .employed ? "has work" : "not looking for work")
        }
        return ((training ? [.training] : []) + (job ? [.job] : []), reasons.joined(separator: "; "))
    }

    static func whyNoTraining(_ facts: MemberFacts, inLabourForce: Bool, contracted: Bool) -> String {
        if facts.education.enrolled { return "in school or training" }
        if !inLabourForce { return "not in the labour force" }
        if contracted { return "in a job with a labour contract" }
        return "already has \(facts.education.attained.rawValue) education"
    }

    /// Whether the household escaped poverty (the decision's date) within the rules' window before its survey, and is
    /// neither poor nor near-poor now.
    static func newlyEscaped(_ household: ClassifiedHousehold, _ c: ClassificationSummary, rules: TrainingRules) -> Bool {
        guard let months = rules.newlyEscapedWindowMonths, ![HouseholdClass.poor, .nearPoor].contains(c.householdClass),
            let escapedOn = c.escapedOn.flatMap(CalendarDate.init), let survey = CalendarDate(household.surveyDate)
        else { return false }
        return survey <= escapedOn.adding(months: months)
    }

    static func supportGroup(_ facts: MemberFacts, _ householdClass: HouseholdClass, escaped: Bool, lowIncome: Bool, rules: TrainingRules)
        -> (Int64, String, SupportGroup)
    {
        let caps = rules.supportCapsVnd
        if facts.disability != .none { return (caps.disabled, "person with a disability", .disabled) }
        if householdClass == .poor && facts.ethnicMinority {
            return (caps.poorEthnicMinority, "ethnic-minority member of a poor household", .poorEthnicMinority)
        }
        if householdClass == .poor { return (caps.poor, "member of a poor household", .poor) }
        if facts.ethnicMinority { return (caps.ethnicMinority, "ethnic-minority member", .ethnicMinority) }
        if householdClass == .nearPoor { return (caps.nearPoor, "member of a near-poor household", .nearPoor) }
        // Decision 46/2015 names no cap for them: the rural workers' cap.
        if escaped { return (caps.other, "member of a household newly escaped from poverty", .newlyEscaped) }
        if lowIncome { return (caps.lowIncomeWorker ?? caps.other, "low-income worker (Decree 30/2025)", .lowIncomeWorker) }
        return (caps.other, "rural worker", .other)
    }
}
