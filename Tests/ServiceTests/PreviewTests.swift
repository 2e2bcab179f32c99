import Areas
import Eligibility
import EventContracts
import EventStore
import Foundation
import GRDB
import Logging
import TestSupport
import Testing

/// Previews of a household under a candidate standard, and a shadow run's list of the households it moves.
///
/// Every expected outcome is worked out by hand from docs/standards.md, not by the classifier: the official class
/// under VN-2022-2025 (lines 1,500,000 rural / 2,000,000 urban, average-living band up to 2,250,000 / 3,000,000,
/// retirement 61 men, telecom or internet, information devices) and the candidate's under VN-2027-2030 (lines
/// 2,200,000 / 2,800,000, no average-living band, retirement 62 men, internet only, waste treatment instead of
/// information devices), threshold 3 for both. Households of two adults aged 40 and 38, insured, employed on their
/// own account, upper-secondary schooling, a brick house of 60 m², piped water, septic latrine, waste collected,
/// telecom and internet, a smartphone: deprived on nothing unless a case says so.
@Suite("Eligibility: previews under a candidate standard")
struct PreviewTests {
    struct Case: Sendable {
        var name: String
        var rural = true
        var perPerson: Int64
        var change: @Sendable (inout HouseholdSnapshot) -> Void = { _ in }
        var official: HouseholdClass
        var candidate: HouseholdClass
        var cause: MoveCause?
        var newlyDeprived: [String] = []
        var noLongerDeprived: [String] = []
    }

    static let waterAndLatrine: @Sendable (inout HouseholdSnapshot) -> Void = {
        $0.conditions.water = .unprotectedDugWell
        $0.conditions.latrine = .pitWithoutSlab
    }

    static let cases: [Case] = [
        Case(name: "rural at the 2022 line, 0 deprivations", perPerson: 1_500_000, official: .nearPoor, candidate: .nearPoor),
        Case(name: "rural one đồng above the 2022 line", perPerson: 1_500_001, official: .averageLiving, candidate: .nearPoor,
             cause: .incomeLineAlone),
        Case(name: "rural at the 2027 line", perPerson: 2_200_000, official: .averageLiving, candidate: .nearPoor, cause: .incomeLineAlone),
        Case(name: "rural one đồng above the 2027 line: no average-living band", perPerson: 2_200_001, official: .averageLiving,
             candidate: .none, cause: .incomeLineAlone),
        Case(name: "rural above the 2022 average-living band", perPerson: 2_250_001, official: .none, candidate: .none),
        Case(name: "urban at the 2027 line", rural: false, perPerson: 2_800_000, official: .averageLiving, candidate: .nearPoor,
             cause: .incomeLineAlone),
        Case(name: "urban at the 2022 line", rural: false, perPerson: 2_000_000, official: .nearPoor, candidate: .nearPoor),
        Case(name: "telecom without internet is a third deprivation in 2027", perPerson: 1_000_000,
             change: { waterAndLatrine(&$0); $0.conditions.information.internetUse = false },
             official: .nearPoor, candidate: .poor, cause: .indicatorsAlone, newlyDeprived: ["telecom"]),
        Case(name: "waste dumped is a third deprivation in 2027", perPerson: 1_000_000,
             change: { waterAndLatrine(&$0); $0.conditions.waste = .dumped },
             official: .nearPoor, candidate: .poor, cause: .indicatorsAlone, newlyDeprived: ["wasteTreatment"]),
        Case(name: "a feature phone only no longer counts in 2027", perPerson: 1_000_000,
             change: { waterAndLatrine(&$0); $0.conditions.information.devices = [.featurePhone] },
             official: .poor, candidate: .nearPoor, cause: .indicatorsAlone, noLongerDeprived: ["informationDevices"]),
        Case(name: "an unemployed man of 61 is of working age in 2027", perPerson: 1_000_000,
             change: {
                 waterAndLatrine(&$0)
                 $0.members[0].ageYears = 61
                 $0.members[0].facts.employment = Employment(status: .unemployed)
             },
             official: .nearPoor, candidate: .poor, cause: .indicatorsAlone, newlyDeprived: ["employment"]),
        Case(name: "between the lines and a third deprivation: both move it", perPerson: 1_800_000,
             change: { waterAndLatrine(&$0); $0.conditions.information.internetUse = false },
             official: .averageLiving, candidate: .poor, cause: .incomeLineAndIndicators, newlyDeprived: ["telecom"]),
    ]

