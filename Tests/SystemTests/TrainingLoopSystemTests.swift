import EmploymentCentre
import EventContracts
import Foundation
import Intake
import Kafka
import ServiceRuntime
import TestSupport
import Testing
@testable import TrainingMatch

/// The training and job loop over real processes: 200 households of Phường Bắc Kạn (01843, province 19), a catalogue of
/// two courses and two vacancies with fewer seats than people, matching, the centre's outcomes on the topic with
/// training-match killed (`kill -9`) while it applies them, the whole stream replayed, and the figures in the reports.
extension SystemTests {
    /// Head of household `i` (male, 45 at the survey, Kinh, farming; his daughter of 10 is at school): households
    /// 0–49 are poor and he asks for training (G1), 50–99 near-poor asking for training (G2), 100–149 poor asking for a
    /// job (G3), 150–199 near-poor asking for both (G4). Poor: 1,200,000 ₫ a person a month (at most the urban line of
    /// 2,000,000) with an unprotected well, a pit latrine and no smartphone; near-poor: the same income with piped
    /// water, a septic tank and a smartphone (VN-2022-2025, docs/standards.md).
    func trainingHousehold(_ i: Int) -> SurveyInput {
        let poor = i < 50 || (100..<150).contains(i)
        let training = i < 100 || i >= 150
        let job = i >= 100
        let head = MemberFacts(
            relation: .head, sex: .male, ethnicity: "kinh", disability: .none, workingCapacity: .full, healthInsurance: true,
            education: Education(attained: .lowerSecondary, enrolled: false),
            employment: Employment(status: .employed, type: .agriculture, wantsTraining: training, wantsJob: job), socialAllowance: false)
        var child = head
        (child.relation, child.sex, child.nutrition) = (.child, .female, .normal)
        child.education = Education(attained: .none, enrolled: true, currentLevel: .primary)
        child.employment = Employment(status: .notInLabourForce)
        return SurveyInput(
            communeCode: "01843", village: "Tổ \(i % 20 + 1)", reviewKind: .periodic, roundId: "2025-periodic", surveyDate: "2025-10-15",
            members: [
                SurveyMember(fullName: "Nông Văn Hải", cccd: CCCD.make(province: "006", sex: .male, birthYear: 1980, serial: 7_000 + i), birthDate: "1980-03-04", facts: head),
                SurveyMember(fullName: "Nông Thị Hoa", cccd: nil, birthDate: "2015-05-01", facts: child),
            ],
            conditions: LivingConditions(
                housing: Housing(walls: .brick, columns: .reinforcedConcrete, roof: .metalSheet, floorAreaM2: 60),
                water: poor ? .unprotectedDugWell : .piped, latrine: poor ? .pitWithoutSlab : .septic, waste: .collected,
                information: InformationAccess(telecomUse: true, internetUse: true, devices: poor ? [.featurePhone] : [.smartphone]),
                income: Income(method: .declared, monthlyTotalVnd: 2_400_000)))
    }

    /// The catalogue, by hand: course A in the ward (tailoring, 30 seats, 2,800,000 ₫), course B anywhere in the province
    /// (crop growing, 30 seats, 3,500,000 ₫), vacancy V1 in the ward (industrial sewing, 40 posts), vacancy V2 in Japan
    /// (20 posts).
    static let courseA = Course(
        courseId: "TTDVVL-19-2027-A", version: 1, provider: "Trung tâm Dịch vụ việc làm Thái Nguyên",
        occupation: Occupation(vsco: "7531", isco08: "7531", name: "Thợ may"), level: .underThreeMonths,
        place: CataloguePlace(provinceCode: "19", communeCode: "01843"), startsOn: "2027-03-01", endsOn: "2027-05-31", seats: 30,
        costVnd: 2_800_000, supportGroups: [])
    static let courseB = Course(
        courseId: "TTDVVL-19-2027-B", version: 1, provider: "Trung tâm Khuyến nông Thái Nguyên",
        occupation: Occupation(vsco: "6111", isco08: "6111", name: "Trồng cây hằng năm"), level: .underThreeMonths,
        place: CataloguePlace(provinceCode: "19"), startsOn: "2027-03-15", endsOn: "2027-05-15", seats: 30, costVnd: 3_500_000, supportGroups: [])
    static let vacancy1 = Vacancy(
        vacancyId: "VL-19-2027-V1", version: 1, employer: "Công ty TNHH May Bắc Kạn",
        occupation: Occupation(vsco: "8153", isco08: "8153", name: "Công nhân may công nghiệp"),
        place: CataloguePlace(provinceCode: "19", communeCode: "01843"), headcount: 40, wage: .init(minMonthlyVnd: 6_000_000),
        accommodatesDisability: true, deadline: "2027-02-28", abroad: false)
    static let vacancy2 = Vacancy(
        vacancyId: "XKLD-2027-V2", version: 1, employer: "Kyodo Agri Co., Ltd.",
        occupation: Occupation(vsco: "9211", isco08: "9211", name: "Lao động trồng trọt"), place: CataloguePlace(countryCode: "JP"),
        headcount: 20, wage: .init(minMonthlyVnd: 30_000_000), accommodatesDisability: false, deadline: "2027-01-31", abroad: true)

