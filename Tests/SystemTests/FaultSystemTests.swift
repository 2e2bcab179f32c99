import Areas
import EventContracts
import Foundation
import Intake
import Kafka
import ServiceRuntime
import TestSupport
import Testing

/// What operators live with, on the real processes: faults, several instances of a service, tracing. A lane of its own
/// beside ``SystemTests`` (one test at a time in each; the two lanes run side by side), so that the whole suite keeps
/// within its time on two cores.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct OperationsSystemTests {}

/// Faults on the real processes (issue 17): each ends with exact counts or a visible state, never with silence.
extension OperationsSystemTests {
    /// intake killed (kill -9) in the middle of a CSV import: the client had the import's id from the first answer
    /// (`Prefer: respond-async`), and after the restart the import is `interrupted` with the households it stored,
    /// which are exactly those of the file's first chunks.
    @Test func anImportCutByAKilledIntakeIsInterruptedWithWhatItStored() async throws {
        let system = try RunningSystem(["intake"])
        defer { system.stop() }
        try await system.start()
        let intake = system["intake"]
        let households = try RunningSystem.demo(1_000, seed: 17)
        let csv = Array((HouseholdCSVWriter.headerLine + households.enumerated().map { HouseholdCSVWriter.rows(ref: "F\($0.offset)", $0.element) }.joined()).utf8)
        let upload = try OpenRequest(
            port: intake.port,
            head: "POST /v1/household-imports HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(TestEnvironment.officeToken)\r\n"
                + "Content-Type: text/csv; charset=utf-8\r\nPrefer: respond-async\r\nContent-Length: \(csv.count)")
        let head = try upload.readHead()
        let location = try #require(head.headers["location"])
        #expect(head.status == 202 && head.headers["preference-applied"] == "respond-async" && location.hasPrefix("/v1/household-imports/"))

        // Two thirds of the file, then wait until at least one chunk of households is stored, and kill intake.
        try upload.send(Array(csv[..<(csv.count * 2 / 3)]))
        let client = intake.client()
        try await waitUntil("the import to store its first households", timeout: .seconds(60), every: .milliseconds(100)) {
            (try? await client.get(location).decode(ImportReport.self).totals.households) ?? 0 >= HouseholdImportSession.householdsPerTransaction
        }
        intake.kill()
        try intake.start()
        try await intake.waitReady()

        let report = try await client.get(location).decode(ImportReport.self)
        #expect(report.status == .interrupted && report.finishedAt != nil)
        // Households are stored a chunk (250 or more) at a time, in the file's order: every household of the stored
        // chunks is in the registry, none after them.
        let t = report.totals
        let stored = t.created + t.updated + t.unchanged
        #expect(stored >= HouseholdImportSession.householdsPerTransaction && stored < 1_000 && t.households == stored, "\(t)")
        let ids = try RunningSystem.householdIds(households)
        let storedIds = Set(ids[..<stored])
        let notStored = ids[stored...].filter { !storedIds.contains($0) }
        #expect(!notStored.isEmpty)
        for (id, expected) in [(ids[0], 200), (ids[stored - 1], 200)] + [notStored.first, notStored.last].compactMap({ $0.map { ($0, 404) } }) {
            #expect(try await client.get("/v1/households/\(id)").status == expected, "\(id)")
        }
        let log = try String(contentsOfFile: intake.logPath, encoding: .utf8)
        #expect(log.contains("imports left running by the last process closed as interrupted"))
    }

    /// The broker frozen (SIGSTOP) under load: intake goes on accepting into its outbox, every service says the broker
    /// does not answer, intake's outbox gauges show what waits and since when; once the broker goes on, every household
    /// accepted before and during the pause is classified, referred, matched and reported exactly once.
    @Test func aPausedBrokerIsVisibleAndWhatWasAcceptedMeanwhileIsProcessedAfter() async throws {
        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        let households = try RunningSystem.demo(600, seed: 31)
        try await system.post(Array(households[..<300]))
        try system.broker.pause()
        var resumed = false
        defer { if !resumed { try? system.broker.resume() } }
        try await system.post(Array(households[300...]))
        for name in RunningSystem.allServices {
            try await waitUntil("\(name) to say the broker does not answer", timeout: .seconds(30), every: .milliseconds(200)) {
                let ready = try await system[name].client().get("/readyz")
                return ready.status == 503 && ready.text.contains("broker: ")
            }
        }
        let metrics = try await system["intake"].client().get("/metrics").text
        #expect(try #require(RunningSystem.gauge("giamngheo_outbox_depth", in: metrics)) >= 300, "the 300 households posted meanwhile wait")
        #expect(try #require(RunningSystem.gauge("giamngheo_outbox_oldest_age_seconds", in: metrics)) > 0)

        try system.broker.resume()
        resumed = true
        var problems: [String] = ["not checked yet"]
        try? await waitUntil("exact results after the pause", timeout: .seconds(180), every: .seconds(1)) {
            problems = try await system.published().disagreements(expectedHouseholds: 600)
            return problems.isEmpty
        }
        #expect(problems == [])
        for name in RunningSystem.allServices { try await system[name].waitReady(timeout: .seconds(60)) }
        #expect(try await system.outboxDepth("intake") == 0)
    }
}

