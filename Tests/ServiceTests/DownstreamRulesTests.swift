import EventContracts
import Foundation
@testable import LoanReferral
@testable import Reporting
import Testing
@testable import TrainingMatch

func classification(
    _ cls: HouseholdClass, areaType: AreaType = .rural, deprived: [String] = [], escapedOn: String? = nil, surveyDate: String = "2026-10-15"
) -> Classification {
    Classification(
        householdId: "h1", householdVersion: 1, rulesRevision: 1,
        area: AreaRef(communeCode: "02000", provinceCode: "19", areaType: areaType), surveyDate: surveyDate, roundId: "2026-periodic",
        status: .proposed, standard: StandardRef(id: "VN-2022-2025", revision: 1, legalBasis: "Decree 07/2021/NĐ-CP"), householdClass: cls,
        income: IncomeAssessment(method: .declared, perCapitaMonthlyVnd: 1_000_000, povertyLineVnd: 1_500_000, averageLivingLineVnd: 2_250_000, atOrBelowPovertyLine: true),
        indicators: ["water", "latrine", "housingQuality"].map { IndicatorResult(id: $0, dimension: "d", deprived: deprived.contains($0), reason: "r") },
        deprivationCount: deprived.count, transition: .first, previousClass: nil, escapedOn: escapedOn, memberCount: 3,
        ethnicMinority: false, noWorkingCapacity: false)
}

/// The classified household the rules read, for a classification and members (facts beside them as in `c`).
func classified(_ c: Classification, members: [HouseholdMember] = []) -> ClassifiedHousehold {
    ClassifiedHousehold(
        HouseholdSnapshot(
            householdId: c.householdId, version: c.householdVersion, area: c.area, reviewKind: .periodic, roundId: c.roundId,
            surveyDate: c.surveyDate, status: c.status, head: HeadIdentity(fullName: "x", cccd: "019080000001"), members: members,
            conditions: LivingConditions(
                housing: Housing(walls: .brick, columns: .brick, roof: .metalSheet, floorAreaM2: 40), water: .piped, latrine: .septic,
                waste: .collected, information: InformationAccess(telecomUse: true, internetUse: true, devices: []),
                income: Income(method: .declared, monthlyTotalVnd: 1)), recordedAt: "2026-10-15T00:00:00Z"),
        c)
}

extension ReferralRules {
    static func referrals(for c: Classification, programmes: [LoanProgramme]) -> [LoanReferral] {
        referrals(for: classified(c), programmes: programmes)
    }
}

extension CandidateRules {
    static func candidates(_ snapshot: HouseholdSnapshot, _ c: Classification, rules: TrainingRules) -> [TrainingCandidate] {
        select(classified(c, members: snapshot.members), rules: rules).candidates
    }
}

@Suite struct ReferralRulesTests {
    let programmes = try! ProgrammeCatalogue.bundled().programmes

    func referred(_ c: Classification) -> [String] { ReferralRules.referrals(for: c, programmes: programmes).map(\.programmeId) }

    /// Referral follows recognition (docs/loan-programmes.md): a proposed class makes a candidate, the chairman's
    /// decision a referral dated by it, under the same id; only referrals count as referred households in the tallies.
    @Test func aProposedHouseholdIsACandidateAndARecognisedOneIsReferredOnTheDecisionsDate() throws {
        var c = classification(.poor)
        let proposed = ReferralRules.referrals(for: c, programmes: programmes)
        #expect(proposed.map(\.status) == [.candidate] && proposed[0].referredOn == "2026-10-15")
        c.status = .recognised
        var household = classified(c)
        household.recognition = RecognitionDecision(decisionNumber: "12/QĐ-UBND", decisionDate: "2026-12-10")
        let recognised = ReferralRules.referrals(for: household, programmes: programmes)
        #expect(recognised.map(\.status) == [.referred] && recognised[0].referredOn == "2026-12-10")
        #expect(recognised[0].referralId == proposed[0].referralId, "the candidate becomes the referral")
        #expect(recognised[0].annualRatePercent == proposed[0].annualRatePercent, "the rate stays the survey date's")

        let referral = Referral(try ProgrammeCatalogue.bundled())
        func tally(_ referrals: [LoanReferral]) -> [String] {
            referral.tallyKeys(LoanReferralSet(
                householdId: "h1", householdVersion: 1, rulesRevision: 1, programmesRevision: 1, area: c.area, householdClass: .poor,
                head: household.head, referrals: referrals))
        }
        #expect(tally(proposed) == ["loanCandidate.households", "loanCandidate.programme.vbsp-poor-household"])
        #expect(tally(recognised) == ["referral.households", "referral.programme.vbsp-poor-household"])
    }

