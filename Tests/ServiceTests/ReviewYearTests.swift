import EventContracts
@testable import Reporting
import Testing

/// Review years from official histories, against figures worked by hand from the flows of the change forms (Circular
/// 07/2021/TT-BLĐTBXH, docs/reporting.md): start on 1 January, end on 31 December, each change in one flow.
@Suite struct ReviewYearTests {
    static let wardA = HouseholdPlace(communeCode: "00001", provinceCode: "01")
    static let wardB = HouseholdPlace(communeCode: "00002", provinceCode: "01")

    static func state(
        _ version: Int64, _ date: String, _ c: HouseholdClass, members: Int, in place: HouseholdPlace = wardA, ethnic: Bool = false,
        first: Bool = false
    ) -> OfficialState {
        OfficialState(
            householdVersion: version, decisionDate: date, householdClass: c, place: place, areaType: .urban, members: members,
            ethnicMinority: ethnic, transition: first ? .first : .unchanged)
    }

    /// Seven households of ward A (one moves to ward B), members in brackets:
    /// - H1 (4, ethnic minority): poor 2025 → average-living 2026: escaped poverty in 2026.
    /// - H2 (3, then 5): poor 2025, near-poor in June 2026, poor again in December: no household flow; 2 people in.
    /// - H3 (2): near-poor 2025 in A → poor 2026 in B: moved out of A's near-poor, into B's poor.
    /// - H4 (6): poor 2024, none 2025 (escaped), poor 2026: re-poor.
    /// - H5 (3): none 2025 → near-poor 2026: newly near-poor.
    /// - H6 (1): first recorded poor in 2026.
    /// - H7 (2): poor 2025 → near-poor 2026.
    static let histories: [[OfficialState]] = [
        [state(1, "2025-12-10", .poor, members: 4, ethnic: true, first: true), state(2, "2026-12-10", .averageLiving, members: 4, ethnic: true)],
        [state(1, "2025-12-10", .poor, members: 3, first: true), state(2, "2026-06-20", .nearPoor, members: 3), state(3, "2026-12-10", .poor, members: 5)],
        [state(1, "2025-12-10", .nearPoor, members: 2, first: true), state(2, "2026-12-10", .poor, members: 2, in: wardB)],
        [state(1, "2024-12-10", .poor, members: 6, first: true), state(2, "2025-12-10", .none, members: 6), state(3, "2026-12-10", .poor, members: 6)],
        [state(1, "2025-12-10", .none, members: 3, first: true), state(2, "2026-12-10", .nearPoor, members: 3)],
        [state(1, "2026-12-10", .poor, members: 1, first: true)],
        [state(1, "2025-12-10", .poor, members: 2, first: true), state(2, "2026-12-10", .nearPoor, members: 2)],
    ]

    static func counts(of area: String) -> [String: Int] {
        var total: [String: Int] = [:]
        for history in histories {
            for (code, contribution) in ReviewYearTally.contributions(history: history, proposal: nil) where code == area {
                for (key, value) in contribution.counts { total[key, default: 0] += value }
            }
        }
        return total
    }

