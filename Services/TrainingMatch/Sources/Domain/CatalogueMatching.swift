import EventContracts

/// A candidate as matching reads them: who they are (no name), where they live, what they want, and the group that
/// gives them priority and support.
public struct MatchablePerson: Sendable, Hashable {
    public var householdId: String
    public var memberId: String
    /// Completed age on `surveyDate`.
    public var ageYears: Int
    public var surveyDate: String
    public var sex: Sex
    public var education: EducationLevel
    public var disability: Disability
    public var communeCode: String
    public var provinceCode: String
    public var priority: Priority
    public var supportGroup: SupportGroup
    public var wants: [CandidateInterest]
    public var employmentType: EmploymentType?

    /// The programme's order of priority among candidates: poor, then near-poor, newly escaped, low-income worker.
    public enum Priority: Int, Sendable, Hashable, Comparable {
        case poor = 4, nearPoor = 3, newlyEscaped = 2, lowIncomeWorker = 1
        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public init(
        householdId: String, memberId: String, ageYears: Int, surveyDate: String, sex: Sex, education: EducationLevel, disability: Disability,
        communeCode: String, provinceCode: String, priority: Priority, supportGroup: SupportGroup, wants: [CandidateInterest],
        employmentType: EmploymentType? = nil
    ) {
        self.householdId = householdId
        self.memberId = memberId
        self.ageYears = ageYears
        self.surveyDate = surveyDate
        self.sex = sex
        self.education = education
        self.disability = disability
        self.communeCode = communeCode
        self.provinceCode = provinceCode
        self.priority = priority
        self.supportGroup = supportGroup
        self.wants = wants
        self.employmentType = employmentType
    }

    public var personId: String { "\(householdId)/\(memberId)" }

    /// Completed age on `day`, counted from the age at the survey (birth dates stay in intake): at most a year early.
    func age(on day: CalendarDate?, surveyDay: CalendarDate?) -> Int {
        guard let survey = surveyDay, let day, day > survey else { return ageYears }
        return ageYears + survey.age(on: day)
    }
}

/// A course or vacancy offered to a person, with its score and why.
public struct Offer: Codable, Sendable, Hashable {
    public var householdId: String
    public var memberId: String
    public var entry: CatalogueOutcome.Entry
    public var entryId: String
    public var score: Int
    public var reasons: [String]
}

/// Matches candidates to courses and vacancies (docs/training-rules.md, "Matching"). Pure and deterministic: the same
/// people, entries and day give the same offers.
///
/// Hard filters first: the person wants training (a course) or a job (a vacancy); is of working age on the course's
/// start date or the vacancy's deadline and within the entry's ages; has the education asked for; lives in the
/// course's commune, or its province when it names none, or the vacancy's province (any province for work abroad);
/// is of the sex a vacancy is restricted to; a person with a disability is offered only vacancies that accommodate
/// it; a course must accept the person's support group. Then a score: priority (poor 40, near-poor 30, newly escaped
/// 20, low-income worker 10), place (same commune 20, same province 10), prior work in the occupation's major group 10,
/// disability for a course 5. Seats and headcount are given in order of score (then person and entry id), each person
/// at most one course and one vacancy, so no entry is over-assigned.
public enum CatalogueMatching {
    public struct Rules: Sendable {
        public var minimumWorkingAge: Int
        public var retirementAge: (male: Int, female: Int)

        public init(minimumWorkingAge: Int, retirementAge: (male: Int, female: Int)) {
            self.minimumWorkingAge = minimumWorkingAge
            self.retirementAge = retirementAge
        }
    }

