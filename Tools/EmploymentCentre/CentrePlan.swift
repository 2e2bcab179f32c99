import Simulation
import EventContracts

// The simulated employment service centre (Trung tâm dịch vụ việc làm): the catalogue it publishes and what it reports
// about the offers training-match proposes. Pure and deterministic, so that it can be tested without the tool and so
// that playing it again changes nothing.

// MARK: - The catalogue

/// A month's catalogue of the simulated centres, one centre per province: courses under three months and elementary
/// (sơ cấp) courses in the communes where the demo's households live and province-wide, domestic vacancies (industrial
/// sewing and electronics assembly in the industrial parks) and work abroad under contract in Japan and Korea.
///
/// The catalogue depends on the month of `today`, the provinces and the seed only: courses start in the next month (on
/// its 3rd–22nd), domestic vacancies close at the end of the next month and work abroad at the end of the one after, so
/// a run on any day of the month publishes the same entries (version 1) under the same ids, which training-match
/// answers `unchanged`; next month's run publishes a new edition under new ids.
///
/// Occupations are VSCO 2020 codes (Decision 34/2020/QĐ-TTg) with their ISCO-08 unit groups. VSCO 2020 took its
/// four-digit groups from ISCO-08, so the codes below are the same in both [M]; each is one whose ISCO-08 group is
/// certain.
public enum CentreCatalogue {
    /// Ids are `TTDVVL-<province>-<yymm>-<KH|VL|XK><nn>`: courses (khóa học), vacancies (việc làm), work abroad (xuất
    /// khẩu lao động), so that the centre (province) publishing an entry is known from its id.
    public static let idPrefix = "TTDVVL-"

    /// - Parameters:
    ///   - provinces: each province (today's code) with the communes where the households to serve live (the first are
    ///     used for commune courses; a province without communes gets province-wide courses only).
    ///   - today: YYYY-MM-DD; every course starts after it and every vacancy is open on it.
    ///   - names: area names by code (province and commune), for the providers' names; codes stand in for missing ones.
    public static func make(
        provinces: [(provinceCode: String, communeCodes: [String])], today: String, seed: UInt64, names: [String: String] = [:]
    ) -> (courses: [Course], vacancies: [Vacancy]) {
        guard let day = CalendarDate(today) else { return ([], []) }
        var month = day
        month.day = 1
        let nextMonth = month.adding(months: 1)
        let edition = String(DecimalText.zeroPadded(day.year % 100, width: 2)) + DecimalText.zeroPadded(day.month, width: 2)
        var courses: [Course] = []
        var vacancies: [Vacancy] = []
        for (province, communes) in provinces {
            let provinceName = names[province] ?? "tỉnh \(province)"
            let employmentCentre = "Trung tâm Dịch vụ việc làm \(provinceName)"
            func vocationalCentre(_ commune: String) -> String {
                "Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên \(shortName(names[commune]) ?? "khu vực \(commune)")"
            }
            for (index, template) in courseTemplates(province).enumerated() {
                let id = "\(idPrefix)\(province)-\(edition)-KH\(DecimalText.zeroPadded(index + 1, width: 2))"
                let draw = SeededDraws(seed: seed, key: id)
                let commune = template.commune.flatMap { communes.isEmpty ? nil : communes[$0 % communes.count] }
                let starts = nextMonth.adding(days: 2 + draw.int("start", 20))
                let ends =
                    template.level == .elementary
                    ? starts.adding(months: 3).adding(days: -1)  // sơ cấp: three months
                    : starts.adding(days: 7 * (5 + draw.int("weeks", 6)) - 1)  // 5–10 weeks
                courses.append(
                    Course(
                        courseId: id, version: 1, provider: commune.map(vocationalCentre) ?? employmentCentre, occupation: template.occupation,
                        level: template.level, place: CataloguePlace(provinceCode: province, communeCode: commune), startsOn: starts.description,
                        endsOn: ends.description, seats: 15 + draw.int("seats", 21), minAge: template.minAge, maxAge: template.maxAge,
                        minEducation: template.minEducation, costVnd: Int64(20 + draw.int("cost", 41)) * 100_000,
                        supportGroups: template.supportGroups))
            }
            let domesticDeadline = lastDay(of: nextMonth)
            for (index, template) in vacancyTemplates(province, provinceName: provinceName).enumerated() {
                let id = "\(idPrefix)\(province)-\(edition)-VL\(DecimalText.zeroPadded(index + 1, width: 2))"
                vacancies.append(
                    template.vacancy(
                        id: id, draw: SeededDraws(seed: seed, key: id), place: CataloguePlace(provinceCode: province, address: template.address),
                        deadline: domesticDeadline))
            }
            let abroadDeadline = lastDay(of: nextMonth.adding(months: 1))
            for (index, template) in abroadTemplates.enumerated() {
                let id = "\(idPrefix)\(province)-\(edition)-XK\(DecimalText.zeroPadded(index + 1, width: 2))"
                vacancies.append(
                    template.vacancy(
                        id: id, draw: SeededDraws(seed: seed, key: id), place: CataloguePlace(countryCode: template.country, address: template.address),
                        deadline: abroadDeadline))
            }
        }
        return (courses, vacancies)
    }

