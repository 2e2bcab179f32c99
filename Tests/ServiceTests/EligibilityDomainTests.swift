import EventContracts
import Foundation
import Testing

@testable import Eligibility

// MARK: - Fixtures

/// Households built from plain facts. The default household has 4 members and no deprivation under any standard.
private enum Fixture {
    static let headName = "Nguyễn Văn An"

    static let catalogue: StandardsCatalogue = {
        do { return try StandardsCatalogue.bundled() } catch { fatalError("bundled catalogue: \(error)") }
    }()

    static func standard(_ id: String) -> PovertyStandard {
        guard let standard = catalogue.standard(id: id) else { fatalError("no standard \(id)") }
        return standard
    }

    static func adult(_ id: String, age: Int = 40, sex: Sex = .male, relation: Relation = .head) -> HouseholdMember {
        HouseholdMember(
            memberId: id, ageYears: age,
            facts: MemberFacts(
                relation: relation, sex: sex, ethnicity: "kinh", disability: .none, workingCapacity: .full,
                healthInsurance: true, education: Education(attained: .upperSecondary, enrolled: false),
                employment: Employment(status: .employed, type: .selfEmployed), socialAllowance: false))
    }

    /// A child at the school level suited to the age, well nourished, insured.
    static func child(_ id: String, age: Int) -> HouseholdMember {
        let level: SchoolLevel? =
            switch age {
            case ..<3: nil
            case 3...5: .preschool
            case 6...10: .primary
            case 11...14: .lowerSecondary
            default: .upperSecondary
            }
        let attained: EducationLevel =
            switch age {
            case ..<11: .none
            case 11...14: .primary
            default: .lowerSecondary
            }
        return HouseholdMember(
            memberId: id, ageYears: age,
            facts: MemberFacts(
                relation: .child, sex: age % 2 == 0 ? .female : .male, ethnicity: "kinh", disability: .none,
                workingCapacity: age >= 15 ? .partial : .none, healthInsurance: true,
                education: Education(attained: attained, enrolled: level != nil, currentLevel: level),
                employment: Employment(status: .notInLabourForce), socialAllowance: false,
                nutrition: age < 16 ? .normal : nil))
    }

    static var defaultMembers: [HouseholdMember] {
        [adult("m1"), adult("m2", age: 38, sex: .female, relation: .spouse), child("m3", age: 10), child("m4", age: 7)]
    }

    static func household(
        members: [HouseholdMember]? = nil, area: AreaType = .rural, province: String = "01",
        income: Income = Income(method: .declared, perCapitaMonthlyVnd: 1_000_000), surveyDate: String = "2026-10-01"
    ) -> HouseholdSnapshot {
        HouseholdSnapshot(
            householdId: "hh-1", version: 1,
            area: AreaRef(communeCode: "00001", provinceCode: province, areaType: area),
            reviewKind: .periodic, roundId: "2026-periodic", surveyDate: surveyDate, status: .proposed,
            head: HeadIdentity(fullName: headName, cccd: "001080000001"),
            members: members ?? defaultMembers,
            conditions: LivingConditions(
                housing: Housing(walls: .brick, columns: .reinforcedConcrete, roof: .metalSheet, floorAreaM2: 60),
                water: .piped, latrine: .septic, waste: .collected,
                information: InformationAccess(telecomUse: true, internetUse: true, devices: [.television, .smartphone]),
                income: income),
            recordedAt: "2026-10-01T08:00:00+07:00")
    }

    static func perCapita(_ vnd: Int64) -> Income { Income(method: .declared, perCapitaMonthlyVnd: vnd) }

    /// Changes that each deprive exactly one indicator present in all three standards, starting from the default.
    static let injectors: [@Sendable (inout HouseholdSnapshot) -> Void] = [
        { $0.conditions.water = .surfaceWater },
        { $0.conditions.latrine = .none },
        { $0.conditions.housing.walls = .bamboo; $0.conditions.housing.roof = .thatch },
        { $0.members[0].facts.healthInsurance = false },
        { $0.conditions.information.telecomUse = false; $0.conditions.information.internetUse = false },
        { $0.conditions.housing.floorAreaM2 = 20 },
    ]

    static func withDeprivations(_ count: Int, _ household: HouseholdSnapshot) -> HouseholdSnapshot {
        var household = household
        for inject in injectors.prefix(count) { inject(&household) }
        return household
    }

    static func edit(_ household: inout HouseholdSnapshot, _ id: String, _ change: (inout HouseholdMember) -> Void) {
        guard let index = household.members.firstIndex(where: { $0.memberId == id }) else { fatalError("no member \(id)") }
        change(&household.members[index])
    }
}

// MARK: - Catalogue

@Suite("Eligibility: standards catalogue")
struct EligibilityCatalogueTests {
    @Test func bundledCatalogueLoadsThreeStandardsOfTwelveIndicators() throws {
        let catalogue = try StandardsCatalogue.bundled()
        #expect(catalogue.revision >= 1)
        #expect(catalogue.standards.map(\.id) == ["VN-2022-2025", "VN-2027-2030", "BN-2022-2025"])
        for standard in catalogue.standards {
            #expect(standard.indicators.count == 12, "\(standard.id)")
            #expect(standard.deprivationThreshold == 3, "\(standard.id)")
            #expect(standard.ref == StandardRef(id: standard.id, revision: standard.revision, legalBasis: standard.legalBasis))
        }
        #expect(catalogue.problems().isEmpty)
    }

    @Test func indicatorSetsDifferBetweenPeriods() {
        let old = Fixture.standard("VN-2022-2025").indicators.map(\.id)
        let new = Fixture.standard("VN-2027-2030").indicators.map(\.id)
        let common = [
            "employment", "dependants", "nutrition", "healthInsurance", "adultEducation", "childSchooling", "housingQuality",
            "housingArea", "water", "latrine", "telecom",
        ]
        #expect(old == common + ["informationDevices"])
        #expect(new == common + ["wasteTreatment"])
        #expect(Fixture.standard("BN-2022-2025").indicators == Fixture.standard("VN-2022-2025").indicators)
    }

    @Test func linesAndBandsAreTheLegalValues() {
        let old = Fixture.standard("VN-2022-2025"), new = Fixture.standard("VN-2027-2030"), bn = Fixture.standard("BN-2022-2025")
        #expect(old.incomeLinesVnd == ByArea(rural: 1_500_000, urban: 2_000_000))
        #expect(old.averageLivingLinesVnd == ByArea(rural: 2_250_000, urban: 3_000_000))
        #expect(old.scoring == Circular07Scoring(scoreAThresholds: ByArea(rural: 140, urban: 175), scoreBPointsPerIndicator: 10))
        #expect(new.incomeLinesVnd == ByArea(rural: 2_200_000, urban: 2_800_000))
        #expect(new.averageLivingLinesVnd == nil)
        #expect(bn.incomeLinesVnd == ByArea(rural: 1_750_000, urban: 2_250_000))
        #expect(bn.scope == "province:24")
    }

    @Test func encodedCatalogueLoadsBackEqual() throws {
        let data = try JSONEncoder().encode(Fixture.catalogue)
        #expect(try StandardsCatalogue.load(from: data) == Fixture.catalogue)
    }

    struct DateCase: Sendable, CustomTestStringConvertible {
        var date: String
        var national: String?
        var testDescription: String { "\(date) → \(national ?? "none")" }
    }

    @Test(arguments: [
        DateCase(date: "2021-12-31", national: nil),
        DateCase(date: "2022-01-01", national: "VN-2022-2025"),
        DateCase(date: "2025-12-31", national: "VN-2022-2025"),
        DateCase(date: "2026-01-01", national: "VN-2022-2025"),
        DateCase(date: "2026-12-31", national: "VN-2022-2025"),
        DateCase(date: "2027-01-01", national: "VN-2027-2030"),
        DateCase(date: "2028-02-29", national: "VN-2027-2030"),
        DateCase(date: "2030-12-31", national: "VN-2027-2030"),
        DateCase(date: "2031-01-01", national: nil),
        DateCase(date: "2026-13-01", national: nil),
        DateCase(date: "2027-02-29", national: nil),
        DateCase(date: "27-01-01", national: nil),
        DateCase(date: "", national: nil),
    ])
    func nationalStandardByDate(_ row: DateCase) {
        #expect(Fixture.catalogue.national(on: row.date)?.id == row.national)
    }

