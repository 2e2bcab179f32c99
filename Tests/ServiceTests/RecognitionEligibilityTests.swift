import Eligibility
import EventContracts
import Foundation
@testable import LoanReferral
import Testing

/// How the commune's recognition decisions reach classification: status and decision follow the snapshot, transitions
/// are judged against the last recognised class, and an escape dates from the decision that recognised it.
@Suite("Eligibility: recognition decisions")
struct RecognitionEligibilityTests {
    let fixture: EligibilityStoreFixture
    let periodic = RecognitionDecision(decisionNumber: "123/QĐ-UBND", decisionDate: "2026-11-20")
    let adhoc = RecognitionDecision(decisionNumber: "7/QĐ-UBND", decisionDate: "2027-01-28")

    init() throws { fixture = try EligibilityStoreFixture() }

    /// A rural household of the demo data, poor (income 500,000, three deprivations) until `income` says otherwise.
    func household(version: Int64, income: Int64 = 500_000, decision: RecognitionDecision? = nil) throws -> HouseholdSnapshot {
        var household = try EligibilityStoreFixture.demoSnapshots(count: 1)[0]
        household.version = version
        household.area.areaType = .rural
        household.conditions.income = Income(method: .declared, perCapitaMonthlyVnd: income)
        household.conditions.water = .surfaceWater
        household.conditions.latrine = .none
        household.conditions.housing = Housing(walls: .bamboo, columns: .bamboo, roof: .thatch, floorAreaM2: 100)
        if let decision { household.recognise(by: decision) }
        return household
    }

    /// Applies one version as the consumer does and returns its classification as published.
    func classify(_ snapshot: HouseholdSnapshot) throws -> Classification {
        try fixture.apply([snapshot])
        return try #require(try fixture.store.pool.read { db in try EligibilityStore.classification(snapshot.householdId, in: db) })
    }

    @Test func theClassificationCarriesTheSnapshotsStatusAndDecision() throws {
        let proposed = try classify(try household(version: 1))
        #expect(proposed.status == .proposed && proposed.recognition == nil && proposed.householdClass == .poor)
        let recognised = try classify(try household(version: 2, decision: periodic))
        #expect(recognised.status == .recognised && recognised.recognition == periodic)
        #expect(recognised.transition == .first, "the first recognised class; the proposed one before it is not official")
    }

    @Test func transitionsAreJudgedAgainstTheLastRecognisedClassAndAnEscapeDatesFromItsDecision() throws {
        _ = try classify(try household(version: 1))
        _ = try classify(try household(version: 2, decision: periodic))  // poor, official
        // A correction proposes near-poor, then a later review proposes an escape: neither is official yet.
        let nearPoor = try classify(try household(version: 3, income: 1_400_000).with { $0.conditions.water = .piped; $0.conditions.latrine = .septic })
        #expect(nearPoor.householdClass == .nearPoor && nearPoor.previousClass == .poor && nearPoor.transition == .poorToNearPoor)
        let proposedEscape = try classify(try household(version: 4, income: 3_000_000))
        #expect(proposedEscape.previousClass == .poor, "the proposed near-poor class is not the previous official one")
        #expect(proposedEscape.transition == .escapedPoverty && proposedEscape.escapedOn == nil, "an escape is dated only once recognised")

        let recognisedEscape = try classify(try household(version: 5, income: 3_000_000, decision: adhoc))
        #expect(recognisedEscape.previousClass == .poor && recognisedEscape.transition == .escapedPoverty)
        #expect(recognisedEscape.escapedOn == adhoc.decisionDate, "the decision's date, not the survey date \(recognisedEscape.surveyDate)")

        // Later reviews keep the date; falling back into poverty is re-poverty against the recognised escape.
        let later = try classify(try household(version: 6, income: 3_000_000))
        #expect(later.previousClass == .averageLiving || later.previousClass == HouseholdClass.none)
        #expect(later.escapedOn == adhoc.decisionDate && later.transition == .unchanged)
        #expect(try classify(try household(version: 7)).transition == .rePoor)
    }

    @Test func theNewlyEscapedLoanWindowRunsFromTheDecision() throws {
        _ = try classify(try household(version: 1, decision: periodic))
        let escaped = try classify(try household(version: 2, income: 3_000_000, decision: adhoc))
        let programmes = try ProgrammeCatalogue.bundled().programmes
        let referral = try #require(ReferralRules.referrals(for: escaped, programmes: programmes).first { $0.programmeId == "vbsp-newly-escaped" })
        #expect(referral.reason == "escaped poverty on \(adhoc.decisionDate), within 36 months")
        // A review 36 months after the decision is still in the window, one a day later is not.
        var review = escaped
        review.surveyDate = "2030-01-28"
        #expect(ReferralRules.referrals(for: review, programmes: programmes).contains { $0.programmeId == "vbsp-newly-escaped" })
        review.surveyDate = "2030-01-29"
        #expect(!ReferralRules.referrals(for: review, programmes: programmes).contains { $0.programmeId == "vbsp-newly-escaped" })
    }

    @Test func reclassifyingARecognisedVersionKeepsItsDecisionAndDate() throws {
        _ = try classify(try household(version: 1, decision: periodic))
        let household = try household(version: 2, income: 3_000_000, decision: adhoc)
        let first = try classify(household)
        let standard = try #require(fixture.catalogue.national(for: household.standardChoice))
        let basis = TransitionBasis(publishedFor: first)
        let again = ClassificationBuilder.build(household, under: standard, catalogue: fixture.catalogue, basis: basis)
        #expect(again == first, "the published classification read back gives the same basis")
    }
}

extension HouseholdSnapshot {
    /// A copy changed by `change`, for tests that vary one fact.
    fileprivate func with(_ change: (inout HouseholdSnapshot) -> Void) -> HouseholdSnapshot {
        var copy = self
        change(&copy)
        return copy
    }
}
