import Areas
import Eligibility
import EventContracts
import EventStore
import Foundation
import GRDB
import Intake
import TestSupport
import Testing

/// A survey is classified under the standard of the list year its round establishes, not the one in force on its date.
@Suite("Eligibility: list years")
struct ListYearTests {
    /// A survey of the end-2021 review through intake's checks, as the snapshot intake publishes.
    func late2021Snapshot() throws -> HouseholdSnapshot {
        var input = survey(communeCode: "01834", income: 2_400_000, members: 2)
        input.surveyDate = "2021-11-15"
        return try surveyRules.validate(input, today: today).get().snapshot(version: 1, recordedAt: "2021-11-16T08:00:00.000Z")
    }

    @Test func aSurveyOfTheEnd2021ReviewIsClassifiedUnderTheStandardOf2022() throws {
        let fixture = try EligibilityStoreFixture()
        let snapshot = try late2021Snapshot()
        let outcome = try fixture.store.pool.write { db in
            try ClassificationHandler(catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas)).apply(snapshot, bytes: try EventJSON.encode(snapshot), in: db)
        }
        guard case .classified(let classification, _) = outcome else { Issue.record("not classified: \(String(describing: outcome))"); return }
        // Decree 07/2021: 01834 is a phường, so the urban line of 2,000,000 VND; 2,400,000 ÷ 2 = 1,200,000 is below it,
        // and the household is deprived on nothing (piped water, septic latrine, insured, enrolled child): near-poor.
        #expect(classification.standard.id == "VN-2022-2025")
        #expect(classification.listYear == 2022)
        #expect(classification.income.povertyLineVnd == 2_000_000)
        #expect(classification.householdClass == .nearPoor)
        #expect(ClassifiedHousehold(snapshot, classification).listYear == 2022, "the published event says which list it is for")
    }

    /// Nothing classified in silence: a version no standard of the catalogue classifies is stored and published with
    /// the reason, replaces the household's older classification, withdraws its referrals, and counts as unclassified.
    @Test func aVersionNoStandardClassifiesIsPublishedWithTheReason() throws {
        let fixture = try EligibilityStoreFixture()
        let first = try late2021Snapshot()
        try fixture.apply([first])
        var later = first
        later.version = 2
        later.standardId = "VN-2031-2035"
        later.listYear = 2031
        let outcome = try fixture.store.pool.write { db in
            try ClassificationHandler(catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas)).apply(later, bytes: try EventJSON.encode(later), in: db)
        }
        guard case .unclassified(let version) = outcome else { Issue.record("classified: \(String(describing: outcome))"); return }
        let published = ClassifiedHousehold(later, unclassified: version.unclassified, rulesRevision: version.rulesRevision)
        #expect(published.classification == nil && published.householdVersion == 2 && published.listYear == 2031)
        #expect(published.unclassified?.field == "standardId")
        #expect(published.unclassified?.reason.contains("VN-2031-2035") == true && published.unclassified?.reason.contains("2031") == true)
        let stored = try fixture.store.pool.read { db in
            (try EligibilityStore.classification(first.householdId, in: db), try EligibilityStore.unclassified(first.householdId, in: db))
        }
        #expect(stored.0 == nil, "the older classification no longer describes the latest survey")
        #expect(stored.1?.householdVersion == 2 && stored.1?.unclassified == published.unclassified)
    }
}