    struct LocalCase: Sendable, CustomTestStringConvertible {
        var province: String
        var date: String
        var local: String?
        var testDescription: String { "province \(province) on \(date) → \(local ?? "none")" }
    }

    @Test(arguments: [
        LocalCase(province: "24", date: "2026-06-01", local: "BN-2022-2025"),
        LocalCase(province: "24", date: "2025-07-01", local: "BN-2022-2025"),
        LocalCase(province: "24", date: "2026-12-31", local: "BN-2022-2025"),
        LocalCase(province: "24", date: "2027-01-01", local: nil),
        // Before the 1 Jul 2025 merger old Bắc Ninh was coded 27 and 24 was Bắc Giang.
        LocalCase(province: "27", date: "2023-05-01", local: "BN-2022-2025"),
        LocalCase(province: "27", date: "2025-06-30", local: "BN-2022-2025"),
        LocalCase(province: "24", date: "2023-05-01", local: nil),
        LocalCase(province: "27", date: "2025-07-01", local: nil),
        LocalCase(province: "27", date: "2021-12-31", local: nil),
        LocalCase(province: "01", date: "2024-01-01", local: nil),
    ])
    func localStandardByProvinceAndDate(_ row: LocalCase) {
        #expect(Fixture.catalogue.local(provinceCode: row.province, on: row.date)?.id == row.local)
    }

    struct ListYearCase: Sendable, CustomTestStringConvertible {
        var choice: StandardChoice
        var national: String?
        var local: String?
        var testDescription: String { "\(choice.surveyDate) province \(choice.provinceCode) list \(choice.listYear.map(String.init) ?? "-") → \(national ?? "none") / \(local ?? "none")" }
    }

    /// The standards of a list year, written by hand from the review calendar's `listYears` and standards.json's periods.
    @Test(arguments: [
        // The end-2021 review establishes the 2022 lists under Decree 07/2021 (no standard was in force on its date).
        ListYearCase(choice: StandardChoice(surveyDate: "2021-11-15", provinceCode: "06", listYear: 2022, standardId: "VN-2022-2025"),
                     national: "VN-2022-2025", local: nil),
        // Old Bắc Ninh (27) in the end-2021 review: its own standard is in force on 1 Jan 2022.
        ListYearCase(choice: StandardChoice(surveyDate: "2021-10-01", provinceCode: "27", listYear: 2022, standardId: "VN-2022-2025"),
                     national: "VN-2022-2025", local: "BN-2022-2025"),
        // The end-2026 review establishes the 2027 lists: the 2027–2030 standard, and Bắc Ninh's 2022–2025 one no longer.
        ListYearCase(choice: StandardChoice(surveyDate: "2026-10-15", provinceCode: "24", listYear: 2027, standardId: "VN-2027-2030"),
                     national: "VN-2027-2030", local: nil),
        // An ad hoc review of November 2026 changes the 2026 lists.
        ListYearCase(choice: StandardChoice(surveyDate: "2026-11-20", provinceCode: "24", listYear: 2026, standardId: "VN-2022-2025"),
                     national: "VN-2022-2025", local: "BN-2022-2025"),
        // A snapshot written before list years: the standards in force on its survey date.
        ListYearCase(choice: StandardChoice(surveyDate: "2026-10-15", provinceCode: "24"), national: "VN-2022-2025", local: "BN-2022-2025"),
        // A standard the catalogue does not have.
        ListYearCase(choice: StandardChoice(surveyDate: "2030-10-15", provinceCode: "19", listYear: 2031, standardId: "VN-2031-2035"),
                     national: nil, local: nil),
    ])
    func standardsByListYear(_ row: ListYearCase) {
        #expect(Fixture.catalogue.national(for: row.choice)?.id == row.national)
        #expect(Fixture.catalogue.local(for: row.choice)?.id == row.local)
    }

    @Test func applicableListsNationalThenLocal() {
        #expect(Fixture.catalogue.applicable(provinceCode: "24", on: "2026-03-01").map(\.id) == ["VN-2022-2025", "BN-2022-2025"])
        #expect(Fixture.catalogue.applicable(provinceCode: "24", on: "2027-03-01").map(\.id) == ["VN-2027-2030"])
        #expect(Fixture.catalogue.applicable(provinceCode: "01", on: "2020-03-01").isEmpty)
    }

    struct BrokenCase: Sendable, CustomTestStringConvertible {
        var label: String
        var expected: String
        var breakIt: @Sendable (inout StandardsCatalogue) -> Void
        var testDescription: String { label }
    }

    @Test(arguments: [
        BrokenCase(label: "overlapping national periods", expected: "overlapping dates") { $0.standards[1].effectiveFrom = "2026-12-31" },
        BrokenCase(label: "negative line", expected: "incomeLinesVnd.rural must be positive") { $0.standards[0].incomeLinesVnd.rural = -1 },
        BrokenCase(label: "average band below line", expected: "must be above the income line") {
            $0.standards[0].averageLivingLinesVnd = ByArea(rural: 1_500_000, urban: 3_000_000)
        },
        BrokenCase(label: "threshold above indicator count", expected: "deprivationThreshold 13") { $0.standards[0].deprivationThreshold = 13 },
        BrokenCase(label: "duplicate indicator", expected: "duplicate indicator id") {
            $0.standards[0].indicators[1] = $0.standards[0].indicators[0]
        },
        BrokenCase(label: "impossible date", expected: "'2027-02-30' is not a date") { $0.standards[1].effectiveTo = "2027-02-30" },
        BrokenCase(label: "end before start", expected: "is before effectiveFrom") { $0.standards[1].effectiveTo = "2026-01-01" },
        BrokenCase(label: "bad scope", expected: "scope 'province:1'") { $0.standards[2].scope = "province:1" },
        BrokenCase(label: "duplicate standard id", expected: "duplicate id") { $0.standards[2].id = "VN-2022-2025" },
        BrokenCase(label: "standard revision above catalogue's", expected: "bump the catalogue revision") { $0.standards[0].revision = 9 },
        BrokenCase(label: "share out of range", expected: "deprivedWhenShareAbove") {
            $0.standards[0].indicators[1].rule = .dependants(
                DependantsRule(
                    childAgeBelow: 16, elderlyAgeFrom: 60, elderlyRequiresSocialAllowance: true,
                    disabledRequiresSocialAllowance: true, deprivedWhenShareAbove: 1.5))
        },
        BrokenCase(label: "empty water list", expected: "acceptedSources is empty") {
            $0.standards[0].indicators[8].rule = .water(WaterRule(acceptedSources: []))
        },
        BrokenCase(label: "overlapping school bands", expected: "overlap") {
            $0.standards[0].indicators[5].rule = .childSchooling(
                ChildSchoolingRule(bands: [
                    SchoolingBand(minAge: 3, maxAge: 6, acceptedLevels: [.preschool]),
                    SchoolingBand(minAge: 6, maxAge: 10, acceptedLevels: [.primary]),
                ]))
        },
        BrokenCase(label: "no standards", expected: "no standards") { $0.standards = [] },
    ])
    func invalidCatalogueIsRejectedWithAClearError(_ row: BrokenCase) throws {
        var catalogue = Fixture.catalogue
        row.breakIt(&catalogue)
        let data = try JSONEncoder().encode(catalogue)
        do {
            _ = try StandardsCatalogue.load(from: data)
            Issue.record("accepted a catalogue with \(row.label)")
        } catch let error as StandardsCatalogueError {
            #expect(error.description.contains(row.expected), "\(error)")
        }
    }

    struct RawCase: Sendable, CustomTestStringConvertible {
        var label: String
        var expected: String
        var edit: @Sendable (String) -> String
        var testDescription: String { label }
    }