    @Test func poorAndNearPoorGetTheirProgrammeAtTheRateInForce() throws {
        let poor = ReferralRules.referrals(for: classification(.poor), programmes: programmes)
        #expect(poor.map(\.programmeId) == ["vbsp-poor-household"])
        #expect(poor[0].annualRatePercent == 6.24)
        #expect(poor[0].maxLoanVnd == 100_000_000)
        let before = ReferralRules.referrals(for: classification(.poor, surveyDate: "2025-11-30"), programmes: programmes)
        #expect(before[0].annualRatePercent == 6.6)
        #expect(referred(classification(.nearPoor)) == ["vbsp-near-poor-household"])
        #expect(referred(classification(.none)) == [])
    }

    @Test func newlyEscapedHouseholdsQualifyForThreeYears() {
        #expect(referred(classification(.none, escapedOn: "2024-10-16")) == ["vbsp-newly-escaped"])
        #expect(referred(classification(.none, escapedOn: "2023-10-14")) == [])
    }

    @Test func ruralWaterOrLatrineDeprivationAddsTheSanitationLoan() {
        #expect(referred(classification(.poor, deprived: ["latrine"])) == ["vbsp-poor-household", "vbsp-rural-water-sanitation"])
        #expect(referred(classification(.poor, areaType: .urban, deprived: ["latrine"])) == ["vbsp-poor-household"])
    }

    /// The bank reconciles on the referral id: the same household and programme keep it across versions and rounds.
    @Test func referralIdsAreStableAcrossVersionsAndRounds() {
        let a = ReferralRules.referrals(for: classification(.poor), programmes: programmes)[0].referralId
        var later = classification(.poor, surveyDate: "2027-10-15")
        (later.householdVersion, later.roundId) = (2, "2027-periodic")
        #expect(ReferralRules.referrals(for: later, programmes: programmes)[0].referralId == a)
    }

    /// Decision 10/2024/QĐ-TTg lends per facility, 25,000,000 VND each, at most 50,000,000 for both (docs/loan-programmes.md).
    @Test func theSanitationCapFollowsTheFacilitiesTheHouseholdLacks() {
        func cap(_ deprived: [String]) -> Int64? {
            ReferralRules.referrals(for: classification(.nearPoor, deprived: deprived), programmes: programmes)
                .first { $0.programmeId == "vbsp-rural-water-sanitation" }?.maxLoanVnd
        }
        #expect(cap(["latrine"]) == 25_000_000)
        #expect(cap(["water"]) == 25_000_000)
        #expect(cap(["water", "latrine"]) == 50_000_000)
    }

    /// A referral that no longer applies stays in the set as withdrawn, with the reason; one that applies again is
    /// referred again under its id.
    @Test func aReferralThatEndsIsWithdrawnWithItsReasonNotDropped() {
        let poor = ReferralRules.referrals(for: classification(.poor), programmes: programmes)
        var escaped = classification(.averageLiving, surveyDate: "2027-10-15")
        escaped.householdVersion = 2
        let after = ReferralRules.referrals(for: classified(escaped), programmes: programmes, previous: poor)
        #expect(after.map(\.status) == [.withdrawn] && after[0].referralId == poor[0].referralId)
        #expect(after[0].withdrawnReason == "household no longer qualifies: averageLiving under VN-2022-2025 (survey of 2027-10-15, proposed)")
        let again = ReferralRules.referrals(for: classified(classification(.poor)), programmes: programmes, previous: after)
        #expect(again.map(\.status) == [.candidate] && again[0].withdrawnReason == nil)
    }
}

@Suite struct CandidateRulesTests {
    let rules = try! TrainingRules.bundled()