/// Recognition and relay cut by kills: each side of the decision holds exactly once.
extension OperationsSystemTests {
    /// A commune of 300 households: intake killed (-9) while the chairman's decision is being recorded, the decision sent
    /// again after the restart, then eligibility killed while it classifies the recognised versions. Every household
    /// ends at exactly the version and status the decision gives it, classified once per version.
    @Test func aRecognitionCutByKillsOfIntakeAndEligibilityEndsExactlyOnce() async throws {
        let system = try RunningSystem(["intake", "eligibility"])
        defer { system.stop() }
        try await system.start()
        let commune = try #require(DemoHouseholds.demoCommunes(try AreaRegistry.bundled(), perProvince: 1).first)
        var generator = DemoHouseholds(seed: 41, communes: [commune])
        let households = (0..<300).map { generator.next(serial: $0) }
        let code = households[0].communeCode
        let ids = Set(try RunningSystem.householdIds(households))
        let excluded = try #require(ids.sorted().first)
        try await system.post(households)
        try await waitUntil("300 households classified", timeout: .seconds(120), every: .milliseconds(500)) {
            try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).count == 300
        }

        let path = "/v1/review-rounds/2025-periodic/communes/\(code)/recognition"
        let decision = RecognitionRequest(decisionNumber: "77/QĐ-UBND", decisionDate: "2025-11-25", excludedHouseholdIds: [excluded])
        let body = Data(try EventJSON.encode(decision))
        let intake = system["intake"]
        let cut = try OpenRequest(
            port: intake.port,
            head: "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(TestEnvironment.chairmanToken(code))\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.count)")
        try cut.send(Array(body))
        intake.kill()  // while the decision is read, checked or stored: either it is all there after the restart or none of it
        try intake.start()
        try await intake.waitReady()
        let again = try await system.chairman(code).post(path, json: decision)
        #expect(again.status == 201 || again.status == 200, "\(again.status) \(again.text.prefix(300))")
        #expect(Set(try again.decode(RecognitionOutcome.self).recognised.map(\.householdId)) == ids.subtracting([excluded]))

        let eligibility = system["eligibility"]
        try await waitUntil("eligibility to start on the recognised versions", timeout: .seconds(60), every: .milliseconds(50)) {
            try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).values.contains { $0.status == .recognised }
        }
        eligibility.kill()
        try eligibility.start()
        try await eligibility.waitReady()

        let official = RecognitionDecision(decisionNumber: "77/QĐ-UBND", decisionDate: "2025-11-25")
        var classifications: [String: ClassifiedHousehold] = [:]
        try await waitUntil("299 households recognised", timeout: .seconds(120), every: .milliseconds(500)) {
            classifications = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
            return classifications.values.filter { $0.status == .recognised }.count == 299
        }
        #expect(Set(classifications.keys) == ids)
        for (id, classification) in classifications {
            let recognised = id != excluded
            #expect(classification.status == (recognised ? .recognised : .proposed), "\(id)")
            #expect(classification.recognition == (recognised ? official : nil), "\(id)")
            #expect(classification.householdVersion == (recognised ? 2 : 1), "\(id)")
        }
        // One household version, one classification event: re-sends after the kills carry the same event id.
        let published = try await system.published()
        var idsByVersion: [String: Set<String>] = [:]
        for record in published.records where record.header("ce_type") == EventTypes.classifiedHousehold {
            idsByVersion["\(record.header("ce_subject")!)@\(record.header("ce_sequence")!)", default: []].insert(record.header("ce_id")!)
        }
        #expect(idsByVersion.count == 599 && idsByVersion.values.allSatisfy { $0.count == 1 })
        let snapshots = published.records.filter { $0.header("ce_type") == EventTypes.householdSnapshot }
        #expect(Set(snapshots.compactMap { $0.header("ce_id") }).count == 599, "300 first versions and 299 recognised ones")
    }
}

