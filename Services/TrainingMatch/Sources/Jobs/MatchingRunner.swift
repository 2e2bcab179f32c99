import EventContracts
import EventStore
import Foundation
import GRDB
import Logging
import ServiceRuntime

/// Runs matching over the whole store whenever its inputs changed: the current candidates, the open courses and
/// vacancies, and the places the centres' outcomes hold. Proposals move to whoever ranks first on each run; offers the
/// centres took up stay. Each household whose offers changed gets its new set published.
///
/// A run reads one snapshot and writes in one transaction; inputs that change meanwhile bring another run. Seats are
/// never over-held: the centres' steps that take a seat are checked against the seats held when they are applied.
public final class MatchingRunner: Sendable {
    let store: ServiceStore
    let rules: CatalogueMatching.Rules
    let trainingRules: TrainingRules
    let today: @Sendable () -> String
    let logger: Logger
    private let loop: PeriodicLoop

    public init(store: ServiceStore, rules: TrainingRules, today: @escaping @Sendable () -> String, interval: Duration, logger: Logger) {
        self.store = store
        trainingRules = rules
        self.rules = CatalogueMatching.Rules(
            minimumWorkingAge: rules.minimumWorkingAge, retirementAge: (rules.retirementAge.male, rules.retirementAge.female))
        self.today = today
        loop = PeriodicLoop(every: interval)
        self.logger = logger
    }

    public func runBlocking() {
        loop.run {
            do { try runIfChanged() } catch { logger.error("matching failed; retrying", metadata: ["error": "\(error)"]) }
        }
    }

    public func stop() { loop.stop() }

    struct Snapshot {
        var changes: Int64
        var people: [MatchingInputs.Person]
        var places: [String: HouseholdPlace]
        var offers: [OfferStore.Held]
        var courses: [Course]
        var vacancies: [Vacancy]
    }

    /// Runs matching when its inputs changed since the last run; returns the number of households whose offers changed.
    @discardableResult
    public func runIfChanged() throws -> Int {
        let day = today()
        let snapshot = try store.pool.read { db -> Snapshot? in
            let state = try OfferStore.changes(in: db)
            guard state.changes > state.matched else { return nil }
            return try Self.load(day: day, changes: state.changes, in: db)
        }
        guard let snapshot else { return 0 }
        let started = ContinuousClock.now
        let taken = MatchingInputs.taken(
            offers: snapshot.offers.map { ($0.householdId, $0.offer) },
            priorTraining: snapshot.people.filter(\.priorStateTraining).map(\.person.personId))
        let proposed = CatalogueMatching.offers(
            people: snapshot.people.map(\.person), courses: snapshot.courses, vacancies: snapshot.vacancies, rules: rules, taken: taken)
        let groups = Dictionary(snapshot.people.map { ($0.person.personId, $0.person.supportGroup) }, uniquingKeysWith: { a, _ in a })
        let courses = Dictionary(snapshot.courses.map { ($0.courseId, $0) }, uniquingKeysWith: { a, _ in a })
        let vacancies = Dictionary(snapshot.vacancies.map { ($0.vacancyId, $0) }, uniquingKeysWith: { a, _ in a })
        let changed = try store.pool.write { db -> Int in
            var held: [String: OfferStore.Held] = [:]
            for row in try OfferStore.all(in: db) { held[Self.key(row.householdId, row.offer)] = row }
            var touched: Set<String> = []
            var fresh: Set<String> = []
            for offer in proposed {
                let key = Self.key(offer.householdId, offer.memberId, offer.entry, offer.entryId)
                fresh.insert(key)
                let group = groups["\(offer.householdId)/\(offer.memberId)"]
                if var existing = held[key]?.offer {
                    guard existing.status == .proposed, existing.score != offer.score || existing.reasons != offer.reasons else { continue }
                    (existing.score, existing.reasons) = (offer.score, offer.reasons)
                    try OfferStore.save(offer.householdId, existing, supportGroup: group, in: db)
                } else {
                    let course = offer.entry == .course ? courses[offer.entryId] : nil
                    // Support at the rates in force when the course starts.
                    let cap = course.map { trainingRules.cap(group ?? .other, on: $0.startsOn) } ?? 0
                    let made = MatchingInputs.proposal(
                        offer, course: course, vacancy: offer.entry == .vacancy ? vacancies[offer.entryId] : nil, supportCapVnd: cap, day: day)
                    try OfferStore.save(offer.householdId, made, supportGroup: group, in: db)
                }
                touched.insert(offer.householdId)
            }
            for (key, row) in held where row.offer.status == .proposed && !fresh.contains(key) {
                try OfferStore.delete(row.householdId, row.offer, in: db)
                touched.insert(row.householdId)
            }
            var published = 0
            let time = Timestamp.now()
            for householdId in touched.sorted() {
                let place = snapshot.places[householdId] ?? HouseholdPlace(communeCode: "", provinceCode: "", formerUnit: false)
                if let event = try OfferStore.publishIfChanged(householdId, place: place, time: time, in: db) {
                    try Outbox.append(event, in: db)
                    published += 1
                }
            }
            try OfferStore.matched(upTo: snapshot.changes, in: db)
            return published
        }
        if changed > 0 { store.outboxChanged() }
        logger.info(
            "matching ran",
            metadata: [
                "people": "\(snapshot.people.count)", "courses": "\(snapshot.courses.count)", "vacancies": "\(snapshot.vacancies.count)",
                "proposals": "\(proposed.count)", "households_changed": "\(changed)", "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
            ])
        return changed
    }

