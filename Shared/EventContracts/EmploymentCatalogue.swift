/// What the employment service centres (Trung tâm dịch vụ việc làm) publish for training-match: courses and
/// vacancies, each a versioned catalogue entry under the centre's own id (docs/agencies/employment-centres.md).

/// An occupation by its code in the Vietnamese occupation classification (VSCO 2020, Decision 34/2020/QĐ-TTg) and
/// the ISCO-08 group it corresponds to.
public struct Occupation: Codable, Sendable, Hashable {
    /// VSCO 2020 code: 1 to 5 digits, one digit per level (major group … occupation).
    public var vsco: String
    /// ISCO-08 group: 1 to 4 digits.
    public var isco08: String
    public var name: String

    public init(vsco: String, isco08: String, name: String) {
        self.vsco = vsco
        self.isco08 = isco08
        self.name = name
    }
}

/// The level of a supported course (Decision 46/2015/QĐ-TTg: trình độ sơ cấp and training under 3 months).
public enum TrainingLevel: String, Codable, Sendable, CaseIterable {
    case underThreeMonths, elementary
}

/// The groups whose training support the rules set (Decision 46/2015 and Project 4 of the programme), as a course
/// names those it accepts.
public enum SupportGroup: String, Codable, Sendable, CaseIterable {
    case disabled, poorEthnicMinority, poor, ethnicMinority, nearPoor, newlyEscaped, lowIncomeWorker, other
}

/// Where a course is held or a job is: a province, optionally a commune of it (today's codes), or a country abroad.
public struct CataloguePlace: Codable, Sendable, Hashable {
    public var provinceCode: String?
    public var communeCode: String?
    /// ISO 3166-1 alpha-2, for work abroad under contract.
    public var countryCode: String?
    public var address: String?

    public init(provinceCode: String? = nil, communeCode: String? = nil, countryCode: String? = nil, address: String? = nil) {
        self.provinceCode = provinceCode
        self.communeCode = communeCode
        self.countryCode = countryCode
        self.address = address
    }
}

/// A course a centre offers (`giamngheo.employment.course.v1`, key `courseId`; `POST /v1/courses`).
public struct Course: Codable, Sendable, Hashable {
    /// The centre's id for the course, stable across its versions.
    public var courseId: String
    /// A higher version replaces a lower one; the same version again changes nothing.
    public var version: Int
    public var provider: String
    public var occupation: Occupation
    public var level: TrainingLevel
    public var place: CataloguePlace
    public var startsOn: String
    public var endsOn: String
    public var seats: Int
    public var minAge: Int?
    public var maxAge: Int?
    public var minEducation: EducationLevel?
    /// Cost per trainee, VND.
    public var costVnd: Int64
    public var supportGroups: [SupportGroup]

    public init(
        courseId: String, version: Int, provider: String, occupation: Occupation, level: TrainingLevel, place: CataloguePlace, startsOn: String,
        endsOn: String, seats: Int, minAge: Int? = nil, maxAge: Int? = nil, minEducation: EducationLevel? = nil, costVnd: Int64,
        supportGroups: [SupportGroup]
    ) {
        self.courseId = courseId
        self.version = version
        self.provider = provider
        self.occupation = occupation
        self.level = level
        self.place = place
        self.startsOn = startsOn
        self.endsOn = endsOn
        self.seats = seats
        self.minAge = minAge
        self.maxAge = maxAge
        self.minEducation = minEducation
        self.costVnd = costVnd
        self.supportGroups = supportGroups
    }
}

/// A vacancy a centre publishes for an employer (`giamngheo.employment.vacancy.v1`, key `vacancyId`;
/// `POST /v1/vacancies`).
public struct Vacancy: Codable, Sendable, Hashable {
    public struct Wage: Codable, Sendable, Hashable {
        public var minMonthlyVnd: Int64
        public var maxMonthlyVnd: Int64?

        public init(minMonthlyVnd: Int64, maxMonthlyVnd: Int64? = nil) {
            self.minMonthlyVnd = minMonthlyVnd
            self.maxMonthlyVnd = maxMonthlyVnd
        }
    }

    public var vacancyId: String
    public var version: Int
    public var employer: String
    public var occupation: Occupation
    public var place: CataloguePlace
    public var headcount: Int
    public var wage: Wage
    public var minAge: Int?
    public var maxAge: Int?
    public var minEducation: EducationLevel?
    public var skills: [String]
    /// Only where the law allows a job to be for one sex; `sexRestrictionBasis` then names the provision.
    public var sex: Sex?
    public var sexRestrictionBasis: String?
    public var accommodatesDisability: Bool
    /// Last day to apply.
    public var deadline: String
    /// Work abroad under contract (Law 69/2020/QH14): `place.countryCode` is the destination.
    public var abroad: Bool

    public init(
        vacancyId: String, version: Int, employer: String, occupation: Occupation, place: CataloguePlace, headcount: Int, wage: Wage,
        minAge: Int? = nil, maxAge: Int? = nil, minEducation: EducationLevel? = nil, skills: [String] = [], sex: Sex? = nil,
        sexRestrictionBasis: String? = nil, accommodatesDisability: Bool, deadline: String, abroad: Bool
    ) {
        self.vacancyId = vacancyId
        self.version = version
        self.employer = employer
        self.occupation = occupation
        self.place = place
        self.headcount = headcount
        self.wage = wage
        self.minAge = minAge
        self.maxAge = maxAge
        self.minEducation = minEducation
        self.skills = skills
        self.sex = sex
        self.sexRestrictionBasis = sexRestrictionBasis
        self.accommodatesDisability = accommodatesDisability
        self.deadline = deadline
        self.abroad = abroad
    }
}

/// training-match's answer to each catalogue record a centre sends, on `giamngheo.employment.catalogue-outcome.v1`
/// (keyed by the record's correlation id, else its id) and over HTTP: accepted (the entry as it now stands: `open`,
/// `withdrawn`, or `unchanged` for the same version again), or rejected with every field at fault.
public struct CatalogueOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }
    public enum Entry: String, Codable, Sendable { case course, vacancy }
    public enum Standing: String, Codable, Sendable { case open, withdrawn, unchanged }

    public var eventSource: String
    public var eventId: String
    public var correlationId: String
    public var status: Status
    public var entry: Entry
    /// The course or vacancy id, when the record named one.
    public var entryId: String?
    public var version: Int?
    public var standing: Standing?
    public var errors: [FieldError]

    public init(
        eventSource: String, eventId: String, correlationId: String, status: Status, entry: Entry, entryId: String? = nil, version: Int? = nil,
        standing: Standing? = nil, errors: [FieldError] = []
    ) {
        self.eventSource = eventSource
        self.eventId = eventId
        self.correlationId = correlationId
        self.status = status
        self.entry = entry
        self.entryId = entryId
        self.version = version
        self.standing = standing
        self.errors = errors
    }
}
