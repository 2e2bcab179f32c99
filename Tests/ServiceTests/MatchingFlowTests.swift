import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import Logging
import TestSupport
import Testing
@testable import TrainingMatch

/// Matching and the centres' placement events on a real training-match store: one seat, two people, the seat moving
/// when the first declines, and the steps the rules refuse. Expected values from docs/training-rules.md: poor 40,
/// near-poor 30, same commune 20; support is the lower of the course's cost and the group's cap (Decision 46/2015:
/// poor 3,000,000, near-poor 2,500,000).
@Suite struct MatchingFlowTests {
    let store: ServiceStore
    let runner: MatchingRunner
    let placements: BatchApplier
    let catalogue: BatchApplier
    var offset: Int64 = 0

    static let course = Course(
        courseId: "TTDVVL-19-2027-001", version: 1, provider: "Trung tâm Dịch vụ việc làm Thái Nguyên",
        occupation: Occupation(vsco: "7531", isco08: "7531", name: "Thợ may"), level: .underThreeMonths,
        place: CataloguePlace(provinceCode: "19", communeCode: "01843"), startsOn: "2027-02-01", endsOn: "2027-04-30", seats: 1,
        costVnd: 2_800_000, supportGroups: [])

    init() throws {
        store = try ServiceStore(
            path: "\(try TestEnvironment.temporaryDirectory("matching"))/training-match.sqlite", migrations: TrainingMatchService.migrations)
        runner = MatchingRunner(store: store, rules: try .bundled(), today: { "2026-12-06" }, interval: .seconds(1), logger: Logger(label: "test"))
        placements = BatchApplier(store: store, handler: PlacementHandler(sources: .employmentCentres()), service: "training-match")
        catalogue = BatchApplier(
            store: store, handler: CatalogueHandler(validation: CatalogueValidation(areas: try .bundled(), minimumWorkingAge: 15), sources: .employmentCentres()),
            service: "training-match")
        try store.pool.write { db in
            for (id, cls, cap, group) in [("HH-1", HouseholdClass.poor, Int64(3_000_000), SupportGroup.poor), ("HH-2", .nearPoor, 2_500_000, .nearPoor)] {
                let set = TrainingMatchSet(
                    householdId: id, householdVersion: 1, rulesRevision: 1, trainingRulesRevision: 2,
                    area: AreaRef(communeCode: "01843", provinceCode: "19", areaType: .urban), householdClass: cls,
                    candidates: [
                        TrainingCandidate(
                            memberId: "m1", ageYears: 30, sex: .female, employmentStatus: .unemployed, educationAttained: .lowerSecondary,
                            disability: .none, trainingSupportCapVnd: cap, reason: "test", wants: [.training], supportGroup: group)
                    ], surveyDate: "2026-10-01")
                try db.run(
                    "INSERT INTO match_set (household_id, household_version, rules_revision, fingerprint, payload) VALUES (?, 1, 1, '', ?)",
                    [id, Data(try EventJSON.encode(set))])
                try db.run(
                    "INSERT INTO tally_member (household_id, household_version, rules_revision, commune_code, province_code, keys) VALUES (?, 1, 1, '01843', '19', 'training.candidates')",
                    [id])
            }
        }
    }