    @Test(arguments: [
        RawCase(label: "not JSON", expected: "invalid standards catalogue") { _ in "this is not json" },
        RawCase(label: "unknown rule kind", expected: "unknown indicator rule kind 'river'") {
            $0.replacingOccurrences(of: "\"kind\": \"water\"", with: "\"kind\": \"river\"")
        },
        RawCase(label: "missing key", expected: "missing key 'deprivationThreshold'") {
            $0.replacingOccurrences(of: "\"deprivationThreshold\": 3,", with: "")
        },
        RawCase(label: "unknown material", expected: "standards[0].indicators[6].rule") {
            $0.replacingOccurrences(of: "\"reinforcedConcrete\"", with: "\"adobe\"")
        },
    ])
    func malformedJsonIsRejectedWithAClearError(_ row: RawCase) throws {
        let text = String(decoding: try StandardsCatalogue.bundledData(), as: UTF8.self)
        let edited = row.edit(text)
        #expect(edited != text)
        do {
            _ = try StandardsCatalogue.load(from: Data(edited.utf8))
            Issue.record("accepted JSON with \(row.label)")
        } catch let error as StandardsCatalogueError {
            #expect(error.description.contains(row.expected), "\(error)")
        }
    }
}

// MARK: - Class boundaries

@Suite("Eligibility: class boundaries")
struct EligibilityClassBoundaryTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var standard: String
        var area: AreaType
        var perCapita: Int64
        var deprivations: Int
        var expected: HouseholdClass
        var testDescription: String { "\(standard) \(area) \(perCapita) VND, \(deprivations) deprived → \(expected)" }
    }

    static let rows: [Row] = [
        // Decree 07/2021: 1.5M / 2.0M, average living to 2.25M / 3.0M.
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 1_500_000, deprivations: 3, expected: .poor),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 1_500_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 1_500_001, deprivations: 3, expected: .averageLiving),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 1_500_001, deprivations: 2, expected: .averageLiving),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 2_250_000, deprivations: 0, expected: .averageLiving),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 2_250_001, deprivations: 6, expected: .none),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 0, deprivations: 0, expected: .nearPoor),
        Row(standard: "VN-2022-2025", area: .rural, perCapita: 0, deprivations: 6, expected: .poor),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 2_000_000, deprivations: 3, expected: .poor),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 2_000_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 2_000_001, deprivations: 3, expected: .averageLiving),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 1_500_001, deprivations: 3, expected: .poor),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 3_000_000, deprivations: 0, expected: .averageLiving),
        Row(standard: "VN-2022-2025", area: .urban, perCapita: 3_000_001, deprivations: 5, expected: .none),
        // Decree 351/2025: 2.2M / 2.8M, no known average-living band.
        Row(standard: "VN-2027-2030", area: .rural, perCapita: 2_200_000, deprivations: 3, expected: .poor),
        Row(standard: "VN-2027-2030", area: .rural, perCapita: 2_200_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "VN-2027-2030", area: .rural, perCapita: 2_200_001, deprivations: 3, expected: .none),
        Row(standard: "VN-2027-2030", area: .rural, perCapita: 2_200_001, deprivations: 0, expected: .none),
        Row(standard: "VN-2027-2030", area: .rural, perCapita: 1_500_001, deprivations: 3, expected: .poor),
        Row(standard: "VN-2027-2030", area: .urban, perCapita: 2_800_000, deprivations: 3, expected: .poor),
        Row(standard: "VN-2027-2030", area: .urban, perCapita: 2_800_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "VN-2027-2030", area: .urban, perCapita: 2_800_001, deprivations: 3, expected: .none),
        Row(standard: "VN-2027-2030", area: .urban, perCapita: 2_200_001, deprivations: 3, expected: .poor),
        // Bắc Ninh local: 1.75M / 2.25M.
        Row(standard: "BN-2022-2025", area: .rural, perCapita: 1_750_000, deprivations: 3, expected: .poor),
        Row(standard: "BN-2022-2025", area: .rural, perCapita: 1_750_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "BN-2022-2025", area: .rural, perCapita: 1_750_001, deprivations: 3, expected: .averageLiving),
        Row(standard: "BN-2022-2025", area: .rural, perCapita: 2_250_000, deprivations: 0, expected: .averageLiving),
        Row(standard: "BN-2022-2025", area: .rural, perCapita: 2_250_001, deprivations: 0, expected: .none),
        Row(standard: "BN-2022-2025", area: .urban, perCapita: 2_250_000, deprivations: 3, expected: .poor),
        Row(standard: "BN-2022-2025", area: .urban, perCapita: 2_250_000, deprivations: 2, expected: .nearPoor),
        Row(standard: "BN-2022-2025", area: .urban, perCapita: 2_250_001, deprivations: 3, expected: .averageLiving),
        Row(standard: "BN-2022-2025", area: .urban, perCapita: 3_000_001, deprivations: 3, expected: .none),
    ]

    @Test(arguments: rows)
    func classAtBoundary(_ row: Row) {
        let standard = Fixture.standard(row.standard)
        let household = Fixture.withDeprivations(
            row.deprivations, Fixture.household(area: row.area, income: Fixture.perCapita(row.perCapita)))
        let outcome = Classifier.classify(household, under: standard)
        #expect(outcome.householdClass == row.expected)
        #expect(outcome.deprivationCount == row.deprivations)
        #expect(outcome.incomeBasis == .perCapitaIncome)
        #expect(outcome.income.povertyLineVnd == standard.incomeLinesVnd[row.area])
        #expect(outcome.income.averageLivingLineVnd == standard.averageLivingLinesVnd?[row.area])
        #expect(outcome.income.atOrBelowPovertyLine == (row.perCapita <= standard.incomeLinesVnd[row.area]))
        #expect(outcome.income.perCapitaMonthlyVnd == row.perCapita)
        #expect(outcome.standard == standard.ref)
        if row.standard == "VN-2027-2030" && row.expected == .none {
            #expect(outcome.notes.contains { $0.contains("no average-living-standard band") })
        }
    }

    struct TotalRow: Sendable, CustomTestStringConvertible {
        var total: Int64
        var members: Int
        var perCapita: Int64?
        var atOrBelow: Bool
        var expected: HouseholdClass
        var testDescription: String { "\(total) VND for \(members) members → \(expected)" }
    }

    @Test(arguments: [
        TotalRow(total: 6_000_000, members: 4, perCapita: 1_500_000, atOrBelow: true, expected: .nearPoor),
        TotalRow(total: 6_000_001, members: 4, perCapita: 1_500_001, atOrBelow: false, expected: .averageLiving),
        TotalRow(total: 5_999_999, members: 4, perCapita: 1_500_000, atOrBelow: true, expected: .nearPoor),
        TotalRow(total: 1_500_000, members: 1, perCapita: 1_500_000, atOrBelow: true, expected: .nearPoor),
        TotalRow(total: 9_000_001, members: 4, perCapita: 2_250_001, atOrBelow: false, expected: .none),
        TotalRow(total: 6_000_000, members: 0, perCapita: nil, atOrBelow: false, expected: .none),
    ])
    func incomeFromMonthlyTotalWhenPerCapitaIsAbsent(_ row: TotalRow) {
        let members = Array(
            [Fixture.adult("m1"), Fixture.adult("m2", age: 38, sex: .female, relation: .spouse), Fixture.adult("m3", age: 36),
             Fixture.adult("m4", age: 37)].prefix(row.members))
        let household = Fixture.household(members: members, income: Income(method: .declared, monthlyTotalVnd: row.total))
        let outcome = Classifier.classify(household, under: Fixture.standard("VN-2022-2025"))
        #expect(outcome.householdClass == row.expected)
        #expect(outcome.income.perCapitaMonthlyVnd == row.perCapita)
        #expect(outcome.income.atOrBelowPovertyLine == row.atOrBelow)
        #expect(outcome.incomeBasis == (row.members == 0 ? .unknown : .totalIncomePerMember))
    }

    struct ScoreRow: Sendable, CustomTestStringConvertible {
        var area: AreaType
        var scoreA: Int
        var perCapita: Int64?
        var deprivations: Int
        var expected: HouseholdClass
        var testDescription: String { "\(area) score A \(scoreA), income \(perCapita.map(String.init) ?? "-"), \(deprivations) deprived → \(expected)" }
    }

    @Test(arguments: [
        ScoreRow(area: .rural, scoreA: 140, perCapita: nil, deprivations: 3, expected: .poor),
        ScoreRow(area: .rural, scoreA: 140, perCapita: nil, deprivations: 2, expected: .nearPoor),
        ScoreRow(area: .rural, scoreA: 141, perCapita: nil, deprivations: 3, expected: .none),
        ScoreRow(area: .rural, scoreA: 0, perCapita: nil, deprivations: 0, expected: .nearPoor),
        ScoreRow(area: .urban, scoreA: 175, perCapita: nil, deprivations: 3, expected: .poor),
        ScoreRow(area: .urban, scoreA: 175, perCapita: nil, deprivations: 2, expected: .nearPoor),
        ScoreRow(area: .urban, scoreA: 176, perCapita: nil, deprivations: 3, expected: .none),
        ScoreRow(area: .urban, scoreA: 141, perCapita: nil, deprivations: 3, expected: .poor),
        // The score decides "at or below"; an income figure only places the household in or above the average band.
        ScoreRow(area: .rural, scoreA: 141, perCapita: 2_000_000, deprivations: 3, expected: .averageLiving),
        ScoreRow(area: .rural, scoreA: 141, perCapita: 2_250_001, deprivations: 3, expected: .none),
        ScoreRow(area: .rural, scoreA: 100, perCapita: 5_000_000, deprivations: 3, expected: .poor),
    ])
    func scoreABoundaries(_ row: ScoreRow) {
        let income = Income(method: .score, perCapitaMonthlyVnd: row.perCapita, scoreA: row.scoreA)
        let household = Fixture.withDeprivations(row.deprivations, Fixture.household(area: row.area, income: income))
        let outcome = Classifier.classify(household, under: Fixture.standard("VN-2022-2025"))
        #expect(outcome.householdClass == row.expected)
        #expect(outcome.incomeBasis == .scoreA)
        #expect(outcome.income.scoreA == row.scoreA)
        #expect(outcome.income.scoreAThreshold == (row.area == .rural ? 140 : 175))
        #expect(outcome.income.method == .score)
        #expect(outcome.deprivationCount == row.deprivations)
    }

    @Test func scoreMethodWithoutScoreAFallsBackToIncome() {
        let household = Fixture.household(income: Income(method: .score, perCapitaMonthlyVnd: 1_200_000))
        let outcome = Classifier.classify(household, under: Fixture.standard("VN-2022-2025"))
        #expect(outcome.incomeBasis == .perCapitaIncome)
        #expect(outcome.householdClass == .nearPoor)
        #expect(outcome.notes.contains { $0.contains("no score A was given") })
    }

    @Test func declaredMethodWithOnlyScoreAUsesTheScore() {
        let household = Fixture.withDeprivations(3, Fixture.household(income: Income(method: .declared, scoreA: 120)))
        let outcome = Classifier.classify(household, under: Fixture.standard("VN-2022-2025"))
        #expect(outcome.incomeBasis == .scoreA)
        #expect(outcome.householdClass == .poor)
    }

    @Test(arguments: ["VN-2027-2030", "BN-2022-2025"])
    func scoreAIsNotUsedWhereTheStandardHasNoCalibration(_ id: String) {
        let household = Fixture.withDeprivations(4, Fixture.household(income: Income(method: .score, scoreA: 100)))
        let outcome = Classifier.classify(household, under: Fixture.standard(id))
        #expect(outcome.householdClass == .none)
        #expect(outcome.incomeBasis == .unknown)
        #expect(outcome.income.scoreA == nil)
        #expect(outcome.notes.contains { $0.contains("no calibrated score A threshold") })
        #expect(outcome.deprivationCount == 4)
    }

    @Test func scoreBIsOnlyReported() {
        let standard = Fixture.standard("VN-2022-2025")
        let mismatched = Fixture.withDeprivations(3, Fixture.household(income: Income(method: .score, scoreA: 130, scoreB: 50)))
        let outcome = Classifier.classify(mismatched, under: standard)
        #expect(outcome.householdClass == .poor)
        #expect(outcome.deprivationCount == 3)
        #expect(outcome.scoreB == 50)
        #expect(outcome.notes.contains { $0.contains("Score B was given as 50") })

        let low = Fixture.withDeprivations(3, Fixture.household(income: Income(method: .score, scoreA: 130, scoreB: 0)))
        #expect(Classifier.classify(low, under: standard).householdClass == .poor)

        let matching = Fixture.withDeprivations(3, Fixture.household(income: Income(method: .score, scoreA: 130, scoreB: 30)))
        #expect(Classifier.classify(matching, under: standard).notes.isEmpty)
    }

    @Test(arguments: ["VN-2022-2025", "VN-2027-2030", "BN-2022-2025"])
    func unknownIncomeIsNeverPoorAndSaysSo(_ id: String) {
        let household = Fixture.withDeprivations(5, Fixture.household(income: Income(method: .declared)))
        let outcome = Classifier.classify(household, under: Fixture.standard(id))
        #expect(outcome.householdClass == .none)
        #expect(outcome.incomeBasis == .unknown)
        #expect(outcome.income.atOrBelowPovertyLine == false)
        #expect(outcome.income.perCapitaMonthlyVnd == nil)
        #expect(outcome.deprivationCount == 5)
        #expect(outcome.notes.contains { $0.contains("Income is unknown") })
    }

    @Test(arguments: ["VN-2022-2025", "VN-2027-2030", "BN-2022-2025"])
    func householdWithoutMembersDoesNotCrash(_ id: String) {
        var household = Fixture.household(members: [], income: Fixture.perCapita(1_000_000))
        household.conditions.water = .surfaceWater
        let outcome = Classifier.classify(household, under: Fixture.standard(id))
        #expect(outcome.indicators.count == 12)
        #expect(outcome.deprivationCount == 1)
        #expect(outcome.householdClass == .nearPoor)
        #expect(outcome.notes.contains { $0.contains("no members") })
        for id in ["employment", "dependants", "nutrition", "healthInsurance", "adultEducation", "childSchooling", "housingArea"] {
            let result = outcome.indicators.first { $0.id == id }
            #expect(result?.deprived == false)
            #expect(result?.reason.contains("no members") == true, "\(id)")
        }
    }
}