    /// The province of the centre that publishes an entry of this catalogue (from its id), or nil for another id.
    public static func centreProvince(ofEntry id: String) -> String? {
        guard id.hasPrefix(idPrefix) else { return nil }
        let province = id.dropFirst(idPrefix.count).prefix { $0 != "-" }
        return province.isEmpty ? nil : String(province)
    }

    // MARK: occupations (VSCO 2020 = ISCO-08 unit group)

    /// 5120 Cooks.
    static let cook = Occupation(vsco: "5120", isco08: "5120", name: "Nấu ăn")
    /// 6111 Field crop and vegetable growers.
    static let vegetables = Occupation(vsco: "6111", isco08: "6111", name: "Trồng rau an toàn")
    /// 6112 Tree and shrub crop growers (tea, fruit trees).
    static let tea = Occupation(vsco: "6112", isco08: "6112", name: "Trồng và chăm sóc chè")
    static let fruitTrees = Occupation(vsco: "6112", isco08: "6112", name: "Trồng cây ăn quả")
    /// 6122 Poultry producers.
    static let poultry = Occupation(vsco: "6122", isco08: "6122", name: "Chăn nuôi gia cầm")
    /// 7231 Motor vehicle mechanics and repairers (motorcycles included).
    static let motorbikeRepair = Occupation(vsco: "7231", isco08: "7231", name: "Thợ sửa chữa xe máy")
    /// 7411 Building and related electricians.
    static let electrician = Occupation(vsco: "7411", isco08: "7411", name: "Thợ điện dân dụng")
    /// 7531 Tailors, dressmakers, furriers and hatters.
    static let tailor = Occupation(vsco: "7531", isco08: "7531", name: "Thợ may")
    /// 8153 Sewing machine operators.
    static let industrialSewing = Occupation(vsco: "8153", isco08: "8153", name: "Công nhân may công nghiệp")
    /// 8160 Food and related products machine operators.
    static let foodProcessing = Occupation(vsco: "8160", isco08: "8160", name: "Công nhân chế biến thực phẩm")
    /// 8212 Electrical and electronic equipment assemblers.
    static let electronicsAssembly = Occupation(vsco: "8212", isco08: "8212", name: "Công nhân lắp ráp linh kiện điện tử")
    /// 9329 Manufacturing labourers not elsewhere classified.
    static let manufacturingLabourer = Occupation(vsco: "9329", isco08: "9329", name: "Lao động sản xuất chế tạo")

    // MARK: courses

    struct CourseTemplate {
        var occupation: Occupation
        var level: TrainingLevel
        /// Which of the province's communes holds it (modulo their number); nil: province-wide, at the centre.
        var commune: Int?
        var minAge: Int? = 16
        var maxAge: Int? = nil
        var minEducation: EducationLevel? = nil
        var supportGroups: [SupportGroup]
    }

    /// The programme's groups (Decision 46/2015/QĐ-TTg): every course takes them.
    static let programmeGroups: [SupportGroup] = [.disabled, .poorEthnicMinority, .poor, .ethnicMinority, .nearPoor, .newlyEscaped]
    /// Farming courses of the rural-worker scheme also take low-income and other rural workers.
    static let ruralGroups: [SupportGroup] = programmeGroups + [.lowIncomeWorker, .other]

