import Areas
import EventContracts
import Foundation
import Testing
@testable import TrainingMatch

/// The centres' courses and vacancies checked field by field. Codes are real: today's Phường Bắc Kạn (01843) in
/// Thái Nguyên (19) and Phường Bắc Giang (07210) in Bắc Ninh (24) (Decision 19/2025/QĐ-TTg); occupations from VSCO 2020
/// (Decision 34/2020/QĐ-TTg) with their ISCO-08 groups: 7531 tailors, 8153 sewing-machine operators, 6111 field-crop
/// growers.
@Suite struct CatalogueValidationTests {
    static let validation = CatalogueValidation(areas: try! AreaRegistry.bundled(), minimumWorkingAge: 15)

    static let tailoring = Course(
        courseId: "TTDVVL-TN-2027-001", version: 1, provider: "Trung tâm Giáo dục nghề nghiệp Bắc Kạn",
        occupation: Occupation(vsco: "7531", isco08: "7531", name: "Thợ may"), level: .underThreeMonths,
        place: CataloguePlace(provinceCode: "19", communeCode: "01843"), startsOn: "2027-01-10", endsOn: "2027-03-31", seats: 25,
        minAge: 16, maxAge: 55, costVnd: 3_000_000, supportGroups: [.poor, .nearPoor, .newlyEscaped, .poorEthnicMinority])

    static let sewing = Vacancy(
        vacancyId: "BN-2027-0042", version: 1, employer: "Công ty TNHH May Bắc Giang",
        occupation: Occupation(vsco: "8153", isco08: "8153", name: "Công nhân may công nghiệp"),
        place: CataloguePlace(provinceCode: "24", communeCode: "07210"), headcount: 40,
        wage: .init(minMonthlyVnd: 6_500_000, maxMonthlyVnd: 9_000_000), minAge: 18, maxAge: 40, skills: ["may máy 1 kim"],
        accommodatesDisability: true, deadline: "2027-02-28", abroad: false)

    @Test func aWellFormedCourseAndVacancyPass() {
        #expect(Self.validation.problems(Self.tailoring) == [])
        #expect(Self.validation.problems(Self.sewing) == [])
        var japan = Self.sewing
        (japan.place, japan.abroad) = (CataloguePlace(countryCode: "JP"), true)
        japan.occupation = Occupation(vsco: "6111", isco08: "6111", name: "Lao động trồng trọt")
        #expect(Self.validation.problems(japan) == [])
    }

    @Test func aBadCourseIsRefusedNamingEveryField() {
        var course = Self.tailoring
        course.courseId = "khóa học 1"
        course.version = 0
        course.occupation = Occupation(vsco: "7531", isco08: "8153", name: "Thợ may")
        course.place = CataloguePlace(provinceCode: "24", communeCode: "01843")
        course.endsOn = "2027-01-01"
        course.seats = 0
        (course.minAge, course.maxAge) = (14, 12)
        course.costVnd = -1
        course.supportGroups = [.poor, .poor]
        #expect(Self.validation.problems(course).map(\.field) == [
            "courseId", "version", "occupation.isco08", "endsOn", "place.communeCode", "seats", "minAge", "maxAge", "costVnd", "supportGroups",
        ])
    }

    @Test func placesMustBeInForceOnTheDay() {
        var course = Self.tailoring
        course.place = CataloguePlace(provinceCode: "06")
        #expect(Self.validation.problems(course).map(\.field) == ["place.provinceCode"], "Bắc Kạn (06) merged into Thái Nguyên on 2025-07-01")
        course.place = CataloguePlace(provinceCode: "19", communeCode: "01837")
        #expect(Self.validation.problems(course).map(\.field) == ["place.communeCode"], "former Phường Sông Cầu, retired 2025-06-30")
        course.place = CataloguePlace(provinceCode: "19", countryCode: "KR")
        #expect(Self.validation.problems(course).map(\.field) == ["place.countryCode"])
    }

    @Test func aBadVacancyIsRefusedNamingEveryField() {
        var vacancy = Self.sewing
        vacancy.headcount = 0
        vacancy.wage = .init(minMonthlyVnd: 7_000_000, maxMonthlyVnd: 5_000_000)
        vacancy.sex = .female
        vacancy.deadline = "31/01/2027"
        vacancy.skills = [" "]
        #expect(Self.validation.problems(vacancy).map(\.field) == [
            "deadline", "headcount", "wage.maxMonthlyVnd", "skills[0]", "sexRestrictionBasis",
        ])
        vacancy = Self.sewing
        vacancy.abroad = true
        #expect(Self.validation.problems(vacancy).map(\.field) == ["place.countryCode", "place.provinceCode"])
        vacancy.place = CataloguePlace(countryCode: "VN")
        #expect(Self.validation.problems(vacancy).map(\.field) == ["place.countryCode"])
    }
}