// MARK: - Indicators

@Suite("Eligibility: deprivation indicators")
struct EligibilityIndicatorTests {
    static let allStandards = ["VN-2022-2025", "VN-2027-2030", "BN-2022-2025"]
    static let oldStandards = ["VN-2022-2025", "BN-2022-2025"]

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var indicator: String
        var deprived: Bool
        var reasonContains: [String]
        var standards: [String] = EligibilityIndicatorTests.allStandards
        /// Other indicators the same change legitimately deprives.
        var alsoDeprived: [String] = []
        var change: @Sendable (inout HouseholdSnapshot) -> Void
        var testDescription: String { "\(indicator): \(label) → \(deprived ? "deprived" : "not deprived")" }
    }

    static func unemployed(_ id: String, age: Int, sex: Sex) -> @Sendable (inout HouseholdSnapshot) -> Void {
        { household in
            var member = Fixture.adult(id, age: age, sex: sex, relation: .parent)
            member.facts.employment = Employment(status: .unemployed)
            household.members.append(member)
        }
    }

    static func wageWorker(contract: Bool?) -> @Sendable (inout HouseholdSnapshot) -> Void {
        { Fixture.edit(&$0, "m1") { $0.facts.employment = Employment(status: .employed, type: .wage, labourContract: contract) } }
    }

    static func addMember(_ member: HouseholdMember) -> @Sendable (inout HouseholdSnapshot) -> Void {
        { $0.members.append(member) }
    }

    /// Puts `member` in the place (and id) of an existing member, so the dependants' share stays the same.
    static func replace(_ id: String, with member: HouseholdMember) -> @Sendable (inout HouseholdSnapshot) -> Void {
        { household in
            var member = member
            member.memberId = id
            Fixture.edit(&household, id) { $0 = member }
        }
    }

    static func unemployedTeen(age: Int) -> HouseholdMember {
        var member = Fixture.child("m3", age: age)
        member.facts.education = Education(attained: .primary, enrolled: false)
        member.facts.employment = Employment(status: .unemployed)
        return member
    }

    static func youngAdult(_ id: String, age: Int, attained: EducationLevel, enrolled: Bool = false, certificate: Bool? = nil)
        -> HouseholdMember
    {
        var member = Fixture.adult(id, age: age, relation: .child)
        member.facts.education = Education(attained: attained, enrolled: enrolled, workplaceTrainingCertificate: certificate)
        return member
    }

    static func pupil(_ id: String, age: Int, enrolled: Bool, level: SchoolLevel?) -> HouseholdMember {
        var member = Fixture.child(id, age: age)
        member.facts.education = Education(attained: age >= 16 ? .lowerSecondary : .none, enrolled: enrolled, currentLevel: level)
        return member
    }

    static let cases: [Case] = [
        // 1. Employment
        Case(label: "default", indicator: "employment", deprived: false, reasonContains: ["m1, m2"]) { _ in },
        Case(label: "unemployed adult", indicator: "employment", deprived: true, reasonContains: ["m2", "unemployed"]) {
            Fixture.edit(&$0, "m2") { $0.facts.employment = Employment(status: .unemployed) }
        },
        Case(label: "wage without contract", indicator: "employment", deprived: true, reasonContains: ["m1", "without a labour contract"],
             change: wageWorker(contract: false)),
        Case(label: "wage with contract", indicator: "employment", deprived: false, reasonContains: ["m1"], change: wageWorker(contract: true)),
        Case(label: "wage, contract not recorded", indicator: "employment", deprived: false, reasonContains: ["m1", "not recorded"],
             change: wageWorker(contract: nil)),
        Case(label: "unemployed at 15", indicator: "employment", deprived: true, reasonContains: ["m3 (age 15) is unemployed"],
             alsoDeprived: ["childSchooling"], change: replace("m3", with: unemployedTeen(age: 15))),
        Case(label: "unemployed at 14", indicator: "employment", deprived: false, reasonContains: ["m1, m2"],
             alsoDeprived: ["childSchooling"], change: replace("m3", with: unemployedTeen(age: 14))),
        Case(label: "unemployed man of 60", indicator: "employment", deprived: true, reasonContains: ["m5", "age 60"], standards: oldStandards,
             change: unemployed("m5", age: 60, sex: .male)),
        Case(label: "unemployed man of 61 (retired under 2022–25)", indicator: "employment", deprived: false, reasonContains: [],
             standards: oldStandards, change: unemployed("m5", age: 61, sex: .male)),
        Case(label: "unemployed man of 61 (working age 2027–30)", indicator: "employment", deprived: true, reasonContains: ["m5"],
             standards: ["VN-2027-2030"], change: unemployed("m5", age: 61, sex: .male)),
        Case(label: "unemployed woman of 55", indicator: "employment", deprived: true, reasonContains: ["m5"], standards: oldStandards,
             change: unemployed("m5", age: 55, sex: .female)),
        Case(label: "unemployed woman of 56", indicator: "employment", deprived: false, reasonContains: [], standards: oldStandards,
             change: unemployed("m5", age: 56, sex: .female)),
        Case(label: "nobody of working age", indicator: "employment", deprived: false, reasonContains: ["no member is of working age"]) {
            $0.members = [Fixture.adult("m1", age: 75)]
        },
        // 2. Dependants (children <16, elderly or disabled on social allowance; > 50%)
        Case(label: "2 of 4 (exactly half)", indicator: "dependants", deprived: false, reasonContains: ["2 of 4", "m3", "m4", "not more than 50%"]) { _ in },
        Case(label: "3 of 5", indicator: "dependants", deprived: true, reasonContains: ["3 of 5", "m5", "more than 50%"],
             change: addMember(Fixture.child("m5", age: 15))),
        Case(label: "16-year-old is not a dependant", indicator: "dependants", deprived: false, reasonContains: ["2 of 5"],
             change: addMember(Fixture.child("m5", age: 16))),
        Case(label: "elderly on allowance", indicator: "dependants", deprived: true, reasonContains: ["3 of 4", "m2 aged 70 on social allowance"]) {
            Fixture.edit(&$0, "m2") { $0.ageYears = 70; $0.facts.socialAllowance = true }
        },
        Case(label: "elderly without allowance", indicator: "dependants", deprived: false, reasonContains: ["2 of 4"]) {
            Fixture.edit(&$0, "m2") { $0.ageYears = 70 }
        },
        Case(label: "disabled on allowance", indicator: "dependants", deprived: true, reasonContains: ["m2 disabled on social allowance"]) {
            Fixture.edit(&$0, "m2") { $0.facts.disability = .severe; $0.facts.socialAllowance = true }
        },
        Case(label: "disabled without allowance", indicator: "dependants", deprived: false, reasonContains: ["2 of 4"]) {
            Fixture.edit(&$0, "m2") { $0.facts.disability = .severe }
        },
        // 3. Nutrition
        Case(label: "well nourished", indicator: "nutrition", deprived: false, reasonContains: ["m3, m4"]) { _ in },
        Case(label: "stunted child", indicator: "nutrition", deprived: true, reasonContains: ["m4", "stunted"]) {
            Fixture.edit(&$0, "m4") { $0.facts.nutrition = .stunted }
        },
        Case(label: "underweight child", indicator: "nutrition", deprived: true, reasonContains: ["m3", "underweight"]) {
            Fixture.edit(&$0, "m3") { $0.facts.nutrition = .underweight }
        },
        Case(label: "both", indicator: "nutrition", deprived: true, reasonContains: ["m3", "stuntedAndUnderweight"]) {
            Fixture.edit(&$0, "m3") { $0.facts.nutrition = .stuntedAndUnderweight }
        },
        Case(label: "not recorded", indicator: "nutrition", deprived: false, reasonContains: ["m4", "not recorded"]) {
            Fixture.edit(&$0, "m4") { $0.facts.nutrition = nil }
        },
        Case(label: "no children", indicator: "nutrition", deprived: false, reasonContains: ["no child under 16"]) {
            $0.members = [Fixture.adult("m1"), Fixture.adult("m2", age: 38, sex: .female, relation: .spouse)]
        },
        // 4. Health insurance (aged 6+)
        Case(label: "all insured", indicator: "healthInsurance", deprived: false, reasonContains: ["m1, m2, m3, m4"]) { _ in },
        Case(label: "adult uninsured", indicator: "healthInsurance", deprived: true, reasonContains: ["m1 (age 40)"]) {
            Fixture.edit(&$0, "m1") { $0.facts.healthInsurance = false }
        },
        Case(label: "child of 6 uninsured", indicator: "healthInsurance", deprived: true, reasonContains: ["m4 (age 6)"]) {
            Fixture.edit(&$0, "m4") { $0 = Fixture.child("m4", age: 6); $0.facts.healthInsurance = false }
        },
        Case(label: "child of 5 uninsured", indicator: "healthInsurance", deprived: false, reasonContains: ["m1, m2, m3)"]) {
            Fixture.edit(&$0, "m4") { $0 = Fixture.child("m4", age: 5); $0.facts.healthInsurance = false }
        },
        // 5. Adult education (16–17: lower secondary; 18–30: upper secondary or vocational)
        Case(label: "nobody aged 16–30", indicator: "adultEducation", deprived: false, reasonContains: ["no member is aged 16–17, 18–30"]) { _ in },
        Case(label: "17 with primary", indicator: "adultEducation", deprived: true, reasonContains: ["m5 (age 17)", "'primary'"],
             change: addMember(youngAdult("m5", age: 17, attained: .primary))),
        Case(label: "17 with lower secondary", indicator: "adultEducation", deprived: false, reasonContains: ["m5"],
             change: addMember(youngAdult("m5", age: 17, attained: .lowerSecondary))),
        Case(label: "20 with lower secondary", indicator: "adultEducation", deprived: true, reasonContains: ["m5 (age 20)", "'lowerSecondary'"],
             change: addMember(youngAdult("m5", age: 20, attained: .lowerSecondary))),
        Case(label: "20 studying", indicator: "adultEducation", deprived: false, reasonContains: ["m5"],
             change: addMember(youngAdult("m5", age: 20, attained: .lowerSecondary, enrolled: true))),
        Case(label: "20 with workplace certificate", indicator: "adultEducation", deprived: false, reasonContains: ["m5"],
             change: addMember(youngAdult("m5", age: 20, attained: .lowerSecondary, certificate: true))),
        Case(label: "20 with elementary vocational", indicator: "adultEducation", deprived: false, reasonContains: ["m5"],
             change: addMember(youngAdult("m5", age: 20, attained: .vocationalElementary))),
        Case(label: "30 with lower secondary", indicator: "adultEducation", deprived: true, reasonContains: ["m5 (age 30)"],
             change: addMember(youngAdult("m5", age: 30, attained: .lowerSecondary))),
        Case(label: "31 with lower secondary", indicator: "adultEducation", deprived: false, reasonContains: ["no member is aged"],
             change: addMember(youngAdult("m5", age: 31, attained: .lowerSecondary))),
        // 6. Children's schooling (3 to under 16, at a level suited to the age)
        Case(label: "children at school", indicator: "childSchooling", deprived: false, reasonContains: ["m3, m4"]) { _ in },
        Case(label: "7 not at school", indicator: "childSchooling", deprived: true, reasonContains: ["m4 (age 7)", "not attending school"]) {
            Fixture.edit(&$0, "m4") { $0.facts.education.enrolled = false; $0.facts.education.currentLevel = nil }
        },
        Case(label: "12 still in primary", indicator: "childSchooling", deprived: true, reasonContains: ["m4 (age 12)", "'primary'"],
             change: replace("m4", with: pupil("m4", age: 12, enrolled: true, level: .primary))),
        Case(label: "11 in primary", indicator: "childSchooling", deprived: false, reasonContains: ["m4"],
             change: replace("m4", with: pupil("m4", age: 11, enrolled: true, level: .primary))),
        Case(label: "15 in vocational", indicator: "childSchooling", deprived: false, reasonContains: ["m4"],
             change: replace("m4", with: pupil("m4", age: 15, enrolled: true, level: .vocational))),
        Case(label: "3 not in preschool", indicator: "childSchooling", deprived: true, reasonContains: ["m4 (age 3)"],
             change: replace("m4", with: pupil("m4", age: 3, enrolled: false, level: nil))),
        Case(label: "2 not in preschool", indicator: "childSchooling", deprived: false, reasonContains: [],
             change: replace("m4", with: pupil("m4", age: 2, enrolled: false, level: nil))),
        Case(label: "16 not at school", indicator: "childSchooling", deprived: false, reasonContains: [],
             change: replace("m4", with: pupil("m4", age: 16, enrolled: false, level: nil))),
        Case(label: "enrolled, level not recorded", indicator: "childSchooling", deprived: false, reasonContains: ["m4", "not recorded"],
             change: replace("m4", with: pupil("m4", age: 9, enrolled: true, level: nil))),
        // 7. Housing quality (2 of walls, columns, roof non-durable)
        Case(label: "durable", indicator: "housingQuality", deprived: false, reasonContains: ["0 of 3"]) { _ in },
        Case(label: "walls only", indicator: "housingQuality", deprived: false, reasonContains: ["1 of 3", "walls of 'bamboo'"]) {
            $0.conditions.housing.walls = .bamboo
        },
        Case(label: "walls and roof", indicator: "housingQuality", deprived: true, reasonContains: ["2 of 3", "walls of 'bamboo'", "roof of 'thatch'"]) {
            $0.conditions.housing.walls = .bamboo
            $0.conditions.housing.roof = .thatch
        },
        Case(label: "all three", indicator: "housingQuality", deprived: true, reasonContains: ["3 of 3", "columns of 'wood'"]) {
            $0.conditions.housing = Housing(walls: .earth, columns: .wood, roof: .tarpaulin, floorAreaM2: 60)
        },
        // 8. Housing area (< 8 m² per person)
        Case(label: "exactly 8 m² each", indicator: "housingArea", deprived: false, reasonContains: ["32 m²", "8 m² per person"]) {
            $0.conditions.housing.floorAreaM2 = 32
        },
        Case(label: "just under 8 m² each", indicator: "housingArea", deprived: true, reasonContains: ["7.97 m² per person", "below 8 m²"]) {
            $0.conditions.housing.floorAreaM2 = 31.9
        },
        // 9. Water
        Case(label: "piped", indicator: "water", deprived: false, reasonContains: ["'piped'"]) { _ in },
        Case(label: "drilled well", indicator: "water", deprived: false, reasonContains: ["'drilledWell'"]) { $0.conditions.water = .drilledWell },
        Case(label: "unprotected well", indicator: "water", deprived: true, reasonContains: ["'unprotectedDugWell'"]) {
            $0.conditions.water = .unprotectedDugWell
        },
        Case(label: "surface water", indicator: "water", deprived: true, reasonContains: ["'surfaceWater'"]) { $0.conditions.water = .surfaceWater },
        // 10. Latrine
        Case(label: "septic", indicator: "latrine", deprived: false, reasonContains: ["'septic'"]) { _ in },
        Case(label: "ventilated pit", indicator: "latrine", deprived: false, reasonContains: ["'ventilatedPit'"]) { $0.conditions.latrine = .ventilatedPit },
        Case(label: "pit with slab", indicator: "latrine", deprived: true, reasonContains: ["'pitWithSlab'"]) { $0.conditions.latrine = .pitWithSlab },
        Case(label: "none", indicator: "latrine", deprived: true, reasonContains: ["'none'"]) { $0.conditions.latrine = .none },
        // 11. Telecom (2022–25: telecom or internet; 2027–30: internet / digital services)
        Case(label: "both services", indicator: "telecom", deprived: false, reasonContains: ["'telecom' and 'internet'"], standards: oldStandards) { _ in },
        Case(label: "telephone only", indicator: "telecom", deprived: false, reasonContains: ["'telecom'"], standards: oldStandards) {
            $0.conditions.information.internetUse = false
        },
        Case(label: "telephone only, digital standard", indicator: "telecom", deprived: true, reasonContains: ["'internet'", "only 'telecom'"],
             standards: ["VN-2027-2030"]) {
            $0.conditions.information.internetUse = false
        },
        Case(label: "internet only", indicator: "telecom", deprived: false, reasonContains: ["'internet'"]) {
            $0.conditions.information.telecomUse = false
        },
        Case(label: "no services", indicator: "telecom", deprived: true, reasonContains: ["no member uses"]) {
            $0.conditions.information.telecomUse = false
            $0.conditions.information.internetUse = false
        },
        // 12. Information devices (2022–25 only)
        Case(label: "television", indicator: "informationDevices", deprived: false, reasonContains: ["'television'"], standards: oldStandards) { _ in },
        Case(label: "radio only", indicator: "informationDevices", deprived: false, reasonContains: ["'radio'"], standards: oldStandards) {
            $0.conditions.information.devices = [.radio]
        },
        Case(label: "feature phone only", indicator: "informationDevices", deprived: true, reasonContains: ["only 'featurePhone'"], standards: oldStandards) {
            $0.conditions.information.devices = [.featurePhone]
        },
        Case(label: "no device", indicator: "informationDevices", deprived: true, reasonContains: ["owns no device"], standards: oldStandards) {
            $0.conditions.information.devices = []
        },
        // 12'. Waste treatment (2027–30 only)
        Case(label: "collected", indicator: "wasteTreatment", deprived: false, reasonContains: ["'collected'"], standards: ["VN-2027-2030"]) { _ in },
        Case(label: "treated at home", indicator: "wasteTreatment", deprived: false, reasonContains: ["'treatedAtHome'"], standards: ["VN-2027-2030"]) {
            $0.conditions.waste = .treatedAtHome
        },
        Case(label: "burned openly", indicator: "wasteTreatment", deprived: true, reasonContains: ["'burnedOpenly'"], standards: ["VN-2027-2030"]) {
            $0.conditions.waste = .burnedOpenly
        },
        Case(label: "dumped", indicator: "wasteTreatment", deprived: true, reasonContains: ["'dumped'"], standards: ["VN-2027-2030"]) {
            $0.conditions.waste = .dumped
        },
    ]

    @Test(arguments: cases)
    func indicatorVerdictAndReason(_ row: Case) throws {
        for id in row.standards {
            let standard = Fixture.standard(id)
            var household = Fixture.household()
            row.change(&household)
            let outcome = Classifier.classify(household, under: standard)
            let result = try #require(outcome.indicators.first { $0.id == row.indicator }, "\(id) has no \(row.indicator)")
            let definition = try #require(standard.indicators.first { $0.id == row.indicator })
            #expect(result.deprived == row.deprived, "\(id): \(result.reason)")
            #expect(result.dimension == definition.dimension)
            #expect(result.reason.hasPrefix(row.deprived ? "Deprived (\(definition.name))" : "Not deprived (\(definition.name))"), "\(result.reason)")
            for fragment in row.reasonContains {
                #expect(result.reason.contains(fragment), "\(id): '\(fragment)' not in: \(result.reason)")
            }
            // Only the targeted indicator moves away from the all-clear default.
            let others = outcome.indicators.filter { $0.id != row.indicator && $0.deprived }.map(\.id)
            #expect(others == row.alsoDeprived, "\(id): also deprived \(others)")
            #expect(outcome.deprivationCount == (row.deprived ? 1 : 0) + row.alsoDeprived.count)
            #expect(!result.reason.contains(Fixture.headName))
        }
    }

    @Test(arguments: ["VN-2022-2025", "VN-2027-2030", "BN-2022-2025"])
    func defaultHouseholdHasNoDeprivation(_ id: String) {
        let outcome = Classifier.classify(Fixture.household(), under: Fixture.standard(id))
        #expect(outcome.deprivationCount == 0, "\(outcome.indicators.filter(\.deprived).map(\.reason))")
        #expect(outcome.notes.isEmpty)
    }
}