    /// What each person ends with, worked by hand from docs/training-rules.md: score = priority (poor 40, near-poor 30) +
    /// place (same ward 20, same province 10, abroad 0) + 10 for farming before a farming course; seats go by score,
    /// then person id (here: household id), courses before vacancies, then entry id; held places stay, a dropped pair is
    /// not proposed again; support = min(cost, cap) with caps poor 3,000,000, near-poor 2,500,000 (Decision 46/2015).
    ///
    /// Before any outcome: G1 (score 60 for A and B) by id: the first 30 take A, the next 20 B; B's last 10 seats go to
    /// the first 10 near-poor of G2 and G4 by id (score 50). G3 (60 for V1, 40 for V2): the first 40 take V1, the last 10
    /// V2; V2's other 10 posts go to the first 10 of G4 (30).
    /// The centre (the simulator, each path set by hand) then reports: G1 ranks 1–10 offered, enrolled, completed, placed
    /// in a job after the course; 11–20 offered, enrolled, dropped out; 21–30 declined; G3 1–20 offered, placed; 41–50
    /// offered, departed; G4's ten V2 proposals declined: 40 + 30 + 10 + 40 + 20 + 10 = 150 steps.
    /// After them: A's 20 freed seats go to G1 31–50 (A before B), G1 11–30 get B (A dropped), leaving 10 of B for the
    /// same first 10 near-poor; V1 keeps G3 21–40; V2's 10 free posts go to G4 ranks 11–20.
    @Test func theCentresTrainAndPlace200HouseholdsThroughACrashAndAReplay() async throws {
        let system = try RunningSystem(
            ["intake", "eligibility", "training-match", "reporting"], environment: ["training-match": ["MATCHING_INTERVAL_MS": "200", "CALENDAR_DAY": "2026-12-06"]])
        defer { system.stop() }
        try await system.start()
        let surveys = (0..<200).map(trainingHousehold)
        let key = try HouseholdIDKeys.load(file: TestEnvironment.householdIdKeyFile)
        let ids = try surveys.map { try SurveyValidator.validate($0, areas: .bundled(), today: CalendarDate(Date()), householdIds: key).get().householdId }
        let training = system["training-match"].client()
        let centre = ["ce-source": "/employment-centre/19"]
        for (n, course) in [Self.courseA, Self.courseB].enumerated() {
            let posted = try await training.post("/v1/courses", json: course, headers: centre.merging(["ce-id": "course-\(n)"]) { $1 })
            #expect(posted.status == 200, "\(posted.text)")
        }
        for (n, vacancy) in [Self.vacancy1, Self.vacancy2].enumerated() {
            let posted = try await training.post("/v1/vacancies", json: vacancy, headers: centre.merging(["ce-id": "vacancy-\(n)"]) { $1 })
            #expect(posted.status == 200, "\(posted.text)")
        }
        try await system.post(surveys)

        // Ranks by person id within each group (every head is member m1, so by household id).
        func ranked(_ range: Range<Int>) -> [String] { range.map { ids[$0] }.sorted() }
        let (g1, g3, g4) = (ranked(0..<50), ranked(100..<150), ranked(150..<200))
        let nearPoorFirst10 = Array((ranked(50..<100) + g4).sorted().prefix(10))
        let (a, b, v1, v2) = (Self.courseA.courseId, Self.courseB.courseId, Self.vacancy1.vacancyId, Self.vacancy2.vacancyId)

        /// Each household's offers as `entryId:status:score:supportVnd`, sorted.
        func offers() async throws -> [String: [String]] {
            var all: [String: [String]] = [:]
            for id in ids {
                let response = try await training.get("/v1/households/\(id)/matches")
                guard response.status == 200 else { throw FieldError("matches", "\(response.status) \(response.text)") }
                let matches = try response.decode(HouseholdMatches.self)
                all[id] = matches.offers.map { "\($0.entryId):\($0.status.rawValue):\($0.score):\($0.supportVnd.map(String.init) ?? "-")" }.sorted()
            }
            return all
        }
        var before: [String: [String]] = Dictionary(uniqueKeysWithValues: ids.map { ($0, []) })
        for (rank, id) in g1.enumerated() { before[id]! += [rank < 30 ? "\(a):proposed:60:2800000" : "\(b):proposed:60:3000000"] }
        for id in nearPoorFirst10 { before[id]! += ["\(b):proposed:50:2500000"] }
        for (rank, id) in g3.enumerated() { before[id]! += [rank < 40 ? "\(v1):proposed:60:-" : "\(v2):proposed:40:-"] }
        for id in g4.prefix(10) { before[id]! += ["\(v2):proposed:30:-"] }
        for id in ids { before[id]!.sort() }
        var seen: [String: [String]] = [:]
        try? await waitUntil("matching to propose every seat", timeout: .seconds(120), every: .milliseconds(500)) {
            do { seen = try await offers() } catch { print("matches: \(error)"); return false }
            return seen == before
        }
        #expect(seen == before)
        for id in ids where seen[id] != before[id] { print("household \(ids.firstIndex(of: id)!): \(seen[id] ?? []) expected \(before[id]!)") }

        // The centres' outcomes, played by the simulator with each path set by hand (a script), on the topic; training-
        // match is killed once it has answered 60 of the 150 steps. The simulator reads the offers on the topic.
        try await waitUntil("the proposals on the offer topic", timeout: .seconds(60), every: .milliseconds(500)) {
            let records = try await TopicReader.readAll([Topics.trainingOffer.name], brokers: system.broker.address)
            let sets = try TopicReader.latestByKey(records, type: EventTypes.trainingOffer, as: TrainingOfferSet.self)
            return sets.values.reduce(0) { $0 + $1.offers.count } == 120
        }
        var scripts: [String: CentreScript] = [:]
        for (rank, id) in g1.prefix(30).enumerated() {
            scripts["\(id)/m1/\(a)"] = rank < 10 ? CentreScript(accept: true, complete: true, place: true)
                : rank < 20 ? CentreScript(accept: true, complete: false) : CentreScript(accept: false)
        }
        for id in g3.prefix(20) + g3.suffix(10) { scripts["\(id)/m1/\(g3.suffix(10).contains(id) ? v2 : v1)"] = CentreScript(accept: true, place: true) }
        for id in g4.prefix(10) { scripts["\(id)/m1/\(v2)"] = CentreScript(accept: false) }
        let scriptPath = "\(system.dataDir)/centre-script.json"
        try JSONEncoder().encode(scripts).write(to: URL(fileURLWithPath: scriptPath))
        let centreRun = [
            "\(TestEnvironment.binDirectory)/giamngheo-admin", "employment-centre", "--outcomes", "--kafka-brokers", system.broker.address,
            "--today", "2027-12-31", "--script", scriptPath, "--source", "/employment-centre/19", "--timeout", "300",
        ]
        let answered = Counter()
        let follower = TopicFollower(
            config: TestEnvironment.kafkaConfig(system.broker.address), topics: [Topics.placementOutcome.name], logger: TestEnvironment.logger
        ) { _ in answered.add() }
        defer { follower.stop() }
        let playing = Task { try await runOnThreadForTests { try run(centreRun) } }
        try await waitUntil("training-match to answer 60 steps", timeout: .seconds(120), every: .milliseconds(5)) { answered.value >= 60 }
        system["training-match"].kill()
        print("training loop test: training-match killed after \(answered.value) answers")
        try system["training-match"].start()
        try await system["training-match"].waitReady()
        let played = try await playing.value
        #expect(played.contains("150 placement records sent, 150 answered: accepted 150 "), "\(played)")
        #expect(played.contains("refused 0"), "\(played)")

        var after: [String: [String]] = Dictionary(uniqueKeysWithValues: ids.map { ($0, []) })
        for (rank, id) in g1.enumerated() {
            switch rank {
            case ..<10: after[id] = ["\(a):placed:60:2800000"]
            case ..<30: after[id] = ["\(a):dropped:60:2800000", "\(b):proposed:60:3000000"]
            default: after[id] = ["\(a):proposed:60:2800000"]
            }
        }
        for id in nearPoorFirst10 { after[id]! += ["\(b):proposed:50:2500000"] }
        for (rank, id) in g3.enumerated() {
            after[id] = [rank < 20 ? "\(v1):placed:60:-" : rank < 40 ? "\(v1):proposed:60:-" : "\(v2):departed:40:-"]
        }
        for (rank, id) in g4.enumerated() where rank < 20 { after[id]! += [rank < 10 ? "\(v2):dropped:30:-" : "\(v2):proposed:30:-"] }
        for id in ids { after[id]!.sort() }
        try? await waitUntil("the outcomes and the seats they free", timeout: .seconds(120), every: .milliseconds(500)) {
            do { seen = try await offers() } catch { print("matches: \(error)"); return false }
            return seen == after
        }
        #expect(seen == after)
        for id in ids where seen[id] != after[id] { print("household \(ids.firstIndex(of: id)!): \(seen[id] ?? []) expected \(after[id]!)") }
        // No entry is over-assigned: places held or proposed, against seats and posts.
        let taken = seen.values.joined().filter { !$0.contains(":dropped:") }.reduce(into: [String: Int]()) { $0[String($1.prefix { $0 != ":" }), default: 0] += 1 }
        #expect(taken == [a: 30, b: 30, v1: 40, v2: 20])
        let placedHistory = try await training.get("/v1/households/\(g1[0])/matches").decode(HouseholdMatches.self).offers.first?.history
        #expect(placedHistory?.map(\.status) == [.proposed, .offered, .enrolled, .completed, .placed])

        // The centre's ranked list for course A: everyone who wants training in the ward, G1 first (60) by id, then the
        // near-poor (50) by id, each with where they stand.
        let rankedA = try await training.get("/v1/courses/\(a)/candidates").decode([RankedCandidate].self)
        #expect(rankedA.map(\.householdId) == g1 + (ranked(50..<100) + g4).sorted())
        #expect(rankedA.map(\.score) == Array(repeating: 60, count: 50) + Array(repeating: 50, count: 100))
        #expect(rankedA.prefix(50).map { $0.status?.rawValue ?? "-" } == (0..<50).map { $0 < 10 ? "placed" : $0 < 30 ? "dropped" : "proposed" })

        // Refused, naming the field: a completion without enrolment, and a placement of someone never matched.
        func step(_ id: String, _ entry: CatalogueOutcome.Entry, _ entryId: String, _ kind: PlacementEvent.Kind, _ day: String) -> PlacementEvent {
            var event = PlacementEvent(householdId: id, memberId: "m1", entry: entry, entryId: entryId, kind: kind, occurredOn: day)
            (event.certificate, event.employer, event.monthlyWageVnd, event.contractType) = ("CC-1", Self.vacancy1.employer, 6_500_000, .fixedTerm)
            return event
        }
        let early = try await training.post(
            "/v1/placement-events", json: step(g1[40], .course, a, .completed, "2027-05-31"), headers: centre.merging(["ce-id": "bad-1"]) { $1 })
        let earlyFields = try early.decode(PlacementOutcome.self).errors.map(\.field)
        #expect(early.status == 422 && earlyFields == ["kind"], "\(early.text)")
        let stranger = try await training.post(
            "/v1/placement-events", json: step(ids[60], .vacancy, v1, .placed, "2027-02-01"), headers: centre.merging(["ce-id": "bad-2"]) { $1 })
        let strangerFields = try stranger.decode(PlacementOutcome.self).errors.map(\.field)
        #expect(stranger.status == 422 && strangerFields == ["entryId"], "\(stranger.text)")

        // The whole placement topic again, as it stands, then a marker per partition (refused: it names no offer) to
        // know it was all read.
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(system.broker.address), logger: TestEnvironment.logger)
        let sent = try await TopicReader.readAll([Topics.placementEvent.name], brokers: system.broker.address)
        #expect(sent.count == 152)  // the simulator's 150 and the two refused over HTTP
        func records(_ events: [(PlacementEvent, String)]) throws -> [KafkaProducerMessage] {
            try events.map { event, id in
                KafkaProducerMessage(
                    topic: Topics.placementEvent.name, key: Array(event.householdId.utf8), value: try EventJSON.encode(event),
                    headers: CloudEventAttributes(
                        id: id, source: "/employment-centre/19", type: EventTypes.placementEvent, time: "2027-12-31T09:00:00.000Z",
                        subject: event.householdId
                    ).headers.map { KafkaHeader(key: $0.0, string: $0.1) })
            }
        }
        let replay = sent.map { record in
            KafkaProducerMessage(
                topic: Topics.placementEvent.name, key: record.key, value: record.value,
                headers: record.headers)
        }
        #expect(try producer.send(replay).allSatisfy { $0.error == nil })
        let partitions = try #require(try producer.partitionCounts()[Topics.placementEvent.name])
        var keyOf: [Int32: String] = [:]
        for id in ids {
            let partition = KeyPartitioner.partition(key: Array(id.utf8), partitionCount: Int32(partitions))
            if keyOf[partition] == nil { keyOf[partition] = id }
        }
        let markers = keyOf.map { partition, id in (step(id, .course, "NO-SUCH-COURSE", .offered, "2027-06-20"), "marker-\(partition)") }
        #expect(try producer.send(try records(markers)).allSatisfy { $0.error == nil })
        try await waitUntil("training-match to answer the markers", timeout: .seconds(60), every: .milliseconds(300)) {
            for (_, id) in markers where try await training.get("/v1/placement-events?source=%2Femployment-centre%2F19&id=\(id)").status != 422 {
                return false
            }
            return true
        }
        #expect(try await offers() == after, "the replay changed an offer")
        let outcomes = try await TopicReader.readAll([Topics.placementOutcome.name], brokers: system.broker.address)
        var answers: [String: Set<[UInt8]>] = [:]
        for record in outcomes { answers[record.header("ce_id")!, default: []].insert(record.value ?? []) }
        #expect(answers.count == 150 + 2 + markers.count && answers.values.allSatisfy { $0.count == 1 })

