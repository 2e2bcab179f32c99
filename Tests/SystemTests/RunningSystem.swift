import Areas
import EventContracts
import Foundation
import Intake
import Kafka
import ServiceRuntime
import TestSupport

/// The five services as real processes on a broker of their own, with their SQLite stores in a temporary folder.
final class RunningSystem: @unchecked Sendable {
    // @unchecked: set up once in init; the processes handle their own synchronisation.
    let broker: LocalBroker
    let dataDir: String
    let services: [String: ServiceProcess]

    static let allServices = ["intake", "eligibility", "loan-referral", "training-match", "reporting"]

    /// - Parameter environment: extra environment per service name.
    init(_ names: [String] = RunningSystem.allServices, environment: [String: [String: String]] = [:]) throws {
        broker = try LocalBroker()
        dataDir = try TestEnvironment.temporaryDirectory("system")
        var services: [String: ServiceProcess] = [:]
        for name in names {
            services[name] = try ServiceProcess(name, brokers: broker.address, dataDir: dataDir, extraEnvironment: environment[name] ?? [:])
        }
        self.services = services
        try run(["\(TestEnvironment.binDirectory)/giamngheo-admin", "topics", "--kafka-brokers", broker.address])
    }

    func start() async throws {
        for service in services.values { try service.start() }
        for service in services.values { try await service.waitReady() }
    }

    func stop() {
        for service in services.values { service.stop() }
        broker.stop()
    }

    subscript(name: String) -> ServiceProcess { services[name]! }

    var intake: JSONHTTPClient { self["intake"].client() }

    /// Intake as the chairman of `commune`, who records its recognition decisions.
    func chairman(_ commune: String) -> JSONHTTPClient { self["intake"].client(token: TestEnvironment.chairmanToken(commune)) }

    /// Posts households in batches, retrying a batch until intake answers (it may be restarting).
    func post(_ households: [SurveyInput], batchSize: Int = 100, retryFor timeout: Duration = .seconds(90)) async throws {
        for start in stride(from: 0, to: households.count, by: batchSize) {
            let batch = Array(households[start..<min(start + batchSize, households.count)])
            try await waitUntil("intake to accept a batch", timeout: timeout, every: .milliseconds(200)) {
                guard let reply = try? await intake.post("/v1/household-batches", json: batch) else { return false }
                guard reply.status == 200 else { throw TestFailure("intake rejected a batch: \(reply.status) \(reply.text.prefix(500))") }
                return true
            }
        }
    }

    /// Everything on the system's event topics, for checks.
    func published() async throws -> Published {
        Published(records: try await TopicReader.readAll(Topics.eventTopics.map(\.name), brokers: broker.address))
    }

    /// The household ids intake gives these surveys (with the tests' key), in order.
    static func householdIds(_ surveys: some Sequence<SurveyInput>) throws -> [String] {
        let rules = try SurveyRules(areas: .bundled(), calendar: .bundled(), householdIds: .load(file: TestEnvironment.householdIdKeyFile))
        let today = CalendarDate(Date())
        return try surveys.map { try rules.validate($0, today: today).get().householdId }
    }

    static func demo(_ count: Int, seed: UInt64, perProvince: Int = 3) throws -> [SurveyInput] {
        var generator = DemoHouseholds(seed: seed, communes: DemoHouseholds.demoCommunes(try AreaRegistry.bundled(), perProvince: perProvince))
        return (0..<count).map { generator.next(serial: $0) }
    }
}

/// What the services published, decoded, and whether the services agree with each other. What the rules should
/// decide is not recomputed here (that would test the rules against themselves): `OracleSystemTests` compares with
/// outcomes worked out by hand from the rules' sources.
struct Published {
    let records: [KafkaConsumerMessage]

    func latest<T: Decodable>(_ type: String, as: T.Type) throws -> [String: T] {
        try TopicReader.latestByKey(records, type: type, as: T.self)
    }