    func member(_ id: String, age: Int, sex: Sex = .male, capacity: WorkingCapacity = .full, disability: Disability = .none, ethnicity: String = "kinh") -> HouseholdMember {
        HouseholdMember(memberId: id, ageYears: age, facts: MemberFacts(
            relation: .child, sex: sex, ethnicity: ethnicity, disability: disability, workingCapacity: capacity, healthInsurance: true,
            education: Education(attained: .lowerSecondary, enrolled: false), employment: Employment(status: .unemployed), socialAllowance: false))
    }

    func snapshot(_ members: [HouseholdMember]) -> HouseholdSnapshot {
        HouseholdSnapshot(
            householdId: "h1", version: 1, area: AreaRef(communeCode: "02000", provinceCode: "19", areaType: .rural), reviewKind: .periodic,
            roundId: "2026-periodic", surveyDate: "2026-10-15", status: .proposed, head: HeadIdentity(fullName: "x", cccd: "019080000001"),
            members: members,
            conditions: LivingConditions(
                housing: Housing(walls: .brick, columns: .brick, roof: .metalSheet, floorAreaM2: 40), water: .piped, latrine: .septic,
                waste: .collected, information: InformationAccess(telecomUse: true, internetUse: true, devices: []),
                income: Income(method: .declared, monthlyTotalVnd: 1)), recordedAt: "2026-10-15T00:00:00Z")
    }

    @Test func workingAgeMembersWithCapacityAreCandidates() {
        let members = [
            member("m1", age: 14), member("m2", age: 15), member("m3", age: 60, sex: .male), member("m4", age: 61, sex: .male),
            member("m5", age: 56, sex: .female), member("m6", age: 57, sex: .female), member("m7", age: 30, capacity: .none),
        ]
        let picked = CandidateRules.candidates(snapshot(members), classification(.poor), rules: rules).map(\.memberId)
        #expect(picked == ["m2", "m3", "m5"])
        #expect(CandidateRules.candidates(snapshot(members), classification(.averageLiving), rules: rules).isEmpty)
    }

    @Test func supportCapFollowsTheMembersGroup() {
        let caps = CandidateRules.candidates(
            snapshot([member("a", age: 20, disability: .disabled), member("b", age: 20, ethnicity: "hmong"), member("c", age: 20)]),
            classification(.poor), rules: rules
        ).map(\.trainingSupportCapVnd)
        #expect(caps == [6_000_000, 4_000_000, 3_000_000])
        let nearPoor = CandidateRules.candidates(snapshot([member("c", age: 20)]), classification(.nearPoor), rules: rules)
        #expect(nearPoor.map(\.trainingSupportCapVnd) == [2_500_000])
        let nearPoorMinority = CandidateRules.candidates(snapshot([member("d", age: 20, ethnicity: "tay")]), classification(.nearPoor), rules: rules)
        #expect(nearPoorMinority.map(\.trainingSupportCapVnd) == [3_000_000])
    }

    @Test func lowIncomeWorkersOfAnAverageLivingHouseholdAreCandidates() throws {
        let members = [member("a", age: 30), member("b", age: 70), member("c", age: 25, disability: .disabled)]
        var averageLiving = classification(.averageLiving)
        #expect(CandidateRules.candidates(snapshot(members), averageLiving, rules: rules).isEmpty)
        averageLiving.lowIncomeWorkers = LowIncomeWorkerAssessment(limitVnd: 2_250_000, qualifies: true, reason: "r")
        let candidates = CandidateRules.candidates(snapshot(members), averageLiving, rules: rules)
        #expect(candidates.map(\.memberId) == ["a", "c"])
        #expect(candidates.map(\.trainingSupportCapVnd) == [try #require(rules.supportCapsVnd.lowIncomeWorker), 6_000_000])
        #expect(candidates[0].reason.contains("low-income worker"))
        averageLiving.lowIncomeWorkers?.qualifies = false
        #expect(CandidateRules.candidates(snapshot(members), averageLiving, rules: rules).isEmpty)
    }
}