        // The figures, by hand: members who reached each step (offered 20 + 20 + 10; enrolled 20; completed 10; dropped
        // 20 + 10; placed 10 + 20; departed 10), all poor but the ten near-poor who declined; support 20 × 2,800,000.
        let reporting = system["reporting"].client()
        let expected = "candidates 200 households 200 offered 50 enrolled 20 completed 10 dropped 30 placed 30 departed 10 support 56000000 "
            + "poor 50/20/10/20/30/10 nearPoor 0/0/0/10/0/0"
        var figures: [String: String] = [:]
        try? await waitUntil("the outcomes in the reports", timeout: .seconds(90), every: .milliseconds(500)) {
            for code in ["01843", "19", "058"] {
                guard let t = try? await reporting.get("/v1/reports/\(code)").decode(AreaReport.self).training, let o = t.outcomes else { return false }
                func steps(_ s: TrainingOutcomeCounts.Steps?) -> String {
                    guard let s else { return "0/0/0/0/0/0" }
                    return "\(s.offered)/\(s.enrolled)/\(s.completed)/\(s.dropped)/\(s.placed)/\(s.departed)"
                }
                let m = o.members
                figures[code] = "candidates \(t.candidates) households \(t.households) offered \(m.offered) enrolled \(m.enrolled) completed \(m.completed) "
                    + "dropped \(m.dropped) placed \(m.placed) departed \(m.departed) support \(o.supportCommittedVnd) "
                    + "poor \(steps(o.byGroup["poor"])) nearPoor \(steps(o.byGroup["nearPoor"]))"
            }
            return figures.values.allSatisfy { $0 == expected }
        }
        #expect(figures == ["01843": expected, "19": expected, "058": expected])
    }
}