    @Test func aHouseholdThatMovesLeavesOneCommuneAndEntersTheOther() {
        let c = ReviewYearTally.contributions(history: Self.histories[2], proposal: nil)
        #expect(c["00001"]?.counts == [
            "yr.2025.households.nearPoor.firstRecorded": 1, "yr.2025.people.nearPoor.firstRecorded": 2, "yr.2025.urban.nearPoor.firstRecorded": 1,
            "yr.2026.households.nearPoor.movedOut": 1, "yr.2026.people.nearPoor.movedOut": 2, "yr.2026.urban.nearPoor.movedOut": 1,
        ])
        #expect(c["00002"]?.counts == [
            "yr.2026.households.poor.movedIn": 1, "yr.2026.people.poor.movedIn": 2, "yr.2026.urban.poor.movedIn": 1,
            "official.households.poor": 1, "official.people.poor": 2, "official.urban.poor": 1,
        ])
    }

    @Test func wardAsYear2026AddsUpByHand() throws {
        let years = ReviewYearTally.years(Self.counts(of: "00001"))
        #expect(years.map(\.year) == [2024, 2025, 2026])
        let y = try #require(years.last)
        // Poor households: H2, H7, H1 at the start (H4 escaped in 2025); H4 re-poor, H6 recorded; H1 escaped, H7 to near-poor.
        #expect(y.households.poor == ClassYearFlows(start: 3, firstRecorded: 1, re: 1, escaped: 1, toOtherClass: 1, end: 3))
        // Near-poor: H3 at the start; H5 newly, H7 from poor; H3 moved out.
        #expect(y.households.nearPoor == ClassYearFlows(start: 1, newly: 1, fromOtherClass: 1, movedOut: 1, end: 2))
        // Poor people: 4 + 3 + 2 at the start; H4's 6, H6's 1 and H2's two new members in; H1's 4 and H7's 2 out.
        #expect(y.people.poor == ClassYearFlows(start: 9, firstRecorded: 1, re: 6, otherIn: 2, escaped: 4, toOtherClass: 2, end: 12))
        #expect(y.ethnicMinorityHouseholds.poor == ClassYearFlows(start: 1, escaped: 1, end: 0))
        #expect(y.urbanHouseholds == y.households && y.ruralHouseholds == PovertyYearFlows())
        // 2025: H4 escaped (recorded poor in 2024); H1, H2, H7 recorded poor.
        #expect(years[1].households.poor == ClassYearFlows(start: 1, firstRecorded: 3, escaped: 1, end: 3))
    }

    @Test func everyYearAddsUpAndTheLastEndsWithTheListInForceNow() throws {
        for area in ["00001", "00002"] {
            let counts = Self.counts(of: area)
            let years = ReviewYearTally.years(counts)
            #expect(years.allSatisfy { $0.addsUp })
            for (year, next) in zip(years, years.dropFirst()) {
                #expect(next.households.poor.start == year.households.poor.end && next.people.nearPoor.start == year.people.nearPoor.end)
            }
            let now = ReviewYearTally.officialNow(counts)
            let last = try #require(years.last)
            #expect(now.households == PovertyCounts(poor: last.households.poor.end, nearPoor: last.households.nearPoor.end))
            #expect(now.people == PovertyCounts(poor: last.people.poor.end, nearPoor: last.people.nearPoor.end))
        }
        #expect(ReviewYearTally.officialNow(Self.counts(of: "00001")).households == PovertyCounts(poor: 3, nearPoor: 2))
    }

    @Test func aProposalIsCountedApartFromTheOfficialLists() throws {
        let proposal = ReviewYearTally.Proposal(year: 2026, householdClass: .poor, place: Self.wardA)
        let c = ReviewYearTally.contributions(history: [Self.state(1, "2025-12-10", .nearPoor, members: 2, first: true)], proposal: proposal)
        let years = ReviewYearTally.years(try #require(c["00001"]).counts)
        #expect(years.map(\.year) == [2025, 2026])
        #expect(years[1].proposed == ProposedCounts(poor: 1, nearPoor: 0, total: 1))
        #expect(years[1].households.nearPoor == ClassYearFlows(start: 1, end: 1) && years[1].households.poor == ClassYearFlows())
    }

    /// The deprivation form of a year counts the recognised lists at its end. By hand:
    /// - D1: poor in ward A, deprived on water and latrine (2025); still poor in 2026, deprived on water only.
    /// - D2: near-poor in ward A, deprived on telecom (2025); average-living in 2026.
    /// - D3: poor in ward A, deprived on water (2025); poor in ward B in 2026, deprived on water.
    /// Ward A at the end of 2025: poor 3 (water 2, latrine 1), near-poor 1 (telecom 1); at the end of 2026: poor 1
    /// (water 1), near-poor 0. Ward B at the end of 2026: poor 1 (water 1).
    @Test func theYearsDeprivationsAreThoseOfTheListsAtItsEnd() throws {
        func state(_ v: Int64, _ date: String, _ c: HouseholdClass, _ deprived: [String], in place: HouseholdPlace = Self.wardA) -> OfficialState {
            var s = Self.state(v, date, c, members: 2, in: place, first: v == 1)
            s.deprivedIndicators = deprived
            return s
        }
        let histories = [
            [state(1, "2025-12-10", .poor, ["water", "latrine"]), state(2, "2026-12-10", .poor, ["water"])],
            [state(1, "2025-12-10", .nearPoor, ["telecom"]), state(2, "2026-12-10", .averageLiving, [])],
            [state(1, "2025-12-10", .poor, ["water"]), state(2, "2026-12-10", .poor, ["water"], in: Self.wardB)],
            // D4: poor since 2025, its state recorded before indicators were carried: in the flows, in no deprivation.
            [Self.state(1, "2025-12-10", .poor, members: 2, first: true)],
        ]
        func years(_ area: String) -> [ReviewYearCounts] {
            var total: [String: Int] = [:]
            for history in histories {
                for (code, c) in ReviewYearTally.contributions(history: history, proposal: nil) where code == area {
                    for (key, value) in c.counts { total[key, default: 0] += value }
                }
            }
            return ReviewYearTally.years(total)
        }
        let a = years("00001"), b = years("00002")
        #expect(a.map(\.year) == [2025, 2026])
        #expect(a[0].deprivedAtEnd == DeprivedHouseholds(poor: ["water": 2, "latrine": 1], nearPoor: ["telecom": 1]))
        #expect(a[1].deprivedAtEnd == DeprivedHouseholds(poor: ["water": 1]))
        #expect(a[1].households.poor.end == 2, "D1 and D4")
        #expect(b.last?.deprivedAtEnd == DeprivedHouseholds(poor: ["water": 1]))
        let form = try #require(ReportForms.deprivations(a[0]))
        // 2 of 3 poor households = 66.67 %; 1 of 3 = 33.33 %; 1 of 1 near-poor = 100.00 %.
        #expect(form.rows.map(\.label.en) == ["Domestic water", "Hygienic latrine", "Telecommunication services"])
        #expect(form.rows.map(\.cells) == [["2", "66.67", "0", "0.00"], ["1", "33.33", "0", "0.00"], ["0", "0.00", "1", "100.00"]])
    }

    @Test func yearsWithoutADecisionCarryTheListOver() {
        let years = ReviewYearTally.years(Self.counts(of: "00002"), through: 2028)
        #expect(years.map(\.year) == [2026, 2027, 2028])
        #expect(years[2].households.poor == ClassYearFlows(start: 1, end: 1))
    }
}