/// Who is put forward, by what the survey says each member wants, or, when it does not say, by their situation
/// (docs/training-rules.md, "Who is put forward"): worked by hand for one poor household's eight working-age members.
@Suite struct CandidateInterestTests {
    let rules = try! TrainingRules.bundled()

    func member(
        _ id: String, _ status: EmploymentStatus, _ education: EducationLevel, type: EmploymentType? = nil, contract: Bool? = nil,
        enrolled: Bool = false, training: Bool? = nil, job: Bool? = nil
    ) -> HouseholdMember {
        HouseholdMember(memberId: id, ageYears: 30, facts: MemberFacts(
            relation: .child, sex: .female, ethnicity: "kinh", disability: .none, workingCapacity: .full, healthInsurance: true,
            education: Education(attained: education, enrolled: enrolled),
            employment: Employment(status: status, type: type, labourContract: contract, wantsTraining: training, wantsJob: job),
            socialAllowance: false))
    }

    @Test func membersArePutForwardForWhatTheyWantOrNeed() {
        let members = [
            member("a", .employed, .lowerSecondary, type: .agriculture),
            member("b", .employed, .upperSecondary, type: .wage, contract: true),
            member("c", .unemployed, .college),
            member("d", .notInLabourForce, .lowerSecondary, enrolled: true),
            member("e", .employed, .upperSecondary, type: .wage, contract: true, training: true),
            member("f", .notInLabourForce, .primary),
            member("g", .unemployed, .lowerSecondary, training: false, job: false),
            member("h", .employed, .university, type: .selfEmployed, job: true),
        ]
        let selection = CandidateRules.select(classified(classification(.poor), members: members), rules: rules)
        #expect(selection.candidates.map(\.memberId) == ["a", "c", "e", "h"])
        #expect(selection.candidates.map(\.wants) == [[.training], [.job], [.training], [.job]])
        #expect(selection.candidates[0].reason.hasSuffix("needs training: lowerSecondary education, employed; has work"))
        #expect(selection.notPutForward.map(\.memberId) == ["b", "d", "f", "g"])
        #expect(selection.notPutForward.map(\.reason) == [
            "in a job with a labour contract; has work", "in school or training; not looking for work",
            "not in the labour force; not looking for work", "did not ask for training; did not ask for a job",
        ])
    }
}

/// Newly-escaped households (Decision 90/QĐ-TTg Project 4 lists them with the poor and near-poor; the window of 36
/// months after the escape decision is [M], docs/training-rules.md): their members are candidates in the rural
/// workers' group (2,000,000 ₫, Decision 46/2015 names no cap for them) while the survey is within the window.
@Suite struct NewlyEscapedCandidateTests {
    let rules = try! TrainingRules.bundled()

    func worker() -> HouseholdMember {
        HouseholdMember(memberId: "m1", ageYears: 30, facts: MemberFacts(
            relation: .head, sex: .female, ethnicity: "kinh", disability: .none, workingCapacity: .full, healthInsurance: true,
            education: Education(attained: .lowerSecondary, enrolled: false), employment: Employment(status: .unemployed), socialAllowance: false))
    }

    @Test func withinThirtySixMonthsOfTheEscapeTheyAreCandidates() {
        // Escaped on 2024-01-10: a survey of 2026-10-15 is within 36 months (until 2027-01-10).
        let within = CandidateRules.select(classified(classification(.averageLiving, escapedOn: "2024-01-10"), members: [worker()]), rules: rules)
        #expect(within.newlyEscaped)
        #expect(within.candidates.map(\.supportGroup) == [.newlyEscaped])
        #expect(within.candidates.map(\.trainingSupportCapVnd) == [2_000_000])
        // Escaped on 2023-10-14: the window ended on 2026-10-14, the day before the survey.
        let after = CandidateRules.select(classified(classification(.averageLiving, escapedOn: "2023-10-14"), members: [worker()]), rules: rules)
        #expect(after.candidates.isEmpty && !after.newlyEscaped)
        // Never poor: not a candidate.
        #expect(CandidateRules.select(classified(classification(.none), members: [worker()]), rules: rules).candidates.isEmpty)
    }