    /// Tailoring, motorbike repair and house wiring everywhere; the farming the province is known for (tea in Thái
    /// Nguyên, fruit trees in Lạng Sơn and Bắc Ninh (Lục Ngạn lychee), vegetables elsewhere) and poultry; cooking where
    /// there are communes to hold it.
    static func courseTemplates(_ province: String) -> [CourseTemplate] {
        let farming: Occupation =
            switch province {
            case "19": tea
            case "20", "24": fruitTrees
            default: vegetables
            }
        return [
            CourseTemplate(occupation: tailor, level: .elementary, commune: 0, maxAge: 50, supportGroups: programmeGroups),
            CourseTemplate(occupation: farming, level: .underThreeMonths, commune: 1, minAge: 18, supportGroups: ruralGroups),
            CourseTemplate(occupation: poultry, level: .underThreeMonths, commune: 2, minAge: 18, supportGroups: ruralGroups),
            CourseTemplate(occupation: motorbikeRepair, level: .underThreeMonths, commune: nil, maxAge: 45, supportGroups: programmeGroups + [.lowIncomeWorker]),
            CourseTemplate(
                occupation: electrician, level: .elementary, commune: nil, minAge: 18, maxAge: 45, minEducation: .lowerSecondary,
                supportGroups: programmeGroups + [.lowIncomeWorker]),
            CourseTemplate(occupation: cook, level: .underThreeMonths, commune: 0, maxAge: 50, supportGroups: programmeGroups + [.lowIncomeWorker]),
        ]
    }

    // MARK: vacancies

    struct VacancyTemplate {
        var employer: String
        var occupation: Occupation
        var address: String?
        var country: String? = nil
        /// Headcount: `headcount.lowerBound` plus a draw below its width.
        var headcount: ClosedRange<Int>
        /// Minimum monthly wage (drawn in steps of 100,000 VND) and how far above it the maximum goes.
        var minWage: ClosedRange<Int64>
        var wageSpread: Int64
        var minAge = 18
        var maxAge: Int
        var minEducation: EducationLevel? = nil
        var skills: [String]
        var accommodatesDisability: Bool

        func vacancy(id: String, draw: SeededDraws, place: CataloguePlace, deadline: CalendarDate) -> Vacancy {
            let steps = Int((minWage.upperBound - minWage.lowerBound) / 100_000) + 1
            let minimum = minWage.lowerBound + Int64(draw.int("wage", steps)) * 100_000
            return Vacancy(
                vacancyId: id, version: 1, employer: employer, occupation: occupation, place: place,
                headcount: headcount.lowerBound + draw.int("headcount", headcount.count), wage: .init(minMonthlyVnd: minimum, maxMonthlyVnd: minimum + wageSpread),
                minAge: minAge, maxAge: maxAge, minEducation: minEducation, skills: skills, accommodatesDisability: accommodatesDisability,
                deadline: deadline.description, abroad: country != nil)
        }
    }

    static func sewing(_ employer: String, address: String?) -> VacancyTemplate {
        VacancyTemplate(
            employer: employer, occupation: industrialSewing, address: address, headcount: 30...60, minWage: 6_000_000...7_000_000,
            wageSpread: 2_500_000, maxAge: 40, skills: ["may máy 1 kim (công ty đào tạo thêm)"], accommodatesDisability: true)
    }

    static func electronics(_ employer: String, address: String?) -> VacancyTemplate {
        VacancyTemplate(
            employer: employer, occupation: electronicsAssembly, address: address, headcount: 20...50, minWage: 7_000_000...8_000_000,
            wageSpread: 3_000_000, maxAge: 35, minEducation: .lowerSecondary, skills: ["làm việc theo ca", "thao tác cẩn thận, tỉ mỉ"],
            accommodatesDisability: false)
    }