/// The broker replaced by an empty one under the running system.
extension OperationsSystemTests {
    /// Every service survives (no crash when the topics come back with new ids), recreates the topics it needs, and each
    /// consumer whose stored positions lie past the new partitions' ends says so on `/readyz` instead of waiting in
    /// silence. After the operator's repair (`giamngheo-admin offsets --rewind` on each stopped service's store), every
    /// household accepted after the replacement is classified, and every service is ready.
    @Test func aReplacedBrokerIsVisibleAndTheRewindRepairsIt() async throws {
        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        let households = try RunningSystem.demo(400, seed: 43)
        try await system.post(Array(households[..<300]))
        try await waitUntil("the first 300 households to agree everywhere", timeout: .seconds(180), every: .seconds(1)) {
            try await system.published().disagreements(expectedHouseholds: 300).isEmpty
        }

        try system.broker.replace()
        try await system.post(Array(households[300...]))
        for name in RunningSystem.allServices {
            var last = ""
            do {
                try await waitUntil("\(name) to report positions past the new partitions' ends", timeout: .seconds(90), every: .milliseconds(500)) {
                    let ready = try await system[name].client().get("/readyz")
                    last = ready.text
                    return ready.status == 503 && ready.text.contains("but the partition ends at")
                }
            } catch {
                throw TestFailure("\(error); its last /readyz: \(last)")
            }
        }
        for name in RunningSystem.allServices { #expect(system[name].isRunning, "\(name) died; see \(system[name].logPath)") }
        let metrics = try await system["eligibility"].client().get("/metrics").text
        #expect(metrics.contains("giamngheo_consumer_partitions_past_end{consumer=\"eligibility\"}"))

        // The operator's repair, on every service (intake consumes the access log and agency submissions): stop, rewind
        // what lies past the end, start.
        // All stopped at once (each waits for its relay to give up on the old broker's rows), then each repaired.
        await withTaskGroup(of: Void.self) { group in
            for name in RunningSystem.allServices { group.addTask { system[name].stop() } }
        }
        for name in RunningSystem.allServices {
            let service = system[name]
            let report = try run([
                "\(TestEnvironment.binDirectory)/giamngheo-admin", "offsets", "--kafka-brokers", system.broker.address,
                "--store", "\(system.dataDir)/\(name)-1.sqlite", "--rewind",
            ])
            #expect(report.contains("past the end") && report.contains("rewound"), "\(name): \(report)")
            try service.start()
        }
        for name in RunningSystem.allServices { try await system[name].waitReady(timeout: .seconds(90)) }
        let after = Set(try RunningSystem.householdIds(households[300...]))
        try await waitUntil("the 100 households accepted after the replacement to be classified", timeout: .seconds(120), every: .seconds(1)) {
            let classified = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
            return after.isSubset(of: Set(classified.keys))
        }
    }
}

/// A consumed topic deleted under load and created again.
extension OperationsSystemTests {
    /// The household and classification topics deleted under a running system: every service survives (librdkafka as
    /// released died here, docs/operations.md "librdkafka"), the topics come back from the topology, and eligibility,
    /// told to rewind (`OFFSETS_PAST_END=rewind`), reads the new household topic from its beginning, while the other
    /// consumers (the default, `stop`) pause and say so. Households posted once the topics are back are classified, and
    /// eligibility still answers for those classified before. (Records produced while a topic is deleted are accepted by
    /// the local broker and not served afterwards, docs/operations.md says so: intake keeps those households.)
    @Test func aConsumedTopicDeletedUnderLoadComesBackAndNoServiceDies() async throws {
        let system = try RunningSystem(environment: ["eligibility": ["OFFSETS_PAST_END": "rewind"]])
        defer { system.stop() }
        try await system.start()
        let households = try RunningSystem.demo(300, seed: 47)
        let ids = try RunningSystem.householdIds(households)
        try await system.post(Array(households[..<200]))
        try await waitUntil("the first 200 households classified", timeout: .seconds(120), every: .milliseconds(500)) {
            try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).count == 200
        }