// MARK: - Transitions

@Suite("Eligibility: transitions")
struct EligibilityTransitionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var previous: HouseholdClass?
        var everEscaped: Bool
        var current: HouseholdClass
        var expected: Transition
        var testDescription: String { "\(previous?.rawValue ?? "nil")\(everEscaped ? " (escaped before)" : "") → \(current): \(expected)" }
    }

    static let rows: [Row] = [
        Row(previous: nil, everEscaped: false, current: .poor, expected: .first),
        Row(previous: nil, everEscaped: true, current: .poor, expected: .first),
        Row(previous: nil, everEscaped: false, current: .nearPoor, expected: .first),
        Row(previous: nil, everEscaped: false, current: .averageLiving, expected: .first),
        Row(previous: nil, everEscaped: false, current: .none, expected: .first),
        Row(previous: .poor, everEscaped: false, current: .poor, expected: .unchanged),
        Row(previous: .poor, everEscaped: true, current: .poor, expected: .unchanged),
        Row(previous: .poor, everEscaped: false, current: .nearPoor, expected: .poorToNearPoor),
        Row(previous: .poor, everEscaped: false, current: .averageLiving, expected: .escapedPoverty),
        Row(previous: .poor, everEscaped: false, current: .none, expected: .escapedPoverty),
        Row(previous: .nearPoor, everEscaped: false, current: .poor, expected: .newlyPoor),
        Row(previous: .nearPoor, everEscaped: true, current: .poor, expected: .rePoor),
        Row(previous: .nearPoor, everEscaped: false, current: .nearPoor, expected: .unchanged),
        Row(previous: .nearPoor, everEscaped: false, current: .averageLiving, expected: .escapedNearPoverty),
        Row(previous: .nearPoor, everEscaped: true, current: .none, expected: .escapedNearPoverty),
        Row(previous: .averageLiving, everEscaped: false, current: .poor, expected: .newlyPoor),
        Row(previous: .averageLiving, everEscaped: true, current: .poor, expected: .rePoor),
        Row(previous: .averageLiving, everEscaped: false, current: .nearPoor, expected: .newlyNearPoor),
        Row(previous: .averageLiving, everEscaped: true, current: .nearPoor, expected: .newlyNearPoor),
        Row(previous: .averageLiving, everEscaped: false, current: .averageLiving, expected: .unchanged),
        Row(previous: .averageLiving, everEscaped: false, current: .none, expected: .unchanged),
        Row(previous: HouseholdClass.none, everEscaped: false, current: .poor, expected: .newlyPoor),
        Row(previous: HouseholdClass.none, everEscaped: true, current: .poor, expected: .rePoor),
        Row(previous: HouseholdClass.none, everEscaped: false, current: .nearPoor, expected: .newlyNearPoor),
        Row(previous: HouseholdClass.none, everEscaped: false, current: .averageLiving, expected: .unchanged),
        Row(previous: HouseholdClass.none, everEscaped: true, current: .none, expected: .unchanged),
    ]

    @Test(arguments: rows)
    func transition(_ row: Row) {
        #expect(Transitions.transition(previousOfficial: row.previous, everEscapedPoverty: row.everEscaped, current: row.current) == row.expected)
    }

    @Test func everEscapedMattersOnlyForBecomingPoor() {
        for previous in [nil] + HouseholdClass.allCases.map(Optional.some) {
            for current in HouseholdClass.allCases {
                let without = Transitions.transition(previousOfficial: previous, everEscapedPoverty: false, current: current)
                let with = Transitions.transition(previousOfficial: previous, everEscapedPoverty: true, current: current)
                if without == .newlyPoor { #expect(with == .rePoor) } else { #expect(with == without) }
            }
        }
    }
}