    /// Factory jobs in the province's industrial parks: garment factories and electronics assembly in Bắc Ninh (Yên
    /// Phong, Quế Võ, Việt Yên), electronics in Thái Nguyên (Yên Bình) and Hưng Yên (Phố Nối), garment in Lạng Sơn.
    static func vacancyTemplates(_ province: String, provinceName: String) -> [VacancyTemplate] {
        switch province {
        case "24":
            [
                sewing("Công ty TNHH May xuất khẩu Kinh Bắc", address: "Khu công nghiệp Quế Võ"),
                sewing("Công ty Cổ phần May Việt Yên", address: "Khu công nghiệp Vân Trung"),
                electronics("Công ty TNHH Linh kiện điện tử Yên Phong", address: "Khu công nghiệp Yên Phong"),
            ]
        case "19":
            [
                electronics("Công ty TNHH Điện tử Yên Bình", address: "Khu công nghiệp Yên Bình"),
                sewing("Công ty TNHH May mặc Sông Công", address: "Khu công nghiệp Sông Công"),
            ]
        case "33":
            [
                electronics("Công ty TNHH Linh kiện điện tử Phố Nối", address: "Khu công nghiệp Phố Nối A"),
                sewing("Công ty Cổ phần May Phố Hiến", address: "Khu công nghiệp Phố Nối B"),
            ]
        case "20": [sewing("Công ty TNHH May xuất khẩu Xứ Lạng", address: "Khu công nghiệp Đồng Bành")]
        default: [sewing("Công ty TNHH May xuất khẩu \(provinceName)", address: nil)]
        }
    }

    /// Work abroad under contract (Law 69/2020/QH14): technical intern trainees in Japan's food processing, and the
    /// Korean Employment Permit System's manufacturing jobs (ages 18–39). Wages in VND at about 175 VND per yen and 18
    /// VND per won, near each country's minimum wage.
    static let abroadTemplates: [VacancyTemplate] = [
        VacancyTemplate(
            employer: "Công ty chế biến thực phẩm tại tỉnh Aichi, Nhật Bản (tiếp nhận thực tập sinh kỹ năng)", occupation: foodProcessing,
            address: "Aichi, Nhật Bản", country: "JP", headcount: 5...15, minWage: 28_000_000...30_000_000, wageSpread: 4_000_000, maxAge: 35,
            minEducation: .lowerSecondary, skills: ["học tiếng Nhật 4–6 tháng trước khi xuất cảnh", "đạt kiểm tra sức khỏe"],
            accommodatesDisability: false),
        VacancyTemplate(
            employer: "Doanh nghiệp sản xuất tại tỉnh Gyeonggi, Hàn Quốc (Chương trình EPS)", occupation: manufacturingLabourer,
            address: "Gyeonggi, Hàn Quốc", country: "KR", headcount: 5...15, minWage: 38_000_000...40_000_000, wageSpread: 6_000_000, maxAge: 39,
            skills: ["đạt kỳ thi tiếng Hàn EPS-TOPIK", "đạt kiểm tra sức khỏe"], accommodatesDisability: false),
    ]

    static func lastDay(of month: CalendarDate) -> CalendarDate {
        var last = month
        last.day = CalendarDate.days(in: month.month, of: month.year)
        return last
    }

    /// "Phường Bắc Kạn" → "Bắc Kạn".
    static func shortName(_ name: String?) -> String? {
        guard let name else { return nil }
        for kind in ["Phường ", "Xã ", "Thị trấn ", "Đặc khu "] where name.hasPrefix(kind) { return String(name.dropFirst(kind.count)) }
        return name
    }
}

// MARK: - Outcomes

/// How often the simulated centre's people take each path.
public struct CentrePolicy: Sendable, Hashable {
    public var seed: UInt64
    /// Share of proposals the person takes up (the centre offers the seat or post); the rest decline (dropped).
    public var acceptShare: Double
    /// Share of enrolled trainees who complete their course; the rest drop out.
    public var completeShare: Double
    /// Share who get the job: of those offered a vacancy, hired (or, abroad, departed); the rest are not (dropped).
    /// Of trainees who completed a course, those who find a job after it; the rest stay `completed`.
    public var placeShare: Double

    /// Decisions set by hand (for a demonstration or a test), by `<householdId>/<memberId>/<entryId>`. When there are
    /// any, only the offers they name are played: the others wait.
    public var scripts: [String: CentreScript]

    public init(
        seed: UInt64 = 1, acceptShare: Double = 0.75, completeShare: Double = 0.85, placeShare: Double = 0.6, scripts: [String: CentreScript] = [:]
    ) {
        self.seed = seed
        self.acceptShare = acceptShare
        self.completeShare = completeShare
        self.placeShare = placeShare
        self.scripts = scripts
    }
}