    public static func offers(people: [MatchablePerson], courses: [Course], vacancies: [Vacancy], rules: Rules) -> [Offer] {
        var candidatesByProvince: [String: [Int]] = [:]
        for (index, person) in people.enumerated() { candidatesByProvince[person.provinceCode, default: []].append(index) }
        // Every feasible pair packed in one integer whose order is the allocation's: score (descending), then the
        // person's id, courses before vacancies, then the entry's id (ascending). 100,000 people and 5,000 entries
        // make tens of millions of pairs: 8 bytes each, compared as integers, kept and sorted per score.
        let personRank = ranks(people.map(\.personId))
        let courseRank = ranks(courses.map(\.courseId))
        let vacancyRank = ranks(vacancies.map(\.vacancyId))
        precondition(people.count < 1 << 24 && courses.count < 1 << 15 && vacancies.count < 1 << 15, "too many to pack")
        func pack(_ score: Int, _ person: Int, _ isVacancy: Bool, _ entryRank: Int) -> UInt64 {
            UInt64(255 - min(255, max(0, score))) << 56 | UInt64(personRank[person]) << 32 | (isVacancy ? 1 << 31 : 0) | UInt64(entryRank) << 16
        }
        // One list per score, sorted one at a time: a sort's scratch space is then that of one score's pairs.
        var pairsByScore = [[UInt64]](repeating: [], count: 256)
        let (personAt, courseAt, vacancyAt) = (inverse(personRank), inverse(courseRank), inverse(vacancyRank))
        let surveyDays = people.map { CalendarDate($0.surveyDate) }
        for (index, course) in courses.enumerated() {
            let day = CalendarDate(course.startsOn)
            for person in candidatesByProvince[course.place.provinceCode ?? ""] ?? [] {
                if let score = score(people[person], surveyDays[person], course, day, rules) {
                    pairsByScore[255 - min(255, max(0, score))].append(pack(score, person, false, courseRank[index]))
                }
            }
        }
        let everyone = Array(people.indices)
        for (index, vacancy) in vacancies.enumerated() {
            let day = CalendarDate(vacancy.deadline)
            for person in vacancy.abroad ? everyone : candidatesByProvince[vacancy.place.provinceCode ?? ""] ?? [] {
                if let score = score(people[person], surveyDays[person], vacancy, day, rules) {
                    pairsByScore[255 - min(255, max(0, score))].append(pack(score, person, true, vacancyRank[index]))
                }
            }
        }
        var seatsLeft = courses.map(\.seats)
        var headcountLeft = vacancies.map(\.headcount)
        var hasCourse = [Bool](repeating: false, count: people.count)
        var hasVacancy = [Bool](repeating: false, count: people.count)
        var offers: [Offer] = []
        for level in pairsByScore.indices {
            pairsByScore[level].sort()
            defer { pairsByScore[level] = [] }
            for pair in pairsByScore[level] {
                let person = personAt[Int(pair >> 32 & 0xff_ffff)]
                let isVacancy = pair & (1 << 31) != 0
                let entry = Int(pair >> 16 & 0x7fff)
                let score = 255 - Int(pair >> 56)
                if isVacancy {
                    let index = vacancyAt[entry]
                    guard !hasVacancy[person], headcountLeft[index] > 0 else { continue }
                    (hasVacancy[person], headcountLeft[index]) = (true, headcountLeft[index] - 1)
                    let vacancy = vacancies[index]
                    offers.append(offer(people[person], .vacancy, vacancy.vacancyId, score, vacancy.occupation, vacancy.place))
                } else {
                    let index = courseAt[entry]
                    guard !hasCourse[person], seatsLeft[index] > 0 else { continue }
                    (hasCourse[person], seatsLeft[index]) = (true, seatsLeft[index] - 1)
                    let course = courses[index]
                    offers.append(offer(people[person], .course, course.courseId, score, course.occupation, course.place))
                }
            }
        }
        return offers.sorted { ($0.householdId, $0.memberId, $0.entry.rawValue) < ($1.householdId, $1.memberId, $1.entry.rawValue) }
    }

    /// Each id's position in the sorted ids.
    static func ranks(_ ids: [String]) -> [Int] {
        var rank = [Int](repeating: 0, count: ids.count)
        for (position, index) in ids.indices.sorted(by: { ids[$0] < ids[$1] }).enumerated() { rank[index] = position }
        return rank
    }

