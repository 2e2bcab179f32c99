import EventContracts

/// Matching's view of a household's published candidates: each candidate as a ``MatchablePerson`` in the place the
/// household is counted today.
public enum MatchingInputs {
    public struct Person: Sendable, Hashable {
        public var person: MatchablePerson
        public var priorStateTraining: Bool
    }

    /// - Parameter communeCode: today's commune (a former unit's key loses its `@<day>`).
    public static func people(of set: TrainingMatchSet, communeCode: String, provinceCode: String) -> [Person] {
        guard let householdClass = set.householdClass else { return [] }
        let priority: MatchablePerson.Priority =
            switch householdClass {
            case .poor: .poor
            case .nearPoor: .nearPoor
            default: set.escapedOn != nil ? .newlyEscaped : .lowIncomeWorker
            }
        let commune = String(communeCode.prefix { $0 != "@" })
        return set.candidates.map { candidate in
            Person(
                person: MatchablePerson(
                    householdId: set.householdId, memberId: candidate.memberId, ageYears: candidate.ageYears, surveyDate: set.surveyDate ?? "",
                    sex: candidate.sex, education: candidate.educationAttained, disability: candidate.disability, communeCode: commune,
                    provinceCode: provinceCode, priority: priority, supportGroup: candidate.supportGroup ?? .other,
                    wants: candidate.wants ?? [.training, .job], employmentType: candidate.employmentType),
                priorStateTraining: candidate.priorStateTraining == true)
        }
    }

    /// What the offers already taken up hold, for the next run (``CatalogueMatching/Taken``): seats and posts held,
    /// who holds a course (or had state-supported training before: support is once per person, Decision 46/2015) or a
    /// job, and the pairs dropped or declined.
    public static func taken(offers: [(householdId: String, offer: TrainingOffer)], priorTraining: [String]) -> CatalogueMatching.Taken {
        var taken = CatalogueMatching.Taken()
        taken.personsWithCourse.formUnion(priorTraining)
        for (householdId, offer) in offers {
            let person = "\(householdId)/\(offer.memberId)"
            switch offer.status {
            case .proposed: continue
            case .dropped: taken.declined.insert(CatalogueMatching.Taken.pair(person, offer.entry, offer.entryId))
            default:
                if offer.entry == .course {
                    taken.seats[offer.entryId, default: 0] += 1
                    taken.personsWithCourse.insert(person)
                } else {
                    taken.headcount[offer.entryId, default: 0] += 1
                }
                if offer.entry == .vacancy || offer.status == .placed { taken.personsWithVacancy.insert(person) }
            }
        }
        return taken
    }

    /// The offer of a fresh proposal: a course's support is the lower of its cost and the person's cap on its start.
    public static func proposal(_ offer: Offer, course: Course?, vacancy: Vacancy?, supportCapVnd: Int64, day: String) -> TrainingOffer {
        TrainingOffer(
            memberId: offer.memberId, entry: offer.entry, entryId: offer.entryId,
            occupation: course?.occupation ?? vacancy?.occupation ?? Occupation(vsco: "", isco08: "", name: ""), place: course?.place ?? vacancy?.place ?? CataloguePlace(),
            startsOn: course?.startsOn, deadline: vacancy?.deadline, score: offer.score, reasons: offer.reasons, status: .proposed,
            supportVnd: course.map { min($0.costVnd, supportCapVnd) }, history: [PlacementStep(status: .proposed, on: day)])
    }
}