/// One offer's path set by hand: whether the person takes it up, completes the course, and is placed (hired, departed
/// abroad, or in work after the course). A decision left out is drawn.
public struct CentreScript: Codable, Sendable, Hashable {
    public var accept: Bool?
    public var complete: Bool?
    public var place: Bool?

    public init(accept: Bool? = nil, complete: Bool? = nil, place: Bool? = nil) {
        self.accept = accept
        self.complete = complete
        self.place = place
    }
}

/// The courses and vacancies the centre knows (the catalogue topics as read), by id: a course's end and level, a
/// vacancy's employer, wages and whether it is abroad.
public struct CentreEntries: Sendable, Hashable {
    public var courses: [String: Course]
    public var vacancies: [String: Vacancy]

    public init(courses: [Course] = [], vacancies: [Vacancy] = []) {
        self.courses = Dictionary(courses.map { ($0.courseId, $0) }, uniquingKeysWith: { $0.version >= $1.version ? $0 : $1 })
        self.vacancies = Dictionary(vacancies.map { ($0.vacancyId, $0) }, uniquingKeysWith: { $0.version >= $1.version ? $0 : $1 })
    }
}

/// One placement event the centre sends, with its `ce_id`.
public struct PlannedPlacement: Sendable, Hashable {
    public var id: String
    public var event: PlacementEvent
}

/// What the simulated centre reports about each offer of a household's set, as placement events
/// (`giamngheo.employment.placement-event.v1`). Pure and deterministic.
///
/// **Paths.** Every decision is drawn from the seed and the pair (household, member, entry), never from the order of
/// offers or sets, and is taken at the status the offer is in, so an offer continues from wherever it stands (set by
/// this simulator or by anyone else) and a newer set only extends what an older one planned:
/// - a proposal is taken up (`acceptShare`) or declined (`dropped`). A member proposed both a course and a vacancy
///   (at any status) pursues one of them, drawn per member, and declines the other while it is proposed;
/// - a course: `offered` → `enrolled` → `completed` (`completeShare`, with the certificate's number) or `dropped` during
///   the course; after completion, `placed` in a job found after it (`placeShare`: a local employer of the trade, a
///   wage, a contract);
/// - a vacancy: `offered` → `placed` at the vacancy's employer, a wage within its range and a fixed-term or indefinite
///   contract, or, abroad, `departed` (`placeShare`); else `dropped` (not hired, or failed the exam or health check).
///   A vacancy the centre does not know (not in `catalogue`) waits at `offered`: its employer is not in the offer.
///
/// **Days.** Each step is dated from the day of the step before (the proposal's day first), so the days never decrease:
/// offered or declined 0–2 days after the proposal (a course's offer not after its first day, a vacancy's not after its
/// deadline, when the proposal was not); enrolled 0–7 days after the offer but not after the course's first day;
/// completed on the course's last day (a course not in `catalogue` is taken to last eight weeks); dropped out 7–27 days
/// into the course (not after its end); placed 10–59 days after completion. A vacancy: hired or turned down 3–14 days
/// after the offer; abroad, departed 90–179 days after the offer (language training, health check, visa) or dropped
/// 14–59 days after it.
///
/// **Horizon.** Nothing dated after `today` is planned: an offer's plan stops at its first step after `today`, and a
/// later run (a later day, or `today` set ahead) carries on from the status training-match then publishes.
///
/// **Ids.** `<householdId>/<memberId>/<course|vacancy>/<entryId>/<proposal day>/<kind>`: each kind happens at most once
/// on a pair, so replaying a plan sends the same ids, which training-match ignores (same `ce_source` and `ce_id`). The
/// proposal's day keeps a pair proposed again on a later day (after a proposal moved to someone else) from reusing the
/// ids of the first proposal.
public enum CentrePlan {
    public static func steps(
        for offers: TrainingOfferSet, policy: CentrePolicy, today: String, catalogue: CentreEntries = CentreEntries()
    ) -> [PlannedPlacement] {
        guard let today = CalendarDate(today) else { return [] }
        return offers.offers.flatMap { offer in
            steps(for: offer, of: offers, policy: policy, today: today, catalogue: catalogue)
        }
    }

