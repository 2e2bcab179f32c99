import Areas
import Eligibility
import EventContracts
import Kafka
import Foundation
import GRDB
import Logging
import Testing

// MARK: - The comparison of one household (pure)

@Suite("Eligibility: shadow comparison of one household")
struct ShadowComparisonTests {
    static func outcome(_ cls: HouseholdClass, atOrBelow: Bool, deprived: [String]) -> ClassificationOutcome {
        ClassificationOutcome(
            householdClass: cls,
            income: IncomeAssessment(method: .declared, perCapitaMonthlyVnd: 2_000_000, povertyLineVnd: 2_200_000, averageLivingLineVnd: nil, atOrBelowPovertyLine: atOrBelow),
            indicators: ["employment", "water", "latrine", "wasteTreatment"].map { IndicatorResult(id: $0, dimension: "d", deprived: deprived.contains($0), reason: "") },
            deprivationCount: deprived.count, standard: StandardRef(id: "VN-2027-2030", revision: 1, legalBasis: "Decree 351/2025/NĐ-CP"),
            incomeBasis: .perCapitaIncome, scoreB: nil, notes: [])
    }

    static func official(_ cls: HouseholdClass, atOrBelow: Bool, deprived: [String]) -> OfficialResult {
        OfficialResult(
            householdClass: cls, atOrBelowPovertyLine: atOrBelow, deprivedIndicatorIds: Set(deprived), deprivedEnoughToBePoor: deprived.count >= 3,
            standardId: "VN-2022-2025")
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var name: String
        var official: OfficialResult
        var candidate: ClassificationOutcome
        var cause: MoveCause?
        var newly: [String]
        var noLonger: [String]
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        Row(name: "poor under both", official: official(.poor, atOrBelow: true, deprived: ["employment", "water", "latrine"]),
            candidate: outcome(.poor, atOrBelow: true, deprived: ["employment", "water", "latrine"]), cause: nil, newly: [], noLonger: []),
        Row(name: "average living, now below the higher line with the same deprivation",
            official: official(.averageLiving, atOrBelow: false, deprived: ["water"]),
            candidate: outcome(.nearPoor, atOrBelow: true, deprived: ["water"]), cause: .incomeLineAlone, newly: [], noLonger: []),
        Row(name: "near-poor, the new waste indicator makes it poor",
            official: official(.nearPoor, atOrBelow: true, deprived: ["water", "latrine"]),
            candidate: outcome(.poor, atOrBelow: true, deprived: ["water", "latrine", "wasteTreatment"]), cause: .indicatorsAlone,
            newly: ["wasteTreatment"], noLonger: []),
        Row(name: "average living, needs both the line and the new indicator to be poor",
            official: official(.averageLiving, atOrBelow: false, deprived: ["water", "latrine"]),
            candidate: outcome(.poor, atOrBelow: true, deprived: ["water", "latrine", "wasteTreatment"]), cause: .incomeLineAndIndicators,
            newly: ["wasteTreatment"], noLonger: []),
        Row(name: "poor, above the line now even though one deprivation goes away",
            official: official(.poor, atOrBelow: true, deprived: ["employment", "water", "latrine"]),
            candidate: outcome(.none, atOrBelow: false, deprived: ["employment", "water"]), cause: .incomeLineAlone, newly: [],
            noLonger: ["latrine"]),
        Row(name: "average living, no average-living band in the candidate",
            official: official(.averageLiving, atOrBelow: false, deprived: []),
            candidate: outcome(.none, atOrBelow: false, deprived: []), cause: .incomeLineAlone, newly: [], noLonger: []),
        Row(name: "poor, an indicator the candidate drops makes it near-poor",
            official: official(.poor, atOrBelow: true, deprived: ["water", "latrine", "informationDevices"]),
            candidate: outcome(.nearPoor, atOrBelow: true, deprived: ["water", "latrine"]), cause: .indicatorsAlone, newly: [],
            noLonger: ["informationDevices"]),
    ]