    mutating func post(_ course: Course) throws {
        let attributes = CloudEventAttributes(id: "course-\(course.version)", source: "/employment-centre/19", type: EventTypes.course, time: "2026-12-06T01:00:00.000Z", subject: course.courseId)
        _ = try catalogue.apply([
            KafkaConsumerMessage(
                topic: Topics.course.name, partition: 0, offset: offset, key: Array(course.courseId.utf8), value: try EventJSON.encode(course),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        ])
        offset += 1
    }

    /// Sends a placement event and returns its answer.
    mutating func report(_ event: PlacementEvent, id: String, key: String? = nil) throws -> PlacementOutcome {
        let attributes = CloudEventAttributes(
            id: id, source: "/employment-centre/19", type: EventTypes.placementEvent, time: "2026-12-06T02:00:00.000Z", subject: event.householdId)
        _ = try placements.apply([
            KafkaConsumerMessage(
                topic: Topics.placementEvent.name, partition: 0, offset: offset, key: Array((key ?? event.householdId).utf8),
                value: try EventJSON.encode(event), headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        ])
        offset += 1
        return try #require(try store.pool.read { db in try OfferStore.outcome(source: "/employment-centre/19", id: id, in: db) })
    }

    func offers(_ household: String) throws -> [TrainingOffer] { try store.pool.read { db in try OfferStore.offers(ofHousehold: household, in: db) } }

    func event(_ household: String, _ kind: PlacementEvent.Kind, on day: String = "2026-12-10") -> PlacementEvent {
        PlacementEvent(householdId: household, memberId: "m1", entry: .course, entryId: Self.course.courseId, kind: kind, occurredOn: day)
    }

    @Test mutating func theSeatGoesToThePoorFirstMovesWhenDeclinedAndIsNeverHeldTwice() throws {
        try post(Self.course)
        #expect(try runner.runIfChanged() == 1)
        let first = try offers("HH-1")
        #expect(first.map(\.entryId) == [Self.course.courseId])
        #expect(first.map(\.score) == [60])
        #expect(first.map(\.supportVnd) == [2_800_000])
        #expect(first.map(\.status) == [.proposed])
        #expect(try offers("HH-2").isEmpty)
        #expect(try runner.runIfChanged() == 0)  // nothing changed since

        // Not proposed to HH-2: refused, naming the entry.
        let unmatched = try report(event("HH-2", .offered), id: "p-1")
        #expect(unmatched.status == .rejected && unmatched.errors.map(\.field) == ["entryId"])
        // HH-1 declines; the next run proposes the seat to HH-2 (30 + 20) and never again to HH-1.
        #expect(try report(event("HH-1", .dropped), id: "p-2").standing == .dropped)
        #expect(try runner.runIfChanged() == 1)
        #expect(try offers("HH-1").map(\.status) == [.dropped])
        let second = try offers("HH-2")
        #expect(second.map(\.score) == [50])
        #expect(second.map(\.supportVnd) == [2_500_000])

        #expect(try report(event("HH-2", .offered), id: "p-3").standing == .offered)
        let early = try report(event("HH-2", .enrolled, on: "2026-12-09"), id: "p-4")
        #expect(early.errors.map(\.field) == ["occurredOn"])
        #expect(try report(event("HH-2", .enrolled, on: "2027-02-01"), id: "p-5").standing == .enrolled)
        #expect(try report(event("HH-2", .completed, on: "2027-04-30"), id: "p-6").errors.map(\.field) == ["certificate"])
        var completed = event("HH-2", .completed, on: "2027-04-30")
        completed.certificate = "SC-2027-0001"
        #expect(try report(completed, id: "p-7").standing == .completed)
        let placed = try report(event("HH-2", .placed, on: "2027-05-15"), id: "p-8")
        #expect(placed.errors.map(\.field) == ["employer", "monthlyWageVnd", "contractType"])
        #expect(try report(event("HH-2", .departed, on: "2027-05-01"), id: "p-9").errors.map(\.field) == ["kind"])
        #expect(try report(event("HH-2", .offered), id: "p-9", key: "HH-1").status == .rejected)  // answered once: the first answer stands
        #expect(try report(event("HH-2", .offered), id: "p-10", key: "HH-1").errors.map(\.field) == ["key"])

        #expect(try offers("HH-2").map(\.status) == [.completed])
        #expect(try offers("HH-2").first?.history.map(\.status) == [.proposed, .offered, .enrolled, .completed])
        // The outcomes counted in the commune: one member offered, enrolled and completed; 2,500,000 committed.
        let counts = try store.pool.read { db in
            try Data.fetchOne(db, sql: "SELECT counts FROM outcome_tally WHERE area_code = '01843'")
        }.map { try EventJSON.decode([String: Int].self, from: $0) }
        #expect(
            counts == [
                "training.outcome.offered": 1, "training.outcome.enrolled": 1, "training.outcome.completed": 1, "training.outcome.dropped": 1,
                "training.outcome.group.nearPoor.offered": 1, "training.outcome.group.nearPoor.enrolled": 1,
                "training.outcome.group.nearPoor.completed": 1, "training.outcome.group.poor.dropped": 1, "training.outcome.supportVnd": 2_500_000,
            ])
        // Each change of a household's offers was published once, versions rising.
        let published = try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.trainingOffer.name])
        }.map { try EventJSON.decode(TrainingOfferSet.self, from: $0) }
        #expect(published.map { "\($0.householdId)@\($0.version):\($0.offers.map(\.status.rawValue).joined(separator: ","))" } == [
            "HH-1@1:proposed", "HH-1@2:dropped", "HH-2@1:proposed", "HH-2@2:offered", "HH-2@3:enrolled", "HH-2@4:completed",
        ])
    }

    /// Once per person (Decision 46/2015): a member trained under a state policy before, or holding a course, is not
    /// proposed another; held seats count against the course; a dropped pair is not proposed again.
    @Test func whatIsTakenKeepsSeatsAndTheOncePerPersonRule() {
        func offer(_ entry: CatalogueOutcome.Entry, _ id: String, _ status: PlacementStatus) -> TrainingOffer {
            TrainingOffer(
                memberId: "m1", entry: entry, entryId: id, occupation: Self.course.occupation, place: Self.course.place, score: 0, reasons: [],
                status: status, history: [])
        }
        let taken = MatchingInputs.taken(
            offers: [
                ("H1", offer(.course, "C1", .enrolled)), ("H2", offer(.course, "C1", .proposed)), ("H3", offer(.course, "C1", .dropped)),
                ("H4", offer(.vacancy, "V1", .departed)), ("H5", offer(.course, "C2", .placed)),
            ], priorTraining: ["H6/m1"])
        #expect(taken.seats == ["C1": 1, "C2": 1])
        #expect(taken.headcount == ["V1": 1])
        #expect(taken.personsWithCourse == ["H1/m1", "H5/m1", "H6/m1"])
        #expect(taken.personsWithVacancy == ["H4/m1", "H5/m1"])
        #expect(taken.declined == ["H3/m1|course|C1"])
    }
}

