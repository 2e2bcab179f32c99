import Areas
import EmploymentCentre
import EventContracts
import Intake
import Testing
import TrainingMatch

/// The simulated employment centre: its catalogue passes training-match's validation, and its outcomes are the steps
/// training-match's placement lifecycle accepts, the same however often and from wherever they are planned.
@Suite struct CentrePlanTests {
    static let areas = try! AreaRegistry.bundled()
    static let today = "2026-12-06"
    /// The demo's communes (the first three of each seed province), as `giamngheo-admin employment-centre` takes them.
    static let provinces: [(provinceCode: String, communeCodes: [String])] = ["19", "20", "24", "33"].map { province in
        (province, DemoHouseholds.demoCommunes(areas).filter { $0.provinceCode == province }.map(\.code))
    }
    static let catalogue = CentreCatalogue.make(provinces: provinces, today: today, seed: 1, names: ["19": "Thái Nguyên", "01843": "Phường Bắc Kạn"])
    static let entries = CentreEntries(courses: catalogue.courses, vacancies: catalogue.vacancies)
    static let later = "2028-06-30"

    // MARK: the catalogue

    @Test func everyCatalogueEntryPassesValidation() {
        let validation = CatalogueValidation(areas: Self.areas, minimumWorkingAge: 15)
        #expect(Self.catalogue.courses.count == 24 && Self.catalogue.vacancies.count == 16)
        for course in Self.catalogue.courses { #expect(validation.problems(course) == [], "\(course.courseId)") }
        for vacancy in Self.catalogue.vacancies { #expect(validation.problems(vacancy) == [], "\(vacancy.vacancyId)") }
        let ids = Self.catalogue.courses.map(\.courseId) + Self.catalogue.vacancies.map(\.vacancyId)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { CentreCatalogue.centreProvince(ofEntry: $0).map { ["19", "20", "24", "33"].contains($0) } == true })
    }

    @Test func coursesAreShortSupportedAndInTheDemoCommunes() throws {
        let today = try #require(CalendarDate(Self.today))
        let demoCommunes = Set(Self.provinces.flatMap(\.communeCodes))
        for course in Self.catalogue.courses {
            let starts = try #require(CalendarDate(course.startsOn))
            let ends = try #require(CalendarDate(course.endsOn))
            #expect(starts > today && ends > starts && ends < starts.adding(months: 3), "\(course.courseId)")
            #expect((15...35).contains(course.seats) && (2_000_000...6_000_000).contains(course.costVnd), "\(course.courseId)")
            #expect(course.version == 1 && course.supportGroups.contains(.poor) && course.supportGroups.contains(.nearPoor))
            #expect(course.place.communeCode.map(demoCommunes.contains) ?? true, "\(course.courseId)")
        }
        #expect(Set(Self.catalogue.courses.map(\.level)) == [.elementary, .underThreeMonths])
        let tailoring = try #require(Self.catalogue.courses.first { $0.place.communeCode == "01840" && $0.occupation.vsco == "7531" })
        #expect(tailoring.provider == "Trung tâm Giáo dục nghề nghiệp – Giáo dục thường xuyên khu vực 01840", "no name given for 01840")
        let repair = try #require(Self.catalogue.courses.first { $0.place.provinceCode == "19" && $0.occupation.vsco == "7231" })
        #expect(repair.provider == "Trung tâm Dịch vụ việc làm Thái Nguyên" && repair.place.communeCode == nil)
        #expect(Self.catalogue.courses.contains { $0.provider.hasSuffix("Giáo dục thường xuyên Bắc Kạn") })
    }

    @Test func vacanciesAreFactoriesInBacNinhAndWorkAbroad() {
        let vacancies = Self.catalogue.vacancies
        let sewingInBacNinh = vacancies.filter { $0.place.provinceCode == "24" && $0.occupation.isco08 == "8153" }
        #expect(sewingInBacNinh.count == 2 && sewingInBacNinh.allSatisfy { !$0.abroad && $0.deadline == "2027-01-31" })
        #expect(vacancies.contains { $0.place.provinceCode == "24" && $0.occupation.isco08 == "8212" })
        let abroad = vacancies.filter(\.abroad)
        #expect(Set(abroad.compactMap(\.place.countryCode)) == ["JP", "KR"] && abroad.count == 8)
        #expect(abroad.allSatisfy { $0.place.provinceCode == nil && $0.deadline == "2027-02-28" && $0.wage.minMonthlyVnd >= 28_000_000 })
        for vacancy in vacancies {
            #expect((vacancy.wage.maxMonthlyVnd ?? 0) > vacancy.wage.minMonthlyVnd && vacancy.headcount >= 5 && vacancy.sex == nil)
        }
    }

    @Test func theCatalogueIsTheSameAllMonthAndNewNextMonth() {
        let again = CentreCatalogue.make(provinces: Self.provinces, today: "2026-12-28", seed: 1, names: ["19": "Thái Nguyên", "01843": "Phường Bắc Kạn"])
        #expect(again.courses == Self.catalogue.courses && again.vacancies == Self.catalogue.vacancies)
        let otherSeed = CentreCatalogue.make(provinces: Self.provinces, today: Self.today, seed: 2)
        #expect(otherSeed.courses.map(\.courseId) == Self.catalogue.courses.map(\.courseId))
        #expect(otherSeed.courses.map(\.seats) != Self.catalogue.courses.map(\.seats))
        let january = CentreCatalogue.make(provinces: Self.provinces, today: "2027-01-02", seed: 1)
        #expect(Set(january.courses.map(\.courseId)).isDisjoint(with: Self.catalogue.courses.map(\.courseId)))
        #expect(january.courses.allSatisfy { $0.startsOn >= "2027-02-01" })
    }

    // MARK: outcomes

    /// A household of the demo's Phường Đức Xuân with one member proposed each course of its province, another each
    /// vacancy (domestic and abroad), proposed on `today`.
    static func offerSet(_ household: String, courses: [Course] = [], vacancies: [Vacancy] = [], proposedOn: String = today) -> TrainingOfferSet {
        let courseOffers = courses.enumerated().map { index, course in
            TrainingOffer(
                memberId: "m\(index + 1)", entry: .course, entryId: course.courseId, occupation: course.occupation, place: course.place,
                startsOn: course.startsOn, score: 60, reasons: ["wants training"], status: .proposed, supportVnd: min(course.costVnd, 3_000_000),
                history: [PlacementStep(status: .proposed, on: proposedOn)])
        }
        let vacancyOffers = vacancies.enumerated().map { index, vacancy in
            TrainingOffer(
                memberId: "m\(courses.count + index + 1)", entry: .vacancy, entryId: vacancy.vacancyId, occupation: vacancy.occupation,
                place: vacancy.place, deadline: vacancy.deadline, score: 50, reasons: ["wants a job"], status: .proposed,
                history: [PlacementStep(status: .proposed, on: proposedOn)])
        }
        return TrainingOfferSet(householdId: household, version: 1, communeCode: "01840", provinceCode: "19", offers: courseOffers + vacancyOffers)
    }

    static let thaiNguyen = (
        courses: catalogue.courses.filter { $0.place.provinceCode == "19" }, vacancies: catalogue.vacancies.filter { $0.vacancyId.hasPrefix("TTDVVL-19-") }
    )

    static func plan(_ set: TrainingOfferSet, today: String = later, policy: CentrePolicy = CentrePolicy(), catalogue: CentreEntries = entries)
        -> [PlannedPlacement]
    {
        CentrePlan.steps(for: set, policy: policy, today: today, catalogue: catalogue)
    }

    /// Plays the planned events against training-match's lifecycle, pair by pair; returns each pair's offer at the end.
    static func play(_ plan: [PlannedPlacement], on set: TrainingOfferSet) -> [String: TrainingOffer] {
        var offers = Dictionary(uniqueKeysWithValues: set.offers.map { ("\($0.memberId)|\($0.entryId)", $0) })
        for planned in plan {
            let key = "\(planned.event.memberId)|\(planned.event.entryId)"
            guard var offer = offers[key] else {
                Issue.record("\(planned.id): no such offer")
                continue
            }
            let capacity = entries.courses[offer.entryId]?.seats ?? entries.vacancies[offer.entryId]?.headcount ?? 1
            let facts = PlacementLifecycle.EntryFacts(capacity: capacity, heldByOthers: 0, abroad: entries.vacancies[offer.entryId]?.abroad ?? false)
            switch PlacementLifecycle.apply(planned.event, status: offer.status, history: offer.history, entry: facts) {
            case .success(let status):
                offer.status = status
                offer.history.append(PlacementStep(status: status, on: planned.event.occurredOn, event: "/employment-centre/19/\(planned.id)"))
                offers[key] = offer
            case .failure(let failure):
                Issue.record("\(planned.id): \(failure.errors)")
            }
        }
        return offers
    }

    /// Over many households, every planned step is one training-match accepts, in order, and every path occurs.
    @Test func plannedStepsAreAcceptedByThePlacementLifecycle() {
        var finals: [String: Int] = [:]
        var kinds: [PlacementEvent.Kind: Int] = [:]
        for n in 0..<150 {
            let set = Self.offerSet("h-\(n)", courses: Self.thaiNguyen.courses, vacancies: Self.thaiNguyen.vacancies)
            let plan = Self.plan(set)
            for planned in plan { kinds[planned.event.kind, default: 0] += 1 }
            for (_, offer) in Self.play(plan, on: set) { finals["\(offer.entry.rawValue) \(offer.status.rawValue)", default: 0] += 1 }
            for planned in plan where planned.event.kind == .placed {
                #expect(!(planned.event.employer ?? "").isEmpty && (planned.event.monthlyWageVnd ?? 0) > 0 && planned.event.contractType != nil)
                if let vacancy = Self.entries.vacancies[planned.event.entryId] {
                    #expect(planned.event.employer == vacancy.employer)
                    #expect((vacancy.wage.minMonthlyVnd...(vacancy.wage.maxMonthlyVnd ?? .max)).contains(planned.event.monthlyWageVnd ?? 0))
                }
            }
            for planned in plan where planned.event.kind == .completed {
                let course = Self.entries.courses[planned.event.entryId]
                #expect(planned.event.occurredOn == course?.endsOn && (planned.event.certificate ?? "").count > 8)
            }
        }
        for final in ["course dropped", "course completed", "course placed", "vacancy dropped", "vacancy placed", "vacancy departed"] {
            #expect(finals[final, default: 0] > 10, "\(final): \(finals)")
        }
        #expect(finals["course proposed", default: 0] == 0 && finals["vacancy offered", default: 0] == 0, "\(finals)")
        #expect(kinds[.offered, default: 0] > kinds[.enrolled, default: 0] && kinds[.enrolled, default: 0] > kinds[.completed, default: 0], "\(kinds)")
    }

    @Test func theSameOffersGiveTheSameEventsAndIds() {
        let set = Self.offerSet("h-7", courses: Self.thaiNguyen.courses, vacancies: Self.thaiNguyen.vacancies)
        let plan = Self.plan(set)
        #expect(!plan.isEmpty && plan == Self.plan(set))
        var reversed = set
        reversed.offers.reverse()
        reversed.version = 9
        #expect(Set(Self.plan(reversed)) == Set(plan), "decisions follow the pair, not the order of offers or the set's version")
        #expect(Set(plan.map(\.id)).count == plan.count)
        let first = plan[0]
        #expect(first.id == "h-7/\(first.event.memberId)/\(first.event.entry.rawValue)/\(first.event.entryId)/2026-12-06/\(first.event.kind.rawValue)")
        #expect(Self.plan(set, policy: CentrePolicy(seed: 2)) != plan)
    }

    /// Planning again from any status a plan reached gives the rest of the plan, the same events under the same ids;
    /// a later day extends a plan without changing what it planned.
    @Test func aNewerSetContinuesWithoutRepeating() {
        for n in 0..<40 {
            let set = Self.offerSet("h-\(n)", courses: Self.thaiNguyen.courses, vacancies: Self.thaiNguyen.vacancies)
            let full = Self.plan(set)
            var current = set
            var sent: [PlannedPlacement] = []
            for planned in full {
                sent.append(planned)
                current.offers = Array(Self.play(sent, on: set).values).sorted { $0.memberId < $1.memberId }
                let rest = Self.plan(current)
                #expect(Set(rest) == Set(full).subtracting(sent), "h-\(n) after \(planned.id)")
            }
            #expect(Self.plan(current).isEmpty, "every path ended")
            for day in ["2026-12-06", "2026-12-20", "2027-01-15", "2027-03-01", "2027-06-30"] {
                let partial = Self.plan(set, today: day)
                #expect(Set(partial).isSubset(of: Set(full)), "h-\(n) \(day)")
                #expect(partial.allSatisfy { $0.event.occurredOn <= day })
            }
        }
    }

    @Test func daysNeverDecreaseAndFollowTheCourse() throws {
        for n in 0..<60 {
            let set = Self.offerSet("h-\(n)", courses: Self.thaiNguyen.courses, vacancies: Self.thaiNguyen.vacancies)
            let plan = Self.plan(set)
            for offer in set.offers {
                let steps = plan.filter { $0.event.memberId == offer.memberId && $0.event.entryId == offer.entryId }.map(\.event)
                let days = steps.map(\.occurredOn)
                #expect(days == days.sorted() && days.allSatisfy { $0 >= Self.today })
                if let enrolled = steps.first(where: { $0.kind == .enrolled }) { #expect(enrolled.occurredOn <= offer.startsOn ?? "") }
                if let departed = steps.first(where: { $0.kind == .departed }) {
                    #expect(departed.occurredOn > "2027-03-01", "departure abroad months after the offer")
                }
            }
        }
    }

    @Test func nothingIsPlannedBeforeTheProposalOrForAClosedPath() {
        let set = Self.offerSet("h-1", courses: Self.thaiNguyen.courses, vacancies: Self.thaiNguyen.vacancies, proposedOn: "2026-12-10")
        #expect(Self.plan(set, today: "2026-12-09").isEmpty)
        #expect(Self.plan(set, today: "not a day").isEmpty)
        var ended = set
        for index in ended.offers.indices { ended.offers[index].status = .dropped }
        #expect(Self.plan(ended).isEmpty)
    }

    @Test func aVacancyTheCentreDoesNotKnowWaitsAtOffered() {
        let domestic = Self.thaiNguyen.vacancies.filter { !$0.abroad }
        for n in 0..<40 {
            let set = Self.offerSet("h-\(n)", vacancies: domestic)
            let known = Self.plan(set, policy: CentrePolicy(acceptShare: 1, placeShare: 1))
            #expect(known.filter { $0.event.kind == .placed }.count == domestic.count)
            let unknown = Self.plan(set, policy: CentrePolicy(acceptShare: 1, placeShare: 1), catalogue: CentreEntries())
            #expect(unknown.map(\.event.kind) == domestic.map { _ in .offered })
        }
    }

    @Test func aMemberProposedACourseAndAJobPursuesOne() {
        var pursued: [CatalogueOutcome.Entry: Int] = [:]
        for n in 0..<100 {
            var set = Self.offerSet("h-\(n)", courses: [Self.thaiNguyen.courses[0]], vacancies: [Self.thaiNguyen.vacancies[0]])
            set.offers[1].memberId = "m1"
            let plan = Self.plan(set, policy: CentrePolicy(acceptShare: 1))
            let declined = plan.filter { $0.event.kind == .dropped && $0.event.occurredOn <= "2026-12-08" }.map(\.event.entry)
            let offered = plan.filter { $0.event.kind == .offered }.map(\.event.entry)
            #expect(declined.count == 1 && offered.count == 1 && declined != offered, "h-\(n)")
            if let entry = offered.first { pursued[entry, default: 0] += 1 }
        }
        #expect(pursued[.course, default: 0] > 30 && pursued[.vacancy, default: 0] > 30, "\(pursued)")
    }
}

/// Paths set by hand: the decisions they name replace the draws, and offers they do not name wait.
@Suite struct CentreScriptTests {
    @Test func aScriptSetsThePathAndLeavesTheRestWaiting() {
        let place = CataloguePlace(provinceCode: "19", communeCode: "01843")
        let occupation = Occupation(vsco: "7531", isco08: "7531", name: "Thợ may")
        func offer(_ member: String, _ entryId: String) -> TrainingOffer {
            TrainingOffer(
                memberId: member, entry: .course, entryId: entryId, occupation: occupation, place: place, startsOn: "2027-03-01", score: 60,
                reasons: [], status: .proposed, supportVnd: 2_800_000, history: [PlacementStep(status: .proposed, on: "2027-01-05")])
        }
        let set = TrainingOfferSet(
            householdId: "h1", version: 1, communeCode: "01843", provinceCode: "19", offers: [offer("m1", "A"), offer("m2", "A"), offer("m3", "A")])
        let policy = CentrePolicy(
            seed: 9, scripts: ["h1/m1/A": CentreScript(accept: true, complete: true, place: false), "h1/m2/A": CentreScript(accept: false)])
        let steps = CentrePlan.steps(for: set, policy: policy, today: "2027-12-31")
        #expect(steps.filter { $0.event.memberId == "m1" }.map(\.event.kind) == [.offered, .enrolled, .completed])
        #expect(steps.filter { $0.event.memberId == "m2" }.map(\.event.kind) == [.dropped])
        #expect(!steps.contains { $0.event.memberId == "m3" })
    }
}