    static func steps(
        for offer: TrainingOffer, of set: TrainingOfferSet, policy: CentrePolicy, today: CalendarDate, catalogue: CentreEntries
    ) -> [PlannedPlacement] {
        guard let proposedOn = offer.history.first.flatMap({ CalendarDate($0.on) }), var last = offer.history.last.flatMap({ CalendarDate($0.on) })
        else { return [] }
        let script = policy.scripts["\(set.householdId)/\(offer.memberId)/\(offer.entryId)"]
        if !policy.scripts.isEmpty && script == nil { return [] }
        let pair = "\(set.householdId)/\(offer.memberId)/\(offer.entry.rawValue)/\(offer.entryId)"
        let draw = SeededDraws(seed: policy.seed, key: pair)
        // A member proposed both kinds pursues one: drawn per member, so both offers agree.
        // Dropped offers count too: a decision taken stays the same when the other offer ends first.
        let kinds = Set(set.offers.filter { $0.memberId == offer.memberId }.map(\.entry))
        let pursued: CatalogueOutcome.Entry =
            kinds.count < 2 || script?.accept != nil ? offer.entry : (SeededDraws(seed: policy.seed, key: "\(set.householdId)/\(offer.memberId)").unit("pursues") < 0.5 ? .course : .vacancy)
        var status = offer.status
        var plan: [PlannedPlacement] = []
        while let event = next(
            after: status, on: last, offer: offer, householdId: set.householdId, pursued: pursued == offer.entry,
            decide: Decisions(draw: draw, policy: policy, script: script), catalogue: catalogue)
        {
            guard let day = CalendarDate(event.occurredOn), day <= today else { break }
            plan.append(PlannedPlacement(id: "\(pair)/\(proposedOn)/\(event.kind.rawValue)", event: event))
            guard let reached = PlacementStatus(rawValue: event.kind.rawValue) else { break }
            (status, last) = (reached, day)
        }
        return plan
    }

    /// The step that follows `status` (reached on `day`), or nil where the path ends or waits.
    static func next(
        after status: PlacementStatus, on day: CalendarDate, offer: TrainingOffer, householdId: String, pursued: Bool, decide: Decisions,
        catalogue: CentreEntries
    ) -> PlacementEvent? {
        let draw = decide.draw
        func event(_ kind: PlacementEvent.Kind, _ date: CalendarDate) -> PlacementEvent {
            PlacementEvent(
                householdId: householdId, memberId: offer.memberId, entry: offer.entry, entryId: offer.entryId, kind: kind,
                occurredOn: max(date, day).description)
        }
        let isCourse = offer.entry == .course
        switch status {
        case .proposed:
            guard pursued, decide.accept else { return event(.dropped, day.adding(days: draw.int("declined", 3))) }
            var offered = day.adding(days: draw.int("offered", 3))
            if isCourse, let starts = offer.startsOn.flatMap(CalendarDate.init) { offered = min(offered, starts) }
            if !isCourse, let deadline = offer.deadline.flatMap(CalendarDate.init) { offered = min(offered, deadline) }
            return event(.offered, offered)
        case .offered where isCourse:
            var enrolled = day.adding(days: draw.int("enrolled", 8))
            if let starts = offer.startsOn.flatMap(CalendarDate.init) { enrolled = min(enrolled, starts) }
            return event(.enrolled, enrolled)
        case .offered:
            let vacancy = catalogue.vacancies[offer.entryId]
            let abroad = vacancy?.abroad ?? (offer.place.countryCode.map { $0 != "VN" } ?? false)
            let hired = decide.place
            if abroad {
                return hired
                    ? event(.departed, day.adding(days: 90 + draw.int("departed", 90)))
                    : event(.dropped, day.adding(days: 14 + draw.int("failed", 46)))
            }
            guard hired else { return event(.dropped, day.adding(days: 3 + draw.int("turned-down", 12))) }
            guard let vacancy else { return nil }
            var placed = event(.placed, day.adding(days: 3 + draw.int("hired", 12)))
            let top = vacancy.wage.maxMonthlyVnd ?? vacancy.wage.minMonthlyVnd + vacancy.wage.minMonthlyVnd / 10
            let spread = max(0, (top - vacancy.wage.minMonthlyVnd) / 100_000)
            placed.employer = vacancy.employer
            placed.monthlyWageVnd = max(vacancy.wage.minMonthlyVnd, 100_000) + Int64(draw.int("wage", Int(spread) + 1)) * 100_000
            placed.contractType = draw.unit("contract") < 0.75 ? .fixedTerm : .indefinite
            return placed
        case .enrolled:
            let course = catalogue.courses[offer.entryId]
            let starts = offer.startsOn.flatMap(CalendarDate.init) ?? day
            let ends = course.flatMap { CalendarDate($0.endsOn) } ?? starts.adding(days: 55)
            guard decide.complete else {
                return event(.dropped, min(ends, max(day, starts).adding(days: 7 + draw.int("dropped-out", 21))))
            }
            var completed = event(.completed, ends)
            let prefix =
                switch course?.level {
                case .elementary?: "SC"  // chứng chỉ sơ cấp
                case .underThreeMonths?: "CCĐT"  // chứng chỉ đào tạo
                case nil: "CC"
                }
            completed.certificate = "\(prefix)-\(max(ends, day).year)-\(DecimalText.zeroPadded(draw.int("certificate", 1_000_000), width: 6))"
            return completed
        case .completed:
            guard decide.place else { return nil }
            let jobs = jobs(after: offer.occupation)
            let job = jobs[draw.int("job", jobs.count)]
            var placed = event(.placed, day.adding(days: 10 + draw.int("found-job", 50)))
            placed.employer = job.employer
            let steps = Int((job.wage.upperBound - job.wage.lowerBound) / 100_000) + 1
            placed.monthlyWageVnd = job.wage.lowerBound + Int64(draw.int("wage", steps)) * 100_000
            placed.contractType = job.contract
            return placed
        case .dropped, .placed, .departed:
            return nil
        }
    }