    static func snapshot(_ c: Case, serial: Int) -> HouseholdSnapshot {
        func adult(_ id: String, age: Int, sex: Sex, relation: Relation) -> HouseholdMember {
            HouseholdMember(
                memberId: id, ageYears: age,
                facts: MemberFacts(
                    relation: relation, sex: sex, ethnicity: "kinh", disability: .none, workingCapacity: .full, healthInsurance: true,
                    education: Education(attained: .upperSecondary, enrolled: false), employment: Employment(status: .employed, type: .selfEmployed),
                    socialAllowance: false))
        }
        var snapshot = HouseholdSnapshot(
            householdId: "00000000-0000-8000-8000-" + DecimalText.zeroPadded(serial, width: 12), version: 1,
            area: c.rural
                ? AreaRef(communeCode: "01849", provinceCode: "19", areaType: .rural, village: "Thôn \(serial)")
                : AreaRef(communeCode: "01840", provinceCode: "19", areaType: .urban, village: "Tổ \(serial)"),
            reviewKind: .adhoc, roundId: "2026-11-adhoc", listYear: 2026, standardId: "VN-2022-2025", surveyDate: "2026-11-20",
            status: .proposed, head: HeadIdentity(fullName: "Người thử", cccd: "019080000001"),
            members: [adult("m1", age: 40, sex: .male, relation: .head), adult("m2", age: 38, sex: .female, relation: .spouse)],
            conditions: LivingConditions(
                housing: Housing(walls: .brick, columns: .reinforcedConcrete, roof: .metalSheet, floorAreaM2: 60), water: .piped,
                latrine: .septic, waste: .collected,
                information: InformationAccess(telecomUse: true, internetUse: true, devices: [.smartphone]),
                income: Income(method: .declared, perCapitaMonthlyVnd: c.perPerson)),
            recordedAt: "2026-11-21T08:00:00.000Z")
        c.change(&snapshot)
        return snapshot
    }

    @Test func eachHouseholdNearALineOrAnIndicatorMovesAsTheStandardsSay() throws {
        let fixture = try EligibilityStoreFixture()
        let snapshots = Self.cases.enumerated().map { Self.snapshot($1, serial: $0) }
        try fixture.apply(snapshots)
        let candidate = try fixture.catalogue.candidate("VN-2027-2030", field: "standard")
        for (c, snapshot) in zip(Self.cases, snapshots) {
            let official = try #require(try fixture.store.pool.read { db in try EligibilityStore.classification(snapshot.householdId, in: db) })
            #expect(official.householdClass == c.official && official.standard.id == "VN-2022-2025", "\(c.name): official")
            let preview = ClassificationPreview(snapshot: snapshot, official: official, candidate: candidate, catalogue: fixture.catalogue)
            #expect(preview.preview && preview.candidate.standard.id == "VN-2027-2030" && preview.candidate.indicators.count == 12, "\(c.name)")
            #expect(
                (preview.shift.from, preview.shift.to, preview.shift.moves, preview.shift.cause)
                    == (c.official, c.candidate, c.official != c.candidate, c.cause), "\(c.name)")
            #expect(preview.shift.newlyDeprived == c.newlyDeprived && preview.shift.noLongerDeprived == c.noLongerDeprived, "\(c.name)")
            #expect(preview.shift.reason.contains(c.cause == nil ? "stays" : "→"), "\(c.name): \(preview.shift.reason)")
        }
    }

    @Test func aShadowRunListsTheHouseholdsItMovesPerCommuneAsJSONAndCSV() async throws {
        let fixture = try EligibilityStoreFixture()
        try fixture.apply(Self.cases.enumerated().map { Self.snapshot($1, serial: $0) })
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Logger(label: "test"))
        let run = try runner.runNow(standardId: "VN-2027-2030")
        let rural = try await runner.movedHouseholds(of: run, in: "01849", parts: runner.wholeStore)
        let urban = try await runner.movedHouseholds(of: run, in: "01840", parts: runner.wholeStore)
        func expected(rural: Bool) -> [String] {
            Self.cases.enumerated().filter { $1.rural == rural && $1.official != $1.candidate }
                .map { "00000000-0000-8000-8000-" + DecimalText.zeroPadded($0.offset, width: 12) }
        }
        // Rural: cases 2, 3, 4 (the lines) and 8 to 12 (the indicators, and both); urban: case 6.
        #expect(rural.households.map(\.householdId) == expected(rural: true) && rural.households.count == 8)
        #expect(urban.households.map(\.householdId) == expected(rural: false) && urban.households.count == 1)
        let moved = try #require(urban.households.first)
        #expect(moved.officialClass == .averageLiving && moved.candidateClass == .nearPoor && moved.cause == .incomeLineAlone)
        let lines = rural.csv.split(separator: "\r\n")
        #expect(lines.first == "householdId,householdVersion,village,officialClass,candidateClass,cause,newlyDeprived,noLongerDeprived")
        #expect(lines.contains("00000000-0000-8000-8000-000000000007,1,Thôn 7,nearPoor,poor,indicatorsAlone,telecom,"))
        #expect(lines.count == 9)

        // Once the households change, the run's list would no longer match its counts: refused, with what to do.
        var later = Self.snapshot(Self.cases[0], serial: 0)
        later.version = 2
        try fixture.apply([later])
        await #expect(throws: ShadowListRefusal.self) { try await runner.movedHouseholds(of: run, in: "01849", parts: runner.wholeStore) }
    }
}