        // Deleted while intake is taking surveys (these 50 are stored by intake; where the broker puts them is its own).
        let extra = try RunningSystem.demo(50, seed: 53, perProvince: 1)
        async let posting: Void = system.post(extra, batchSize: 5)
        try system.broker.deleteTopic(Topics.household.name)
        try system.broker.deleteTopic(Topics.classifiedHousehold.name)
        try await posting
        let broker = try KafkaProducer(config: TestEnvironment.kafkaConfig(system.broker.address), logger: TestEnvironment.logger)
        try await waitUntil("a service to create the topics again", timeout: .seconds(60), every: .milliseconds(500)) {
            let counts = try broker.partitionCounts()
            return counts[Topics.household.name] != nil && counts[Topics.classifiedHousehold.name] != nil
        }
        for name in ["loan-referral", "training-match", "reporting"] {
            try await waitUntil("\(name) to pause the classification topic's partitions", timeout: .seconds(60), every: .milliseconds(500)) {
                try await system[name].client().get("/readyz").text.contains("\(Topics.classifiedHousehold.name)[0]: the store resumes at offset")
            }
        }
        // Eligibility (`rewind`) has dealt with each household partition before the next households come: its stored
        // positions lie past the new topic's ends only until they grow past them, and a re-created topic that has grown
        // past a stored position is recognised by no offset (docs/operations.md, "When things go wrong"). Its group may
        // take a while to be given the new topic's partitions (an empty member is replaced after 20 s).
        let householdPartitions = try broker.partitionCounts()[Topics.household.name] ?? 0
        try await waitUntil("eligibility to rewind each household partition to the new topic's beginning", timeout: .seconds(120), every: .milliseconds(500)) {
            let rewound = try String(contentsOfFile: system["eligibility"].logPath, encoding: .utf8).split(separator: "\n").filter {
                $0.contains("partition rewound to its beginning") && $0.contains("topic=\(Topics.household.name)")
            }
            return householdPartitions > 0 && (0..<householdPartitions).allSatisfy { p in rewound.contains { $0.contains("partition=\(p) ") } }
        }
        try await system.post(Array(households[200...]))
        let after = Set(ids[200...])
        // Every one classified, or those not on partitions eligibility says it cannot read: the local broker may count the
        // records sent during the deletion in the new topic's end and serve none of a partition (a stall at its first
        // offset, rewound once, then paused and said). Never silence.
        var unread: Set<String> = []
        var readinessText = ""
        do { try await waitUntil(
            "the 100 households posted after the deletion to be classified, or eligibility to name the partitions it cannot read",
            timeout: .seconds(300), every: .seconds(1)
        ) {
            let classified = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
            unread = after.subtracting(classified.keys)
            // The re-created classification topic may itself have a partition the broker does not serve (downstream
            // consumers pause it and say so): eligibility's own answer then says whether it classified the household.
            for id in unread where (try? await system["eligibility"].client().with(patience: .zero).get("/v1/households/\(id)/classification").status) == 200 {
                unread.remove(id)
            }
            guard !unread.isEmpty else { return true }
            let readiness = try await system["eligibility"].client().get("/readyz")
            readinessText = readiness.text
            return readiness.status == 503 && unread.allSatisfy {
                readiness.text.contains("\(Topics.household.name)[\(Self.partition(of: $0))]: the store has stayed at offset")
            }
        } } catch {
            // What a failure needs to be understood: which partitions stayed unread, and what eligibility says.
            let partitions = Dictionary(grouping: unread, by: { Self.partition(of: $0) }).mapValues(\.count).sorted { $0.key < $1.key }
            print("deleted topic: unread by partition \(partitions); eligibility /readyz: \(readinessText.prefix(2_000))")
            throw error
        }
        if !unread.isEmpty { print("deleted topic: \(unread.count) of 100 households on partitions the broker does not serve; eligibility says so") }
        for name in RunningSystem.allServices { #expect(system[name].isRunning, "\(name) died; see \(system[name].logPath)") }
        for id in try RunningSystem.householdIds(extra).prefix(3) {
            #expect(try await system.intake.get("/v1/households/\(id)").status == 200, "intake keeps what it accepted: \(id)")
        }
        let eligibility = system["eligibility"].client()
        // A partition eligibility cannot read is not caught up, so it answers 503 for its households rather than from rows
        // it cannot bring up to date.
        let stalled = Set(unread.map { Self.partition(of: $0) })
        for id in [ids[0], ids[199], ids[200], ids[299]] where !stalled.contains(Self.partition(of: id)) {
            #expect(try await eligibility.get("/v1/households/\(id)/classification").status == 200, "\(id)")
        }
        let log = try String(contentsOfFile: system["eligibility"].logPath, encoding: .utf8)
        #expect(log.contains("partition rewound to its beginning"))
    }
}

extension RunningSystem {
    /// The value of an unlabelled gauge in a Prometheus exposition.
    static func gauge(_ name: String, in metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix("\(name) ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The sum of a metric's series whose labels include every one of `labels` (`name="value"` each).
    static func sum(_ name: String, _ labels: [String] = [], in metrics: String) -> Double {
        metrics.split(separator: "\n").filter { line in
            (line.hasPrefix("\(name){") || line.hasPrefix("\(name) ")) && labels.allSatisfy { line.contains($0) }
        }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
}