    @Test(arguments: rows)
    func causeAndIndicators(_ row: Row) {
        let shift = ShadowComparison.compare(official: row.official, candidate: row.candidate, candidateThreshold: 3)
        #expect(shift.from == row.official.householdClass)
        #expect(shift.to == row.candidate.householdClass)
        #expect(shift.cause == row.cause)
        #expect(shift.newlyDeprived == row.newly)
        #expect(shift.noLongerDeprived == row.noLonger)
    }

    /// Over every combination of bands and deprivation verdicts, a move has exactly one cause, and the "alone"
    /// causes are true counterfactuals.
    @Test func everyMoveHasExactlyOneConsistentCause() {
        let bands: [(HouseholdClass, Bool)] = [(.poor, true), (.nearPoor, true), (.averageLiving, false), (.none, false)]
        for (fromClass, fromBelow) in bands {
            for (toClass, toBelow) in bands {
                for fromEnough in [false, true] where !fromBelow || (fromClass == .poor) == fromEnough {
                    for toEnough in [false, true] where !toBelow || (toClass == .poor) == toEnough {
                        let official = OfficialResult(
                            householdClass: fromClass, atOrBelowPovertyLine: fromBelow, deprivedIndicatorIds: [], deprivedEnoughToBePoor: fromEnough,
                            standardId: "VN-2022-2025")
                        let candidate = Self.outcome(toClass, atOrBelow: toBelow, deprived: toEnough ? ["employment", "water", "latrine"] : [])
                        let shift = ShadowComparison.compare(official: official, candidate: candidate, candidateThreshold: 3)
                        #expect((shift.cause == nil) == (fromClass == toClass))
                        let candidateBand = IncomeBand(householdClass: toClass, atOrBelowPovertyLine: toBelow)
                        let officialBand = IncomeBand(householdClass: fromClass, atOrBelowPovertyLine: fromBelow)
                        if shift.cause == .incomeLineAlone { #expect(candidateBand.householdClass(deprivedEnoughToBePoor: fromEnough) == toClass) }
                        if shift.cause == .indicatorsAlone { #expect(officialBand.householdClass(deprivedEnoughToBePoor: toEnough) == toClass) }
                    }
                }
            }
        }
    }
}

// MARK: - The tally (pure)

@Suite("Eligibility: shadow tally")
struct ShadowTallyTests {
    @Test func provincesAreTheSumOfTheirCommunesAndRowsAndColumnsAddUp() {
        var tally = ShadowTally()
        let shifts: [(HouseholdClass, HouseholdClass, MoveCause?, [String], String)] = [
            (.poor, .poor, nil, [], "01840"), (.nearPoor, .poor, .indicatorsAlone, ["wasteTreatment"], "01840"),
            (.averageLiving, .nearPoor, .incomeLineAlone, [], "01843"), (.none, .none, nil, [], "01843"),
            (.averageLiving, .none, .incomeLineAlone, [], "06196"),
        ]
        for (from, to, cause, newly, commune) in shifts {
            let shift = HouseholdShift(from: from, to: to, newlyDeprived: newly, noLongerDeprived: [], cause: cause)
            tally.add(shift, officialStandardId: "VN-2022-2025", at: HouseholdPlace(communeCode: commune, provinceCode: commune == "06196" ? "20" : "19"))
        }
        let diffs = tally.diffs(
            runId: "r", version: 1, standard: StandardRef(id: "VN-2027-2030", revision: 1, legalBasis: "x"), catalogueRevision: 1,
            completedAt: "2026-11-22T00:00:00.000Z", name: { _ in nil })
        #expect(diffs.map(\.areaCode) == ["19", "20", "01840", "01843", "06196"])
        let thaiNguyen = diffs[0].counts
        #expect(thaiNguyen.households == 4)
        #expect(thaiNguyen.moved == 2)
        #expect(thaiNguyen.matrix.nearPoor.poor == 1)
        #expect(thaiNguyen.matrix.averageLiving.nearPoor == 1)
        #expect(thaiNguyen.official.poor == 1 && thaiNguyen.shadow.poor == 2)
        #expect(thaiNguyen.movedBy == MoveCauses(incomeLineAlone: 1, indicatorsAlone: 1))
        #expect(thaiNguyen.indicators == ["wasteTreatment": IndicatorShift(newlyDeprived: 1)])
        #expect(tally.total.counts.households == 5)
        #expect(tally.total.counts.movedBy.incomeLineAlone == 2)
        for diff in diffs { #expect(ShadowArithmetic.problems(diff.counts, label: diff.areaCode) == []) }
    }
}

/// The invariants every diff must satisfy, as a list of what is wrong (empty when it adds up).
enum ShadowArithmetic {
    static func problems(_ counts: ShadowCounts, label: String) -> [String] {
        var problems: [String] = []
        let classes = HouseholdClass.allCases
        func cells(_ row: ClassCounts) -> [Int] { [row.poor, row.nearPoor, row.averageLiving, row.none] }
        func value(_ c: ClassCounts, _ cls: HouseholdClass) -> Int { cells(c)[cls.rank] }
        for from in classes {
            let row = counts.matrix[from]
            if cells(row).reduce(0, +) != row.total { problems.append("\(label): row \(from) sums to \(cells(row).reduce(0, +)), total \(row.total)") }
            if row.total != value(counts.official, from) { problems.append("\(label): row \(from) is \(row.total), official \(value(counts.official, from))") }
        }
        for to in classes {
            let column = classes.map { value(counts.matrix[$0], to) }.reduce(0, +)
            if column != value(counts.shadow, to) { problems.append("\(label): column \(to) is \(column), shadow \(value(counts.shadow, to))") }
        }
        if counts.official.total != counts.households || counts.shadow.total != counts.households {
            problems.append("\(label): official \(counts.official.total) and shadow \(counts.shadow.total) of \(counts.households)")
        }
        let diagonal = classes.map { value(counts.matrix[$0], $0) }.reduce(0, +)
        if counts.moved != counts.households - diagonal { problems.append("\(label): moved \(counts.moved), off-diagonal \(counts.households - diagonal)") }
        let causes = counts.movedBy.incomeLineAlone + counts.movedBy.indicatorsAlone + counts.movedBy.incomeLineAndIndicators
        if causes != counts.moved { problems.append("\(label): causes add to \(causes), moved \(counts.moved)") }
        return problems
    }

    /// The field-by-field sum of several diffs' counts.
    static func sum(_ all: [ShadowCounts]) -> ShadowCounts {
        func add(_ a: ClassCounts, _ b: ClassCounts) -> ClassCounts {
            ClassCounts(total: a.total + b.total, poor: a.poor + b.poor, nearPoor: a.nearPoor + b.nearPoor, averageLiving: a.averageLiving + b.averageLiving, none: a.none + b.none)
        }
        let zero = ClassCounts(total: 0, poor: 0, nearPoor: 0, averageLiving: 0, none: 0)
        return all.reduce(
            ShadowCounts(
                households: 0, official: zero, shadow: zero, matrix: ClassMatrix(poor: zero, nearPoor: zero, averageLiving: zero, none: zero), moved: 0,
                movedBy: MoveCauses(), indicators: [:])
        ) { a, b in
            ShadowCounts(
                households: a.households + b.households, official: add(a.official, b.official), shadow: add(a.shadow, b.shadow),
                matrix: ClassMatrix(
                    poor: add(a.matrix.poor, b.matrix.poor), nearPoor: add(a.matrix.nearPoor, b.matrix.nearPoor),
                    averageLiving: add(a.matrix.averageLiving, b.matrix.averageLiving), none: add(a.matrix.none, b.matrix.none)),
                moved: a.moved + b.moved,
                movedBy: MoveCauses(
                    incomeLineAlone: a.movedBy.incomeLineAlone + b.movedBy.incomeLineAlone, indicatorsAlone: a.movedBy.indicatorsAlone + b.movedBy.indicatorsAlone,
                    incomeLineAndIndicators: a.movedBy.incomeLineAndIndicators + b.movedBy.incomeLineAndIndicators),
                indicators: a.indicators.merging(b.indicators) {
                    IndicatorShift(newlyDeprived: $0.newlyDeprived + $1.newlyDeprived, noLongerDeprived: $0.noLongerDeprived + $1.noLongerDeprived)
                })
        }
    }
}

// MARK: - A shadow run over the demo data, on a real store file

@Suite("Eligibility: shadow run of VN-2027-2030 over the demo data")
struct ShadowRunTests {
    static let logger = Logger(label: "giamngheo.tests.shadow")

    /// The headline: a run of the 2027 standard over `compose/up`'s 300 demo households gives a per-commune diff
    /// that adds up, agrees with the rules applied here household by household, and is published once per area.
    @Test func theDiffOfTheDemoDataAddsUpAndAgreesWithTheRules() throws {
        let fixture = try EligibilityStoreFixture()
        let snapshots = try EligibilityStoreFixture.demoSnapshots()
        try fixture.apply(snapshots)
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Self.logger, chunkSize: 64)
        let run = try runner.runNow(standardId: "VN-2027-2030")

        #expect(run.status == .completed)
        #expect(run.households == 300 && run.evaluated == 300)
        let diffs = try fixture.outbox(ShadowAreaDiff.self, topic: Topics.shadowDiff).map(\.value)
        let communes = diffs.filter { $0.areaLevel == .commune }
        let provinces = diffs.filter { $0.areaLevel == .province }
        #expect(Set(communes.map(\.areaCode)) == Set(snapshots.map(\.area.communeCode)))
        #expect(Set(provinces.map(\.areaCode)) == ["19", "20", "24", "33"])

        // Every diff adds up, and every province is the sum of its communes.
        for diff in diffs { #expect(ShadowArithmetic.problems(diff.counts, label: diff.areaCode) == []) }
        for province in provinces {
            #expect(ShadowArithmetic.sum(communes.filter { $0.provinceCode == province.areaCode }.map(\.counts)) == province.counts, "\(province.areaCode)")
        }
        #expect(ShadowArithmetic.sum(provinces.map(\.counts)) == run.totals)

        // Per commune, the same matrix as the rules give applied here: official = the standard in force on the survey
        // date, candidate = VN-2027-2030 on the same facts.
        let candidate = try #require(fixture.catalogue.standard(id: "VN-2027-2030"))
        var expected: [String: [HouseholdClass: [HouseholdClass: Int]]] = [:]
        for snapshot in snapshots {
            let official = try #require(ClassificationBuilder.build(snapshot, catalogue: fixture.catalogue)).householdClass
            let shadow = Classifier.classify(snapshot, under: candidate).householdClass
            expected[snapshot.area.communeCode, default: [:]][official, default: [:]][shadow, default: 0] += 1
        }
        for diff in communes {
            for from in HouseholdClass.allCases {
                let row = diff.counts.matrix[from]
                let want = expected[diff.areaCode]?[from] ?? [:]
                #expect([row.poor, row.nearPoor, row.averageLiving, row.none] == HouseholdClass.allCases.map { want[$0] ?? 0 }, "\(diff.areaCode) \(from)")
            }
            #expect(diff.officialStandardIds == ["VN-2022-2025"])
            #expect(diff.standard.id == "VN-2027-2030" && diff.runId == run.runId && diff.version == run.version)
            #expect(diff.areaName != nil)
        }

        // Keys keep the latest run per standard and area; ids are derived from the run and the area.
        let events = try fixture.outbox(ShadowAreaDiff.self, topic: Topics.shadowDiff)
        #expect(events.map(\.key) == diffs.map { "VN-2027-2030/\($0.areaCode)" })
        #expect(Set(events.map(\.id)).count == events.count)

        // Counts only: nothing of any household is on the topic.
        let payloads = try fixture.outboxPayloads(topic: Topics.shadowDiff).joined()
        for snapshot in snapshots {
            #expect(!payloads.contains(snapshot.householdId) && !payloads.contains(snapshot.head.cccd) && !payloads.contains(snapshot.head.fullName))
        }

        // The stored run answers over HTTP as it was published.
        let stored = try fixture.store.pool.read { db in try ShadowRunStore.area(communes[0].areaCode, of: run.runId, in: db) }
        #expect(stored == communes[0])
    }

    @Test func theSameRequestOverTheSameDataIsTheSameRunAndNewDataIsANewOne() throws {
        let fixture = try EligibilityStoreFixture()
        var snapshots = try EligibilityStoreFixture.demoSnapshots(count: 40)
        try fixture.apply(snapshots)
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Self.logger)
        let first = try runner.runNow(standardId: "VN-2027-2030")
        let events = try fixture.outbox(ShadowAreaDiff.self, topic: Topics.shadowDiff).count
        let again = try runner.runNow(standardId: "VN-2027-2030")
        #expect(again == first)
        #expect(try fixture.outbox(ShadowAreaDiff.self, topic: Topics.shadowDiff).count == events, "a repeated run publishes nothing")

        snapshots[0].version = 2
        snapshots[0].conditions.income = Income(method: .declared, perCapitaMonthlyVnd: 500_000)
        try fixture.apply([snapshots[0]])
        let afterChange = try runner.runNow(standardId: "VN-2027-2030")
        #expect(afterChange.runId != first.runId)
        #expect(afterChange.runNumber == 2)
        #expect(try #require(afterChange.version) > (try #require(first.version)), "the latest run wins on the topic")
    }

    /// Two instances of eligibility each read the households of their partitions: the parts of a pass are disjoint,
    /// cover every household once, and add up to the pass over the whole store; a household a store keeps from a
    /// partition it no longer holds is in no part of it.
    @Test func thePartsOfTwoInstancesAddUpToTheWholeRun() async throws {
        let fixture = try EligibilityStoreFixture()
        let snapshots = try EligibilityStoreFixture.demoSnapshots(count: 120)
        try fixture.apply(snapshots)
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Self.logger, chunkSize: 16)
        let first = HouseholdScope(partitions: [0, 1, 2], partitionCount: 6)
        let second = HouseholdScope(partitions: [3, 4, 5], partitionCount: 6)
        func onPartitions(_ scope: HouseholdScope) -> Int {
            snapshots.filter { scope.partitions!.contains(KeyPartitioner.partition(key: Array($0.householdId.utf8), partitionCount: 6)) }.count
        }
        let tally = ShadowPartRequest(standardId: "VN-2027-2030", want: .tally)
        let parts = [try runner.part(tally, scope: first), try runner.part(tally, scope: second)]
        #expect(parts.map(\.households) == [onPartitions(first), onPartitions(second)])
        #expect(parts[0].households > 0 && parts[1].households > 0, "the demo's ids fall on both halves")
        let nobody = try runner.part(tally, scope: HouseholdScope(partitions: [], partitionCount: 6))
        #expect(nobody.households == 0 && nobody.tally == ShadowTally())

        let whole = try runner.runNow(standardId: "VN-2027-2030")
        var merged = ShadowTally()
        for part in parts { merged.merge(try #require(part.tally)) }
        let (households, sum) = ShadowRunner.addUp(parts)
        #expect(households == 120 && ShadowRunStore.digestText(sum) == whole.householdsDigest)
        #expect(merged.total.counts == whole.totals)
        let wholeDiffs = try fixture.outbox(ShadowAreaDiff.self, topic: Topics.shadowDiff).map(\.value)
        let mergedDiffs = merged.diffs(
            runId: whole.runId, version: try #require(whole.version), standard: whole.standard, catalogueRevision: whole.catalogueRevision,
            completedAt: try #require(whole.completedAt), name: CurrentPlace(areas: fixture.areas).name(of:))
        #expect(mergedDiffs == wholeDiffs)

        // The moved households of a commune, asked of both halves, are the whole store's list.
        let commune = try #require(wholeDiffs.first { $0.areaLevel == .commune && $0.counts.moved > 0 }).areaCode
        let halves: ShadowRunner.Parts = { asked in [try runner.part(asked, scope: first), try runner.part(asked, scope: second)] }
        let fromHalves = try await runner.movedHouseholds(of: whole, in: commune, parts: halves)
        let fromWhole = try await runner.movedHouseholds(of: whole, in: commune, parts: runner.wholeStore)
        #expect(fromHalves == fromWhole && !fromWhole.households.isEmpty)
        // Half the parts is not the run's households: refused rather than listed short.
        let short: ShadowRunner.Parts = { asked in [try runner.part(asked, scope: first)] }
        await #expect(throws: ShadowListRefusal.self) { try await runner.movedHouseholds(of: whole, in: commune, parts: short) }
    }

    @Test func aCandidateUnderWhichNothingChangesMovesNobody() throws {
        let fixture = try EligibilityStoreFixture()
        try fixture.apply(try EligibilityStoreFixture.demoSnapshots(count: 60))
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Self.logger)
        let run = try runner.runNow(standardId: "VN-2022-2025")
        #expect(run.totals?.households == 60)
        #expect(run.totals?.moved == 0)
        #expect(run.totals?.official == run.totals?.shadow)
    }

    @Test(arguments: [("VN-2099", "unknown standard"), ("BN-2022-2025", "provincial standard")])
    func onlyNationalStandardsOfTheCatalogueCanBeRun(_ id: String, _ reason: String) throws {
        let fixture = try EligibilityStoreFixture()
        let runner = ShadowRunner(store: fixture.store, catalogue: fixture.catalogue, place: CurrentPlace(areas: fixture.areas), logger: Self.logger)
        #expect(throws: FieldError.self) { try runner.runNow(standardId: id) }
        do {
            _ = try runner.runNow(standardId: id)
        } catch let error as FieldError {
            #expect(error.field == "standardId" && error.reason.contains(reason))
        }
    }
}

@Suite("Eligibility: places after 1 Jul 2025")
struct CurrentPlaceTests {
    @Test func aSurveyBeforeTheReorganisationIsCountedInTheNewCommune() throws {
        let place = CurrentPlace(areas: try AreaRegistry.bundled())
        // 01834 (Phường Nguyễn Thị Minh Khai, Bắc Kạn 06) went whole into 01840 (Phường Đức Xuân, Thái Nguyên 19), made
        // only of communes of the former Thành phố Bắc Kạn (058; NQ 1683 Điều 1 khoản 89).
        #expect(place.place(of: AreaRef(communeCode: "01834", provinceCode: "06", areaType: .urban), surveyDate: "2024-10-01")
            == HouseholdPlace(communeCode: "01840", provinceCode: "19", formerDistrictCode: "058"))
        #expect(place.place(of: AreaRef(communeCode: "01840", provinceCode: "19", areaType: .urban), surveyDate: "2026-10-15")
            == HouseholdPlace(communeCode: "01840", provinceCode: "19", formerDistrictCode: "058"))
        // 05461 (Phường Gia Sàng of Thành phố Thái Nguyên, 164) was split between 05443 and 05467 (khoản 76, 79): kept
        // under its former code, flagged, in district 164.
        #expect(place.place(of: AreaRef(communeCode: "05461", provinceCode: "19", areaType: .rural), surveyDate: "2024-10-01")
            == HouseholdPlace(
                communeCode: "05461", provinceCode: "19", formerUnit: true, formerUnitKey: "05461@2025-06-30", formerDistrictCode: "164"))
        // 05467 (Phường Cam Giá, 164) was split between 05467 (today's Phường Gia Sàng, which reused the code) and 05500
        // (khoản 78, 79): reported under its own key, never merged into today's 05467.
        let camGia = place.place(of: AreaRef(communeCode: "05467", provinceCode: "19", areaType: .urban), surveyDate: "2024-10-01")
        #expect(camGia.communeAreaCode == "05467@2025-06-30" && camGia.formerDistrictCode == "164")
        #expect(place.place(of: AreaRef(communeCode: "05467", provinceCode: "19", areaType: .urban), surveyDate: "2026-10-01").communeAreaCode
            == "05467")
        // 01849 (Xã Phong Quang) is made of 058's Dương Quang and 063's Đôn Phong (khoản 64): in no former district.
        #expect(place.place(of: AreaRef(communeCode: "01849", provinceCode: "19", areaType: .rural), surveyDate: "2026-10-01").formerDistrictCode
            == nil)
        #expect(place.name(of: "01840") == "Phường Đức Xuân")
        #expect(place.name(of: "19") == "Thái Nguyên")
    }
}
