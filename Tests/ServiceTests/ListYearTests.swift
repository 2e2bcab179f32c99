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
        let (classification, _) = try #require(
            try fixture.store.pool.write { db in
                try ClassificationHandler(catalogue: fixture.catalogue).apply(snapshot, bytes: try EventJSON.encode(snapshot), in: db)
            })
        // Decree 07/2021: 01834 is a phường, so the urban line of 2,000,000 VND; 2,400,000 ÷ 2 = 1,200,000 is below it,
        // and the household is deprived on nothing (piped water, septic latrine, insured, enrolled child): near-poor.
        #expect(classification.standard.id == "VN-2022-2025")
        #expect(classification.listYear == 2022)
        #expect(classification.income.povertyLineVnd == 2_000_000)
        #expect(classification.householdClass == .nearPoor)
        #expect(ClassifiedHousehold(snapshot, classification).listYear == 2022, "the published event says which list it is for")
    }

    @Test func aStandardTheCatalogueDoesNotHaveIsNamedInTheRefusal() throws {
        let fixture = try EligibilityStoreFixture()
        var snapshot = try late2021Snapshot()
        snapshot.standardId = "VN-2031-2035"
        snapshot.listYear = 2031
        let error = try #require(
            throws: PoisonRecord.self,
            performing: {
                try fixture.store.pool.write { db in
                    _ = try ClassificationHandler(catalogue: fixture.catalogue).apply(snapshot, bytes: try EventJSON.encode(snapshot), in: db)
                }
            })
        #expect(error.errors.map(\.field) == ["standardId"])
        #expect(error.description.contains("VN-2031-2035") && error.description.contains("2031"))
    }
}