// MARK: - Properties over generated households

/// SplitMix64: small, seeded, reproducible.
private struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

private enum Generated {
    static func member(_ index: Int, _ rng: inout SeededGenerator) -> HouseholdMember {
        let age = Int.random(in: 0...90, using: &rng)
        let level: SchoolLevel? = Bool.random(using: &rng) ? SchoolLevel.allCases.randomElement(using: &rng) : nil
        let facts = MemberFacts(
            relation: index == 0 ? .head : Relation.allCases.randomElement(using: &rng)!,
            sex: Sex.allCases.randomElement(using: &rng)!, ethnicity: ["kinh", "tay", "hmong"].randomElement(using: &rng)!,
            disability: Disability.allCases.randomElement(using: &rng)!,
            workingCapacity: WorkingCapacity.allCases.randomElement(using: &rng)!,
            healthInsurance: Int.random(in: 0..<10, using: &rng) > 1,
            education: Education(
                attained: EducationLevel.allCases.randomElement(using: &rng)!, enrolled: Bool.random(using: &rng),
                currentLevel: level, workplaceTrainingCertificate: [nil, true, false].randomElement(using: &rng)!),
            employment: Employment(
                status: EmploymentStatus.allCases.randomElement(using: &rng)!, type: EmploymentType.allCases.randomElement(using: &rng),
                labourContract: [nil, true, false].randomElement(using: &rng)!),
            socialAllowance: Int.random(in: 0..<5, using: &rng) == 0,
            nutrition: age < 16 ? [nil, .normal, .normal, .stunted, .underweight].randomElement(using: &rng)! : nil)
        return HouseholdMember(memberId: "m\(index + 1)", ageYears: age, facts: facts)
    }

