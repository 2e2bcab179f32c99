import Areas
import EventContracts
import Foundation
@testable import Intake
import TestSupport
import Testing

/// A valid survey of a rural commune in Thái Nguyên (02... codes from the bundled area data), to vary per test.
func survey(communeCode: String = "01840", headCCCD: String? = nil, income: Int64 = 4_000_000, members: Int = 2) -> SurveyInput {
    let facts = MemberFacts(
        relation: .head, sex: .male, ethnicity: "tay", disability: .none, workingCapacity: .full, healthInsurance: true,
        education: Education(attained: .upperSecondary, enrolled: false), employment: Employment(status: .employed, type: .agriculture),
        socialAllowance: false)
    var list = [SurveyMember(fullName: "Hoàng Văn An", cccd: headCCCD ?? CCCD.make(sex: .male, birthYear: 1980, serial: 1), birthDate: "1980-03-04", facts: facts)]
    for index in 1..<members {
        var child = facts
        child.relation = .child
        child.sex = .female
        child.education = Education(attained: .none, enrolled: true, currentLevel: .primary)
        child.employment = Employment(status: .notInLabourForce)
        child.nutrition = .normal
        list.append(SurveyMember(fullName: "Hoàng Thị Bình \(index)", cccd: nil, birthDate: "2018-05-0\(index)", facts: child))
    }
    return SurveyInput(
        communeCode: communeCode, village: "Thôn Nà Pài", reviewKind: .periodic, surveyDate: "2026-10-15", members: list,
        conditions: LivingConditions(
            housing: Housing(walls: .brick, columns: .reinforcedConcrete, roof: .metalSheet, floorAreaM2: 60), water: .piped,
            latrine: .septic, waste: .collected, information: InformationAccess(telecomUse: true, internetUse: true, devices: [.smartphone]),
            income: Income(method: .declared, monthlyTotalVnd: income)))
}

let areas = try! AreaRegistry.bundled()
let today = CalendarDate("2026-11-22")!
let householdIds = try! HouseholdIDKeys.load(file: TestEnvironment.householdIdKeyFile)
let surveyRules = SurveyRules(areas: areas, householdIds: householdIds)

func errors(_ input: SurveyInput) -> [FieldError] {
    switch surveyRules.validate(input, today: today) {
    case .success: []
    case .failure(let failure): failure.errors
    }
}

@Suite struct SurveyValidationTests {
    @Test func aValidSurveyIsAcceptedWithDerivedFacts() throws {
        let valid = try surveyRules.validate(survey(), today: today).get()
        #expect(valid.area.provinceCode == "19")
        #expect(valid.area.areaType == .urban)  // 01840 is Phường Đức Xuân
        #expect(valid.members.map(\.ageYears) == [46, 8])
        #expect(valid.conditions.income.monthlyTotalVnd == 4_000_000)
        #expect(valid.roundId == "2026-periodic")
        #expect(valid.snapshot(version: 1, recordedAt: "2026-11-22T08:00:00.000Z").status == .proposed)
        // The id follows commune and head CCCD, so the same household submitted again is the same household.
        #expect(valid.householdId == (try surveyRules.validate(survey(), today: today).get().householdId))
    }

    @Test func cccdOfTheWrongLengthIsNamed() {
        #expect(errors(survey(headCCCD: "01908000001")) == [FieldError("members[0].cccd", "must have 12 digits, has 11 characters")])
    }

    @Test func cccdThatContradictsSexOrBirthYearIsRejected() {
        #expect(errors(survey(headCCCD: "019180000001")).first?.reason.contains("4th digit 1") == true)
        #expect(errors(survey(headCCCD: "019081000001")).first?.reason.contains("do not match the birth year 1980") == true)
        #expect(errors(survey(headCCCD: "999080000001")).first?.reason.contains("not a province code") == true)
    }

    @Test func implausibleIncomeIsRejected() {
        let tooMuch = FieldError("income.monthlyTotalVnd", "is more than 10,000,000,000 ₫ a month, the most intake takes as plausible")
        #expect(errors(survey(income: 9_223_372_036_854_775_807)) == [tooMuch])
        #expect(errors(survey(income: 10_000_000_001)) == [tooMuch])
        #expect(errors(survey(income: 10_000_000_000)).isEmpty)
    }

    @Test func negativeIncomeIsRejected() {
        #expect(errors(survey(income: -1)) == [FieldError("income.monthlyTotalVnd", "must not be negative")])
    }