    static func key(_ householdId: String, _ offer: TrainingOffer) -> String { key(householdId, offer.memberId, offer.entry, offer.entryId) }
    static func key(_ householdId: String, _ memberId: String, _ entry: CatalogueOutcome.Entry, _ entryId: String) -> String {
        "\(householdId)/\(memberId)|\(entry.rawValue)|\(entryId)"
    }

    /// The snapshot a run matches: people of every household with candidates, in the place it is counted today;
    /// courses and vacancies open on `day`; every offer held.
    static func load(day: String, changes: Int64, in db: Database) throws -> Snapshot {
        let (people, places) = try people(in: db)
        var allPlaces = places
        let offers = try OfferStore.all(in: db)
        for row in offers where allPlaces[row.householdId] == nil {
            // A household no longer with candidates keeps the place its offers were published under.
            if let place = try AreaTallies(source: TrainingMatchService.name).place(of: row.householdId, in: db) {
                allPlaces[row.householdId] = HouseholdPlace(communeCode: String(place.communeCode.prefix { $0 != "@" }), provinceCode: place.provinceCode)
            }
        }
        let open = CatalogueStore.Filter(province: nil, commune: nil, occupation: nil, open: true, day: day)
        let courses = try CatalogueStore.entries(.course, open, in: db).map { try EventJSON.decode(Course.self, from: $0.payload) }
        let vacancies = try CatalogueStore.entries(.vacancy, open, in: db).map { try EventJSON.decode(Vacancy.self, from: $0.payload) }
        return Snapshot(changes: changes, people: people, places: allPlaces, offers: offers, courses: courses, vacancies: vacancies)
    }

    /// Every current candidate, in the place their household is counted today.
    static func people(in db: Database) throws -> ([MatchingInputs.Person], [String: HouseholdPlace]) {
        var people: [MatchingInputs.Person] = []
        var places: [String: HouseholdPlace] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT s.payload, t.commune_code, t.province_code FROM \(TrainingMatchService.latest.table) s
                JOIN tally_member t ON t.household_id = s.household_id ORDER BY s.household_id
                """)
        for row in rows {
            let set = try EventJSON.decode(TrainingMatchSet.self, from: row[0] as Data)
            guard !set.candidates.isEmpty else { continue }
            let commune = String((row[1] as String).prefix { $0 != "@" })
            places[set.householdId] = HouseholdPlace(communeCode: commune, provinceCode: row[2])
            people += MatchingInputs.people(of: set, communeCode: commune, provinceCode: row[2])
        }
        return (people, places)
    }
}