    static func household(_ rng: inout SeededGenerator) -> HouseholdSnapshot {
        let members = (0..<Int.random(in: 1...8, using: &rng)).map { member($0, &rng) }
        let income: Income =
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: Income(method: .declared, perCapitaMonthlyVnd: Int64.random(in: 0...4_000_000, using: &rng))
            case 1: Income(method: .declared, monthlyTotalVnd: Int64.random(in: 0...20_000_000, using: &rng))
            default:
                Income(
                    method: .score, perCapitaMonthlyVnd: Bool.random(using: &rng) ? Int64.random(in: 0...4_000_000, using: &rng) : nil,
                    scoreA: Int.random(in: 60...260, using: &rng))
            }
        var household = Fixture.household(members: members, area: AreaType.allCases.randomElement(using: &rng)!, income: income)
        household.conditions = LivingConditions(
            housing: Housing(
                walls: BuildingMaterial.allCases.randomElement(using: &rng)!, columns: BuildingMaterial.allCases.randomElement(using: &rng)!,
                roof: BuildingMaterial.allCases.randomElement(using: &rng)!, floorAreaM2: Double(Int.random(in: 5...150, using: &rng))),
            water: WaterSource.allCases.randomElement(using: &rng)!, latrine: LatrineType.allCases.randomElement(using: &rng)!,
            waste: WasteTreatment.allCases.randomElement(using: &rng)!,
            information: InformationAccess(
                telecomUse: Bool.random(using: &rng), internetUse: Bool.random(using: &rng),
                devices: InformationDevice.allCases.filter { _ in Int.random(in: 0..<4, using: &rng) == 0 }),
            income: income)
        return household
    }

    /// More income: per person, total and score A all go up.
    static func richer(_ household: HouseholdSnapshot, _ rng: inout SeededGenerator) -> HouseholdSnapshot {
        var richer = household
        let step = Int64.random(in: 1...1_500_000, using: &rng)
        richer.conditions.income.perCapitaMonthlyVnd = household.conditions.income.perCapitaMonthlyVnd.map { $0 + step }
        richer.conditions.income.monthlyTotalVnd = household.conditions.income.monthlyTotalVnd.map { $0 + step }
        richer.conditions.income.scoreA = household.conditions.income.scoreA.map { $0 + Int.random(in: 1...60, using: &rng) }
        return richer
    }

    /// Changes that each deprive exactly the named indicator and touch no other.
    static let deprive: [String: @Sendable (inout HouseholdSnapshot) -> Void] = [
        "water": { $0.conditions.water = .surfaceWater },
        "latrine": { $0.conditions.latrine = .none },
        "housingQuality": { $0.conditions.housing.walls = .thatch; $0.conditions.housing.columns = .bamboo; $0.conditions.housing.roof = .thatch },
        "housingArea": { $0.conditions.housing.floorAreaM2 = 1 },
        "telecom": { $0.conditions.information.telecomUse = false; $0.conditions.information.internetUse = false },
        "informationDevices": { $0.conditions.information.devices = [] },
        "wasteTreatment": { $0.conditions.waste = .dumped },
        "healthInsurance": { household in
            if let index = household.members.firstIndex(where: { $0.ageYears >= 6 }) { household.members[index].facts.healthInsurance = false }
        },
    ]
}

