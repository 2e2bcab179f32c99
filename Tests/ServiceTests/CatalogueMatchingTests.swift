import EventContracts
import Testing
@testable import TrainingMatch

/// Matching worked by hand from docs/training-rules.md, "Matching": seven people surveyed on 2026-10-15, a tailoring
/// course in today's Phường Bắc Kạn (01843, province 19), a sewing job in Phường Bắc Giang (07210, province 24) and a
/// farm job in Japan.
@Suite struct CatalogueMatchingTests {
    static let rules = CatalogueMatching.Rules(minimumWorkingAge: 15, retirementAge: (male: 61, female: 57))
    static let course = Course(
        courseId: "C1", version: 1, provider: "Trung tâm GDNN Bắc Kạn", occupation: Occupation(vsco: "7531", isco08: "7531", name: "Thợ may"),
        level: .underThreeMonths, place: CataloguePlace(provinceCode: "19", communeCode: "01843"), startsOn: "2027-01-10", endsOn: "2027-03-31",
        seats: 2, minAge: 16, maxAge: 55, costVnd: 3_000_000, supportGroups: [.poor, .nearPoor])
    static let sewing = Vacancy(
        vacancyId: "V1", version: 1, employer: "May Bắc Giang", occupation: Occupation(vsco: "8153", isco08: "8153", name: "Công nhân may"),
        place: CataloguePlace(provinceCode: "24", communeCode: "07210"), headcount: 1, wage: .init(minMonthlyVnd: 6_500_000), minAge: 18,
        maxAge: 40, accommodatesDisability: true, deadline: "2027-02-28", abroad: false)
    static let japan = Vacancy(
        vacancyId: "V2", version: 1, employer: "JA Kumamoto", occupation: Occupation(vsco: "6111", isco08: "6111", name: "Trồng trọt"),
        place: CataloguePlace(countryCode: "JP"), headcount: 1, wage: .init(minMonthlyVnd: 30_000_000), maxAge: 35,
        accommodatesDisability: false, deadline: "2027-02-28", abroad: true)

    static func person(
        _ id: String, _ priority: MatchablePerson.Priority, _ commune: String, _ province: String, age: Int, sex: Sex = .female,
        wants: [CandidateInterest], group: SupportGroup = .poor, work: EmploymentType? = nil, disability: Disability = .none
    ) -> MatchablePerson {
        MatchablePerson(
            householdId: id, memberId: "m1", ageYears: age, surveyDate: "2026-10-15", sex: sex, education: .lowerSecondary, disability: disability,
            communeCode: commune, provinceCode: province, priority: priority, supportGroup: group, wants: wants, employmentType: work)
    }

    static let people = [
        person("h1", .poor, "01843", "19", age: 30, wants: [.training, .job], work: .agriculture),
        person("h2", .nearPoor, "01843", "19", age: 25, sex: .male, wants: [.training], group: .nearPoor),
        person("h3", .poor, "01840", "19", age: 20, sex: .male, wants: [.training]),  // the course is held in another commune
        person("h4", .poor, "01843", "19", age: 56, wants: [.training]),  // over the course's maxAge 55
        person("h5", .lowIncomeWorker, "01843", "19", age: 22, sex: .male, wants: [.training], group: .lowIncomeWorker),  // group not accepted
        person("h6", .poor, "07210", "24", age: 28, wants: [.job], work: .wage),
        person("h7", .poor, "01843", "19", age: 33, wants: [.job], disability: .disabled),  // the job abroad does not accommodate it
    ]

    /// By hand: h1 → C1 scores 40 (poor) + 20 (same commune) = 60; h2 → C1 30 + 20 = 50; both get one of its 2 seats.
    /// h6 → V1 40 + 20 + 10 (wage work, VSCO 8) = 70. V2 (abroad, any province): h1 40 + 10 (farm work, VSCO 6) = 50,
    /// h6 40; h1 gets it.
    @Test func offersFollowTheFiltersTheScoreAndTheSeats() {
        let offers = CatalogueMatching.offers(people: Self.people, courses: [Self.course], vacancies: [Self.sewing, Self.japan], rules: Self.rules)
        #expect(offers.map { "\($0.householdId) \($0.entryId) \($0.score)" } == ["h1 C1 60", "h1 V2 50", "h2 C1 50", "h6 V1 70"])
        #expect(offers.first?.reasons == ["wants training", "priority: poor", "in the person's commune"])
        #expect(offers.last?.reasons.contains("has worked in Công nhân may") == true)
    }

    @Test func aScarceSeatGoesToTheHigherScoreAndNoEntryIsOverAssigned() {
        var course = Self.course
        course.seats = 1
        var many = Self.people
        for n in 0..<50 { many.append(Self.person("z\(n)", .poor, "01843", "19", age: 40, wants: [.training, .job])) }
        let offers = CatalogueMatching.offers(people: many, courses: [course], vacancies: [Self.sewing, Self.japan], rules: Self.rules)
        #expect(offers.filter { $0.entryId == "C1" }.count == 1 && offers.filter { $0.entryId == "V2" }.count == 1)
        #expect(offers.filter { $0.entryId == "C1" }.map(\.householdId) == ["h1"], "60 beats the equal 60s of z… by id order: h1 < z0")
        #expect(CatalogueMatching.offers(people: many.reversed(), courses: [course], vacancies: [Self.sewing, Self.japan], rules: Self.rules) == offers)
    }

    @Test func ageIsCountedOnTheCoursesStartDate() {
        // 56 at the survey of 2026-10-15: 57 by 2027-10-16, the retirement age for a woman.
        var course = Self.course
        (course.maxAge, course.startsOn) = (nil, "2027-10-16")
        let person = Self.person("h4", .poor, "01843", "19", age: 56, wants: [.training])
        #expect(CatalogueMatching.offers(people: [person], courses: [course], vacancies: [], rules: Self.rules).isEmpty)
        course.startsOn = "2027-10-14"
        #expect(CatalogueMatching.offers(people: [person], courses: [course], vacancies: [], rules: Self.rules).count == 1)
    }
}
