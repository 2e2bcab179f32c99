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

    /// What earlier offers already hold: seats and headcount taken by people the centres offered, enrolled or placed
    /// (they keep them), the people who hold a course or a vacancy (or may not have another supported course), and the
    /// pairs a person dropped or declined (not offered again).
    public struct Taken: Sendable, Hashable {
        public var seats: [String: Int] = [:]
        public var headcount: [String: Int] = [:]
        public var personsWithCourse: Set<String> = []
        public var personsWithVacancy: Set<String> = []
        /// `<personId>|course|<courseId>` or `<personId>|vacancy|<vacancyId>`.
        public var declined: Set<String> = []

        public init() {}

        static func pair(_ personId: String, _ entry: CatalogueOutcome.Entry, _ entryId: String) -> String { "\(personId)|\(entry.rawValue)|\(entryId)" }
    }

    public static func offers(people: [MatchablePerson], courses: [Course], vacancies: [Vacancy], rules: Rules, taken: Taken = Taken()) -> [Offer] {
        // Allocation order: score (descending), then the person's id, courses before vacancies, then the entry's id
        // (ascending). Pairs are made person by person in id order, each person's sorted by score, then kind and
        // entry, as runs of one score; allocating one score at a time then walks the people in id order and takes each
        // one's run of that score. A pair is thus 2 bytes (vacancy bit and entry rank): its score and person are its
        // run's. 100,000 people and 5,000 entries make tens of millions of pairs.
        let personRank = ranks(people.map(\.personId))
        let courseRank = ranks(courses.map(\.courseId))
        let vacancyRank = ranks(vacancies.map(\.vacancyId))
        precondition(people.count < 1 << 24 && courses.count < 1 << 15 && vacancies.count < 1 << 15, "too many to pack")
        let (personAt, courseAt, vacancyAt) = (inverse(personRank), inverse(courseRank), inverse(vacancyRank))
        let surveyDays = people.map { CalendarDate($0.surveyDate) }
        let courseDays = courses.map { CalendarDate($0.startsOn) }
        let vacancyDays = vacancies.map { CalendarDate($0.deadline) }
        var seatsLeft = courses.map { $0.seats - (taken.seats[$0.courseId] ?? 0) }
        var headcountLeft = vacancies.map { $0.headcount - (taken.headcount[$0.vacancyId] ?? 0) }
        var hasCourse = people.map { taken.personsWithCourse.contains($0.personId) }
        var hasVacancy = people.map { taken.personsWithVacancy.contains($0.personId) }
        // A person is paired with the courses and vacancies of their province and the vacancies abroad. No pair is made
        // that could never be allocated: to an entry with no seat or headcount left, or a person who holds that kind.
        var coursesByProvince: [String: [Int]] = [:]
        for index in courses.indices where seatsLeft[index] > 0 { coursesByProvince[courses[index].place.provinceCode ?? "", default: []].append(index) }
        var vacanciesByProvince: [String: [Int]] = [:]
        var vacanciesAbroad: [Int] = []
        for index in vacancies.indices where headcountLeft[index] > 0 {
            if vacancies[index].abroad { vacanciesAbroad.append(index) }
            else { vacanciesByProvince[vacancies[index].place.provinceCode ?? "", default: []].append(index) }
        }
        func levelKey(_ score: Int) -> UInt32 { UInt32(255 - min(255, max(0, score))) << 16 }
        // Declined pairs as person rank and entry key (vacancy bit and entry rank), checked without making strings.
        var declined = Set<Int>()
        if !taken.declined.isEmpty {
            let personIndex = Dictionary(people.indices.map { (people[$0].personId, $0) }, uniquingKeysWith: { first, _ in first })
            let courseIndex = Dictionary(courses.indices.map { (courses[$0].courseId, $0) }, uniquingKeysWith: { first, _ in first })
            let vacancyIndex = Dictionary(vacancies.indices.map { (vacancies[$0].vacancyId, $0) }, uniquingKeysWith: { first, _ in first })
            for pair in taken.declined {
                let parts = pair.split(separator: "|", maxSplits: 2).map(String.init)
                guard parts.count == 3, let person = personIndex[parts[0]] else { continue }
                let entryKey: Int? =
                    parts[1] == CatalogueOutcome.Entry.course.rawValue
                    ? courseIndex[parts[2]].map { courseRank[$0] } : vacancyIndex[parts[2]].map { 1 << 15 | vacancyRank[$0] }
                if let entryKey { declined.insert(personRank[person] << 16 | entryKey) }
            }
        }
        // `pairs` holds the runs back to back, people in id order; run r is `pairs[runEnd[r - 1]..<runEnd[r]]` (from 0
        // for the first), of level `runLevel[r]` (255 - score); the person of rank p has runs `firstRun[p]..<firstRun[p + 1]`.
        var pairs: [UInt16] = []
        var runLevel: [UInt8] = []
        var runEnd: [Int] = []
        var firstRun = [Int](repeating: 0, count: people.count + 1)
        var levelUsed = [Bool](repeating: false, count: 256)
        // People in id order, a block at a time; within a block entry by entry, so that each entry is read (copied)
        // once per block rather than once per pair. `keys[slot]`: the pairs of the block's person at `slot` as level,
        // vacancy bit and entry rank, sorted before they are stored.
        let blockSize = 1024
        var keys = [[UInt32]](repeating: [], count: blockSize)
        for blockStart in stride(from: 0, to: people.count, by: blockSize) {
            let block = blockStart..<min(blockStart + blockSize, people.count)
            var slotsByProvince: [String: [Int]] = [:]
            for rank in block { slotsByProvince[people[personAt[rank]].provinceCode, default: []].append(rank - blockStart) }
            for (province, slots) in slotsByProvince {
                let wantingCourse = slots.filter { !hasCourse[personAt[blockStart + $0]] }
                for entry in wantingCourse.isEmpty ? [] : coursesByProvince[province] ?? [] {
                    let (course, day, entryKey) = (courses[entry], courseDays[entry], UInt32(courseRank[entry]))
                    for slot in wantingCourse {
                        let person = personAt[blockStart + slot]
                        if let score = score(people[person], surveyDays[person], course, day, rules),
                            declined.isEmpty || !declined.contains((blockStart + slot) << 16 | Int(entryKey))
                        {
                            keys[slot].append(levelKey(score) | entryKey)
                        }
                    }
                }
                let wantingVacancy = slots.filter { !hasVacancy[personAt[blockStart + $0]] }
                for entry in wantingVacancy.isEmpty ? [] : (vacanciesByProvince[province] ?? []) + vacanciesAbroad {
                    let (vacancy, day, entryKey) = (vacancies[entry], vacancyDays[entry], 1 << 15 | UInt32(vacancyRank[entry]))
                    for slot in wantingVacancy {
                        let person = personAt[blockStart + slot]
                        if let score = score(people[person], surveyDays[person], vacancy, day, rules),
                            declined.isEmpty || !declined.contains((blockStart + slot) << 16 | Int(entryKey))
                        {
                            keys[slot].append(levelKey(score) | entryKey)
                        }
                    }
                }
            }
            for rank in block {
                let slot = rank - blockStart
                keys[slot].sort()
                for key in keys[slot] {
                    if runLevel.count == firstRun[rank] || UInt32(runLevel[runLevel.count - 1]) != key >> 16 {
                        if runLevel.count > firstRun[rank] { runEnd.append(pairs.count) }
                        runLevel.append(UInt8(key >> 16))
                        levelUsed[Int(key >> 16)] = true
                    }
                    pairs.append(UInt16(truncatingIfNeeded: key))
                }
                if runLevel.count > firstRun[rank] { runEnd.append(pairs.count) }
                firstRun[rank + 1] = runLevel.count
                keys[slot].removeAll(keepingCapacity: true)
            }
        }
        keys = []
        var nextRun = Array(firstRun.dropLast())
        var offers: [Offer] = []
        for level in levelUsed.indices where levelUsed[level] {
            let score = 255 - level
            for rank in 0..<people.count {
                let run = nextRun[rank]
                guard run < firstRun[rank + 1], Int(runLevel[run]) == level else { continue }
                nextRun[rank] = run + 1
                let person = personAt[rank]
                for pair in pairs[(run == 0 ? 0 : runEnd[run - 1])..<runEnd[run]] {
                    let entry = Int(pair & 0x7fff)
                    if pair & (1 << 15) != 0 {
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