@Suite("Eligibility: properties")
struct EligibilityPropertyTests {
    static let seeds: [UInt64] = [1, 42, 2026, 0xDEAD_BEEF]

    @Test(arguments: seeds)
    func raisingIncomeNeverMakesTheClassPoorer(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<250 {
            let household = Generated.household(&rng)
            let richer = Generated.richer(household, &rng)
            for standard in Fixture.catalogue.standards {
                let before = Classifier.classify(household, under: standard)
                let after = Classifier.classify(richer, under: standard)
                #expect(after.householdClass >= before.householdClass, "\(standard.id): \(before.householdClass) → \(after.householdClass)")
                #expect(after.deprivationCount == before.deprivationCount)
            }
        }
    }

    @Test(arguments: seeds)
    func addingADeprivationNeverMakesTheClassRicher(_ seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var checked = 0
        for _ in 0..<250 {
            let household = Generated.household(&rng)
            for standard in Fixture.catalogue.standards {
                let before = Classifier.classify(household, under: standard)
                let hasMemberAged6 = household.members.contains { $0.ageYears >= 6 }
                let candidates = before.indicators
                    .filter { !$0.deprived && Generated.deprive[$0.id] != nil && ($0.id != "healthInsurance" || hasMemberAged6) }
                    .map(\.id)
                guard let target = candidates.randomElement(using: &rng) else { continue }
                var worse = household
                Generated.deprive[target]!(&worse)
                let after = Classifier.classify(worse, under: standard)
                #expect(after.deprivationCount == before.deprivationCount + 1, "\(standard.id) \(target)")
                #expect(after.indicators.first { $0.id == target }?.deprived == true)
                #expect(after.householdClass <= before.householdClass, "\(standard.id): \(before.householdClass) → \(after.householdClass)")
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    @Test(arguments: seeds)
    func outcomesAreConsistent(_ seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        for _ in 0..<250 {
            let household = Generated.household(&rng)
            for standard in Fixture.catalogue.standards {
                let outcome = Classifier.classify(household, under: standard)
                #expect(outcome.indicators.map(\.id) == standard.indicators.map(\.id))
                #expect(outcome.deprivationCount == outcome.indicators.filter(\.deprived).count)
                let atOrBelow = outcome.income.atOrBelowPovertyLine
                switch outcome.householdClass {
                case .poor: #expect(atOrBelow && outcome.deprivationCount >= standard.deprivationThreshold)
                case .nearPoor: #expect(atOrBelow && outcome.deprivationCount < standard.deprivationThreshold)
                case .averageLiving:
                    #expect(!atOrBelow && standard.averageLivingLinesVnd != nil)
                    #expect((outcome.income.perCapitaMonthlyVnd ?? .max) <= outcome.income.averageLivingLineVnd ?? -1)
                case .none: #expect(!atOrBelow)
                }
                for result in outcome.indicators {
                    #expect(!result.reason.isEmpty && !result.reason.contains(Fixture.headName))
                }
                #expect(Classifier.classify(household, under: standard) == outcome)
            }
        }
    }
}

@Suite("Eligibility: low-income workers (Decree 30/2025)")
struct EligibilityLowIncomeWorkerTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var area: AreaType
        var perCapita: Int64
        var deprivations: Int
        var qualifies: Bool
        var testDescription: String { "\(area) \(perCapita) VND, \(deprivations) deprived → \(qualifies)" }
    }

    /// Limits 2,250,000 rural / 3,000,000 urban; the poverty lines 1,500,000 / 2,000,000 sit below them.
    @Test(arguments: [
        Row(area: .rural, perCapita: 1_500_000, deprivations: 0, qualifies: false),  // near-poor: supported as such
        Row(area: .rural, perCapita: 1_500_000, deprivations: 3, qualifies: false),  // poor
        Row(area: .rural, perCapita: 1_500_001, deprivations: 5, qualifies: true),  // above the line: average living
        Row(area: .rural, perCapita: 2_250_000, deprivations: 0, qualifies: true),  // exactly at the limit
        Row(area: .rural, perCapita: 2_250_001, deprivations: 0, qualifies: false),
        Row(area: .urban, perCapita: 2_250_001, deprivations: 0, qualifies: true),
        Row(area: .urban, perCapita: 3_000_000, deprivations: 0, qualifies: true),
        Row(area: .urban, perCapita: 3_000_001, deprivations: 0, qualifies: false),
    ])
    func householdTestAtTheLimits(_ row: Row) throws {
        let household = Fixture.withDeprivations(row.deprivations, Fixture.household(area: row.area, income: Fixture.perCapita(row.perCapita)))
        let classification = try #require(ClassificationBuilder.build(household, catalogue: Fixture.catalogue))
        let assessment = try #require(classification.lowIncomeWorkers)
        #expect(assessment.qualifies == row.qualifies, "\(assessment.reason)")
        #expect(assessment.limitVnd == (row.area == .rural ? 2_250_000 : 3_000_000))
        #expect(assessment.reason.contains(row.qualifies ? "at or below" : (classification.householdClass <= .nearPoor ? "supported as such" : "above")))
    }

    @Test func aScoreOnlyHouseholdDoesNotQualifyAndIsToldWhy() throws {
        let household = Fixture.household(income: Income(method: .score, scoreA: 200))
        let assessment = try #require(ClassificationBuilder.build(household, catalogue: Fixture.catalogue)?.lowIncomeWorkers)
        #expect(!assessment.qualifies)
        #expect(assessment.reason.contains("unknown"))
    }

    @Test func standardsWithoutALimitSayNothing() throws {
        let in2027 = Fixture.household(income: Fixture.perCapita(2_000_000), surveyDate: "2027-03-01")
        let classification = try #require(ClassificationBuilder.build(in2027, catalogue: Fixture.catalogue))
        #expect(classification.standard.id == "VN-2027-2030")
        #expect(classification.lowIncomeWorkers == nil)
    }
}