    @Test func inMatchingTheyComeAfterTheNearPoorAndBeforeLowIncomeWorkers() {
        func priority(_ cls: HouseholdClass, escapedOn: String? = nil, lowIncome: Bool? = nil) -> MatchablePerson.Priority? {
            let set = TrainingMatchSet(
                householdId: "h", householdVersion: 1, rulesRevision: 1, trainingRulesRevision: 3,
                area: AreaRef(communeCode: "02000", provinceCode: "19", areaType: .rural), householdClass: cls,
                candidates: [
                    TrainingCandidate(
                        memberId: "m1", ageYears: 30, sex: .female, employmentStatus: .unemployed, educationAttained: .lowerSecondary,
                        disability: .none, trainingSupportCapVnd: 2_000_000, reason: "r")
                ], lowIncomeWorkers: lowIncome, escapedOn: escapedOn)
            return MatchingInputs.people(of: set, communeCode: "02000", provinceCode: "19").first?.person.priority
        }
        #expect(priority(.nearPoor) == .nearPoor)
        #expect(priority(.averageLiving, escapedOn: "2024-01-10", lowIncome: true) == .newlyEscaped)
        #expect(priority(.averageLiving, lowIncome: true) == .lowIncomeWorker)
        #expect(MatchablePerson.Priority.nearPoor > .newlyEscaped && MatchablePerson.Priority.newlyEscaped > .lowIncomeWorker)
    }
}

@Suite struct AreaCountersTests {
    /// The keys of a classified household as reporting tallies them, plus those loan-referral and training-match add.
    func keys(
        _ cls: HouseholdClass, programmes: [String] = [], candidates: Int = 0, lowIncome: Bool = false
    ) -> [String] {
        let basis = ClassificationBasis(
            householdId: "h", householdVersion: 1, rulesRevision: 1, area: AreaRef(communeCode: "02000", provinceCode: "19", areaType: .rural), surveyDate: "2026-10-15",
            status: .proposed,
            classification: .init(
                standard: .init(id: "VN-2022-2025"), householdClass: cls, deprivedIndicators: ["water"], transition: .newlyPoor,
                ethnicMinority: true, noWorkingCapacity: false, lowIncomeWorkers: lowIncome))
        let referral = programmes.isEmpty ? [] : ["referral.households"] + programmes.map { "referral.programme.\($0)" }
        let training = candidates == 0 ? [] : ["training.households"] + Array(repeating: "training.candidates", count: candidates)
        return AreaCounters.keys(for: basis) + referral + training
    }

    @Test func addingAndTakingAwayAHouseholdRestoresTheTotals() {
        var counters = AreaCounters()
        counters.add(keys(.nearPoor), sign: 1)
        let before = counters
        let poor = keys(.poor, programmes: ["vbsp-poor-household"], candidates: 2)
        counters.add(poor, sign: 1)
        counters.add(poor, sign: -1)
        #expect(counters == before)
    }

    @Test func reportCountsAndRates() {
        var counters = AreaCounters()
        counters.add(keys(.poor, programmes: ["vbsp-poor-household", "vbsp-rural-water-sanitation"], candidates: 2), sign: 1)
        counters.add(keys(.none), sign: 1)
        counters.add(keys(.nearPoor), sign: 1)
        counters.add(keys(.none, candidates: 1, lowIncome: true), sign: 1)
        let report = counters.report(areaCode: "02000", level: .commune, name: nil, provinceCode: "19", version: 4, asOf: "t")
        #expect(report.households == ClassCounts(total: 4, poor: 1, nearPoor: 1, averageLiving: 0, none: 2))
        #expect(report.households.poorRatePercent == 25)
        #expect(report.rural.total == 4 && report.urban.total == 0)
        #expect(report.ethnicMinority.poor == 1)
        #expect(report.transitions.newlyPoor == 4)
        #expect(report.poorDeprivedBy == ["water": 1])
        #expect(report.referrals == ReferralCounts(households: 1, referrals: 2, byProgramme: ["vbsp-poor-household": 1, "vbsp-rural-water-sanitation": 1]))
        #expect(report.training == TrainingCounts(households: 2, candidates: 3))
        #expect(report.lowIncomeWorkerHouseholds == 1)
        #expect(report.standardIds == ["VN-2022-2025"])
    }
}