/// Support caps as dated data (docs/training-rules.md, "Matching" 6).
@Suite struct SupportCapTests {
    static let change = #"{"from": "2027-01-01", "caps": {"disabled": 8000000, "poorEthnicMinority": 6000000, "poor": 4500000, "ethnicMinority": 4500000, "nearPoor": 3500000, "other": 3000000}, "source": "test amendment", "confidence": "[U]"}"#

    func rules(_ changes: String) throws -> TrainingRules {
        let bundled = try JSONEncoder().encode(try TrainingRules.bundled())
        var object = try JSONSerialization.jsonObject(with: bundled) as! [String: Any]
        object["supportCapChanges"] = try JSONSerialization.jsonObject(with: Data("[\(changes)]".utf8))
        return try TrainingRules.load(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func capsFollowTheCourseStartDate() throws {
        let rules = try rules(Self.change)
        // Decision 46/2015 before the change; the change's caps from its day; low-income workers without a cap of their own take `other`.
        #expect(rules.cap(.poor, on: "2026-12-31") == 3_000_000)
        #expect(rules.cap(.poor, on: "2027-01-01") == 4_500_000)
        #expect(rules.cap(.lowIncomeWorker, on: "2027-02-01") == 3_000_000)
        #expect(rules.cap(.newlyEscaped, on: "2026-06-01") == 2_000_000)
    }

    @Test func badChangesAreRefusedNamingTheField() throws {
        let badDate = Self.change.replacingOccurrences(of: "2027-01-01", with: "2027-13-01")
        #expect(throws: FieldError("supportCapChanges[0].from", "'2027-13-01' is not a date (YYYY-MM-DD)")) { try rules(badDate) }
        let badTag = Self.change.replacingOccurrences(of: "[U]", with: "maybe")
        #expect(throws: FieldError("supportCapChanges[0].confidence", "'maybe' is not [C], [M] or [U]")) { try rules(badTag) }
        #expect(throws: FieldError("supportCapChanges[1].from", "2027-01-01 is not after the change before it")) {
            try rules("\(Self.change), \(Self.change)")
        }
    }
}