    @Test func unknownAndRetiredCommunesSayWhy() {
        #expect(errors(survey(communeCode: "99999")).first?.reason.hasPrefix("unknown commune code 99999") == true)
        let retired = errors(survey(communeCode: "01834"))
        #expect(retired.first?.field == "communeCode")
        #expect(retired.first?.reason.contains("retired after 2025-06-30") == true)
        #expect(retired.first?.reason.contains("01840") == true)
        #expect(errors(survey(communeCode: "12ab5")).first?.reason == "'12ab5' is not a 5-digit commune code")
    }

    @Test func everyProblemIsReportedAtOnce() {
        var input = survey()
        input.surveyDate = "2026-02-30"
        input.members[0].fullName = " "
        input.members.append(input.members[0])
        input.conditions.housing.floorAreaM2 = 0
        let fields = Set(errors(input).map(\.field))
        #expect(fields.isSuperset(of: ["surveyDate", "members[0].fullName", "members", "members[2].cccd", "housing.floorAreaM2"]))
    }

    @Test func datesAreRealDays() {
        #expect(CalendarDate("2024-02-29") != nil)
        #expect(CalendarDate("2025-02-29") == nil)
        #expect(CalendarDate("2025-13-01") == nil)
        #expect(CalendarDate("25-01-01") == nil)
        #expect(CalendarDate("2000-03-01")!.age(on: CalendarDate("2026-02-28")!) == 25)
        #expect(CalendarDate("2000-03-01")!.age(on: CalendarDate("2026-03-01")!) == 26)
    }

    @Test func demoHouseholdsAreValid() {
        var generator = DemoHouseholds(seed: 7, communes: DemoHouseholds.demoCommunes(areas))
        for serial in 0..<300 {
            let household = generator.next(serial: serial)
            #expect(errors(household) == [], "demo household \(serial)")
        }
    }
}

@Suite struct AreaRegistryTests {
    @Test func seedProvincesAreComplete() {
        let date = "2026-01-01"
        #expect(areas.communes(on: date, province: "19").count == 92)
        #expect(areas.communes(on: date, province: "20").count == 65)
        #expect(areas.communes(on: date, province: "24").count == 99)
        #expect(areas.communes(on: date, province: "33").count == 104)
        #expect(areas.provinceNames["24"] == "Bắc Ninh")
    }

    @Test func aFormerCommuneIsValidBeforeTheReformOnly() throws {
        let former = try areas.commune("01834", on: "2025-03-01")
        #expect(former.provinceCode == "06")
        #expect(throws: FieldError.self) { try areas.commune("01834", on: "2025-07-01") }
    }

    /// By hand from NQ 1683/NQ-UBTVQH15 Điều 1 (crosswalk.csv) and the GSO districts (former_units.csv): khoản 89 puts
    /// 01834, 01840 and 01846 of Thành phố Bắc Kạn (058) into today's 01840; khoản 90 puts 01837, 01843, 01852 and 01855
    /// (all 058) into 01843; khoản 64 puts 01849 (058) and 01984 (063 Huyện Bạch Thông) into 01849. Khoản 37 and 39
    /// split 05932 Thượng Đình (173 Huyện Phú Bình) between 05908 and 05941.
    @Test func formerDistrictsGroupTodaysCommunesMadeOnlyOfTheirFormerCommunes() throws {
        let city = try #require(areas.formerDistricts["058"])
        #expect(city.name == "Thành phố Bắc Kạn" && city.formerProvinceCode == "06" && city.provinceCode == "19")
        #expect(city.communes == ["01840", "01843"])
        #expect(city.partlyIn == ["01849"])
        #expect(areas.formerDistricts["063"]?.partlyIn.contains("01849") == true)
        #expect(areas.formerDistrictOf["01840"] == "058" && areas.formerDistrictOf["01849"] == nil)
        #expect(areas.formerDistricts["173"]?.communes.contains("05932@2025-06-30") == true, "a split former commune stays in its district")
        #expect(areas.areaName("05467@2025-06-30", on: "2026-01-01") == "Phường Cam Giá (cũ)")
        #expect(areas.areaName("058", on: "2026-01-01") == "Thành phố Bắc Kạn (cũ)")
        // Every commune of today's seed provinces is counted in at most one former district.
        let counted = areas.formerDistricts.values.flatMap(\.communes)
        #expect(counted.count == Set(counted).count)
    }

    @Test func csvHandlesQuotesAndCommas() {
        #expect(CSV.fields(of: #"a,"b, c","d ""e""",,f"#) == ["a", "b, c", #"d "e""#, "", "f"])
    }
}