    /// The index at each rank.
    static func inverse(_ ranks: [Int]) -> [Int] {
        var at = [Int](repeating: 0, count: ranks.count)
        for (index, rank) in ranks.enumerated() { at[rank] = index }
        return at
    }

    static func offer(
        _ person: MatchablePerson, _ entry: CatalogueOutcome.Entry, _ id: String, _ score: Int, _ occupation: Occupation, _ place: CataloguePlace
    ) -> Offer {
        Offer(
            householdId: person.householdId, memberId: person.memberId, entry: entry, entryId: id, score: score,
            reasons: reasons(person, occupation: occupation, place: place, entry: entry))
    }

    static func score(_ person: MatchablePerson, _ surveyDay: CalendarDate?, _ course: Course, _ day: CalendarDate?, _ rules: Rules) -> Int? {
        guard person.wants.contains(.training), course.supportGroups.isEmpty || course.supportGroups.contains(person.supportGroup),
            fits(person, surveyDay, on: day, minAge: course.minAge, maxAge: course.maxAge, minEducation: course.minEducation, rules),
            course.place.communeCode == nil || course.place.communeCode == person.communeCode
        else { return nil }
        return base(person, occupation: course.occupation, place: course.place) + (person.disability != .none ? 5 : 0)
    }

    static func score(_ person: MatchablePerson, _ surveyDay: CalendarDate?, _ vacancy: Vacancy, _ day: CalendarDate?, _ rules: Rules) -> Int? {
        guard person.wants.contains(.job), vacancy.sex == nil || vacancy.sex == person.sex,
            person.disability == .none || vacancy.accommodatesDisability,
            fits(person, surveyDay, on: day, minAge: vacancy.minAge, maxAge: vacancy.maxAge, minEducation: vacancy.minEducation, rules)
        else { return nil }
        return base(person, occupation: vacancy.occupation, place: vacancy.place)
    }

    static func fits(
        _ person: MatchablePerson, _ surveyDay: CalendarDate?, on day: CalendarDate?, minAge: Int?, maxAge: Int?, minEducation: EducationLevel?,
        _ rules: Rules
    ) -> Bool {
        let age = person.age(on: day, surveyDay: surveyDay)
        let retirement = person.sex == .male ? rules.retirementAge.male : rules.retirementAge.female
        guard age >= max(rules.minimumWorkingAge, minAge ?? 0), age < retirement, age <= (maxAge ?? Int.max) else { return false }
        guard let minEducation else { return true }
        let levels = EducationLevel.allCases
        return (levels.firstIndex(of: person.education) ?? 0) >= (levels.firstIndex(of: minEducation) ?? 0)
    }

    static func base(_ person: MatchablePerson, occupation: Occupation, place: CataloguePlace) -> Int {
        let priority = person.priority.rawValue * 10
        let near = place.communeCode == person.communeCode ? 20 : place.provinceCode == person.provinceCode ? 10 : 0
        return priority + near + (workedIn(person, occupation) ? 10 : 0)
    }

    /// Prior work in the occupation's major group: farming (VSCO 6) for agricultural work; crafts, machine operation
    /// and elementary work (7, 8, 9) for wage work.
    static func workedIn(_ person: MatchablePerson, _ occupation: Occupation) -> Bool {
        switch person.employmentType {
        case .agriculture?: occupation.vsco.hasPrefix("6")
        case .wage?: ["7", "8", "9"].contains(occupation.vsco.prefix(1))
        default: false
        }
    }

    static func reasons(_ person: MatchablePerson, occupation: Occupation, place: CataloguePlace, entry: CatalogueOutcome.Entry) -> [String] {
        var reasons = ["\(entry == .course ? "wants training" : "wants a job")", "priority: \(person.priority)"]
        if place.communeCode == person.communeCode { reasons.append("in the person's commune") }
        else if place.countryCode != nil { reasons.append("work abroad (\(place.countryCode ?? ""))") }
        else { reasons.append("in the person's province") }
        if workedIn(person, occupation) { reasons.append("has worked in \(occupation.name)") }
        return reasons
    }
}
