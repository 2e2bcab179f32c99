import EventContracts

/// A candidate who passes an entry's hard filters, with the matching score (for the centre's ranked list).
public struct RankedCandidate: Codable, Sendable, Hashable {
    public var householdId: String
    public var memberId: String
    public var score: Int
    public var reasons: [String]
    /// Where they stand with the entry, when it was proposed to them.
    public var status: PlacementStatus?
}

/// Every candidate who could take a course or vacancy, best first (score, then person id), as matching would rank
/// them before seats are given out. Pure.
public enum EntryRanking {
    public static func rank(_ course: Course, people: [MatchablePerson], rules: CatalogueMatching.Rules) -> [RankedCandidate] {
        let day = CalendarDate(course.startsOn)
        return sorted(people.compactMap { person in
            CatalogueMatching.score(person, CalendarDate(person.surveyDate), course, day, rules).map {
                ranked(person, $0, CatalogueMatching.reasons(person, occupation: course.occupation, place: course.place, entry: .course))
            }
        })
    }

    public static func rank(_ vacancy: Vacancy, people: [MatchablePerson], rules: CatalogueMatching.Rules) -> [RankedCandidate] {
        let day = CalendarDate(vacancy.deadline)
        return sorted(people.compactMap { person in
            CatalogueMatching.score(person, CalendarDate(person.surveyDate), vacancy, day, rules).map {
                ranked(person, $0, CatalogueMatching.reasons(person, occupation: vacancy.occupation, place: vacancy.place, entry: .vacancy))
            }
        })
    }

    static func ranked(_ person: MatchablePerson, _ score: Int, _ reasons: [String]) -> RankedCandidate {
        RankedCandidate(householdId: person.householdId, memberId: person.memberId, score: score, reasons: reasons, status: nil)
    }

    public static func sorted(_ ranked: [RankedCandidate]) -> [RankedCandidate] {
        ranked.sorted { ($1.score, $0.householdId, $0.memberId) < ($0.score, $1.householdId, $1.memberId) }
    }
}