    /// The three decisions of an offer's path: set by its script, else drawn.
    struct Decisions {
        let draw: SeededDraws
        let policy: CentrePolicy
        let script: CentreScript?

        var accept: Bool { script?.accept ?? (draw.unit("accept") < policy.acceptShare) }
        var complete: Bool { script?.complete ?? (draw.unit("complete") < policy.completeShare) }
        var place: Bool { script?.place ?? (draw.unit("place") < policy.placeShare) }
    }

    struct Job {
        var employer: String
        var wage: ClosedRange<Int64>
        var contract: PlacementEvent.ContractType
    }

    /// Where a trainee finds work after a course, by the course's occupation: a local workshop or firm of the trade, or
    /// working on their own (no contract).
    static func jobs(after occupation: Occupation) -> [Job] {
        switch occupation.isco08 {
        case "7531":
            [Job(employer: "Xưởng may gia công tại địa phương", wage: 4_500_000...7_000_000, contract: .fixedTerm),
             Job(employer: "Tự làm: nhận may đo tại nhà", wage: 3_500_000...6_000_000, contract: .noContract)]
        case "7231":
            [Job(employer: "Hộ kinh doanh sửa chữa xe máy tại địa phương", wage: 5_000_000...8_000_000, contract: .fixedTerm),
             Job(employer: "Tự làm: mở tiệm sửa chữa xe máy", wage: 5_000_000...9_000_000, contract: .noContract)]
        case "7411":
            [Job(employer: "Công ty xây lắp điện tại địa phương", wage: 6_000_000...9_000_000, contract: .fixedTerm),
             Job(employer: "Tự làm: sửa chữa điện dân dụng", wage: 5_000_000...8_000_000, contract: .noContract)]
        case "5120":
            [Job(employer: "Nhà hàng, bếp ăn tập thể tại địa phương", wage: 5_000_000...7_500_000, contract: .fixedTerm)]
        case let code where code.hasPrefix("6"):
            [Job(employer: "Hợp tác xã nông nghiệp tại địa phương", wage: 3_500_000...5_500_000, contract: .seasonal),
             Job(employer: "Tự sản xuất tại hộ gia đình", wage: 3_000_000...5_000_000, contract: .noContract)]
        default:
            [Job(employer: "Doanh nghiệp tại địa phương", wage: 5_000_000...7_000_000, contract: .fixedTerm)]
        }
    }
}