    /// Where the services disagree: a household not classified at its latest version or with other facts, a referral or
    /// candidate set ahead of its classification or of another class, or a report that is not the sum of the published households,
    /// referrals and candidates of its area. Empty when everything agrees.
    func disagreements(expectedHouseholds: Int) throws -> [String] {
        var problems: [String] = []
        let households = try latest(EventTypes.householdSnapshot, as: HouseholdSnapshot.self)
        let classifications = try latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
        let referrals = try latest(EventTypes.loanReferral, as: LoanReferralSet.self)
        let matches = try latest(EventTypes.trainingMatch, as: TrainingMatchSet.self)
        let reports = try latest(EventTypes.areaReport, as: AreaReport.self)
        if households.count != expectedHouseholds { problems.append("\(households.count) households on the topic, expected \(expectedHouseholds)") }
        if classifications.count != households.count { problems.append("\(classifications.count) classifications for \(households.count) households") }

        var unclassified: [String: Int] = [:]
        var expected: [String: (classes: [HouseholdClass: Int], referred: Int, referrals: Int, loanCandidates: Int, candidates: Int, lowIncome: Int)] = [:]
        for (id, snapshot) in households {
            guard let classified = classifications[id] else { problems.append("household \(id) has no classification"); continue }
            guard let c = classified.classification else {
                // Published as unclassified, with its reason: counted apart in its areas, referred and matched nowhere.
                if classified.unclassified == nil { problems.append("\(id): neither classified nor unclassified") }
                if let set = referrals[id], !set.referrals.isEmpty { problems.append("\(id): unclassified but referred") }
                if let set = matches[id], !set.candidates.isEmpty { problems.append("\(id): unclassified but matched") }
                for code in classified.reportingPlace.areas.map(\.code) { unclassified[code, default: 0] += 1 }
                continue
            }
            if classified.householdVersion != snapshot.version { problems.append("\(id): classified version \(classified.householdVersion) of \(snapshot.version)") }
            if classified.head != snapshot.head || classified.members != snapshot.members || classified.area != snapshot.area {
                problems.append("\(id): classified household carries other facts")
            }
            let referralSet = referrals[id]
            let matchSet = matches[id]
            // A set is published when what receivers see changes: a later version that changes nothing leaves it as it
            // was, but it never runs ahead of the classification or carries another class.
            if let set = referralSet, set.householdVersion > classified.householdVersion || set.householdClass != c.householdClass {
                problems.append("\(id): referrals follow version \(set.householdVersion) (\(set.householdClass)), not \(classified.householdVersion)")
            }
            if let head = referralSet?.head, head != snapshot.head { problems.append("\(id): referral carries another head") }
            if let set = matchSet, set.householdVersion > classified.householdVersion || set.householdClass != c.householdClass {
                problems.append("\(id): candidates follow version \(set.householdVersion) (\(set.householdClass)), not \(classified.householdVersion)")
            }
            if let members = matchSet?.candidates.map(\.memberId), !Set(members).isSubset(of: snapshot.members.map(\.memberId)) {
                problems.append("\(id): candidates who are not members")
            }
            // Referral follows recognition: a proposed household's referrals are candidates, counted apart; a withdrawn
            // referral is counted in neither.
            let referralCount = referralSet?.referrals.filter { $0.status == .referred }.count ?? 0
            let loanCandidateCount = referralSet?.referrals.filter { $0.status == .candidate }.count ?? 0
            let candidateCount = matchSet?.candidates.count ?? 0
            for code in classified.reportingPlace.areas.map(\.code) {
                var entry = expected[code] ?? ([:], 0, 0, 0, 0, 0)
                entry.classes[c.householdClass, default: 0] += 1
                entry.referred += referralCount == 0 ? 0 : 1
                entry.referrals += referralCount
                entry.loanCandidates += loanCandidateCount
                entry.candidates += candidateCount
                entry.lowIncome += c.lowIncomeWorkers == true ? 1 : 0
                expected[code] = entry
            }
        }
        for (code, want) in expected {
            guard let report = reports[code] else { problems.append("no report for area \(code)"); continue }
            if report.unclassified ?? 0 != unclassified[code] ?? 0 {
                problems.append("area \(code): \(report.unclassified ?? 0) unclassified, expected \(unclassified[code] ?? 0)")
            }
            let got = report.households
            let counts = [HouseholdClass.poor: got.poor, .nearPoor: got.nearPoor, .averageLiving: got.averageLiving, .none: got.none]
            if got.total != want.classes.values.reduce(0, +) || counts.filter({ $0.value > 0 }) != want.classes {
                problems.append("area \(code): report \(counts) of \(got.total), expected \(want.classes)")
            }
            if report.referrals.households != want.referred || report.referrals.referrals != want.referrals {
                problems.append("area \(code): report \(report.referrals.households)/\(report.referrals.referrals) referred, expected \(want.referred)/\(want.referrals)")
            }
            if report.loanCandidates?.referrals ?? 0 != want.loanCandidates {
                problems.append("area \(code): \(report.loanCandidates?.referrals ?? 0) loan candidates, expected \(want.loanCandidates)")
            }
            if report.training.candidates != want.candidates { problems.append("area \(code): \(report.training.candidates) candidates, expected \(want.candidates)") }
            if report.lowIncomeWorkerHouseholds != want.lowIncome {
                problems.append("area \(code): \(report.lowIncomeWorkerHouseholds) low-income-worker households, expected \(want.lowIncome)")
            }
        }
        if reports.count != expected.count { problems.append("\(reports.count) area reports, expected \(expected.count)") }
        problems += try listDisagreements(referrals)
        return problems
    }

    /// Each commune's list for the bank holds exactly the referred referrals of the recognised households filed under
    /// it (whichever instance published each household's set).
    func listDisagreements(_ referrals: [String: LoanReferralSet]) throws -> [String] {
        var expected: [String: Set<String>] = [:]
        for set in referrals.values where set.householdClass != nil && set.recognition != nil {
            guard let round = set.roundId else { continue }
            let key = "\((set.place ?? HouseholdPlace(surveyed: set.area)).communeAreaCode)/\(round)"
            for referral in set.referrals where referral.status == .referred { expected[key, default: []].insert(referral.referralId) }
        }
        let lists = try latest(EventTypes.referralList, as: ReferralList.self)
        var problems: [String] = []
        for key in Set(expected.keys).union(lists.keys).sorted() {
            let listed = Set(lists[key]?.rows.map(\.referralId) ?? [])
            let want = expected[key] ?? []
            if listed != want { problems.append("list \(key): \(listed.count) referrals listed, \(want.count) referred (\(listed.symmetricDifference(want).count) differ)") }
        }
        return problems
    }

    /// Every record validated against its JSON Schema in docs/events, by the project's validator.
    func schemaValidation(in dir: String) throws -> String {
        let file = "\(dir)/published.jsonl"
        var lines = ""
        for record in records {
            guard let type = record.header("ce_type"), let value = record.value else { continue }
            lines += "{\"type\":\"\(type)\",\"data\":\(String(decoding: value, as: UTF8.self))}\n"
        }
        try lines.write(toFile: file, atomically: true, encoding: .utf8)
        return try run(["\(TestEnvironment.root)/.deps/venv/bin/python", "\(TestEnvironment.root)/compose/validate_events.py", file])
    }
}
