import Eligibility
import EventContracts
import Foundation
import Kafka
import ServiceRuntime
import TestSupport
import Testing

/// What `GET /v1/reclassifications` answers.
private struct ReclassificationOverview: Decodable {
    var catalogueRevision: Int
    var appliedRevision: Int?
    var jobs: [ReclassificationJob]
}

/// In the serialized system suite: intake and eligibility as processes, the demo data of `compose/up`.
extension SystemTests {
    @Test func shadowRunOf2027AndReclassificationAfterACorrectionOverRealProcesses() async throws {
        let system = try RunningSystem(["intake", "eligibility"])
        defer { system.stop() }
        try await system.start()
        try await system.post(try RunningSystem.demo(300, seed: 1))
        try await waitUntil("300 households classified", timeout: .seconds(90), every: .milliseconds(500)) {
            try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).count == 300
        }
        let eligibility = system["eligibility"].client()

        // The headline: what 1 Jan 2027 does to each commune, over HTTP and on the shadow-diff topic.
        let started = try await eligibility.post("/v1/shadow-runs", json: ["standardId": "VN-2027-2030"])
        #expect(started.status == 202)
        var run = try started.decode(ShadowRun.self)
        try await waitUntil("the shadow run to complete") {
            run = try await eligibility.get("/v1/shadow-runs/\(run.runId)").decode(ShadowRun.self)
            return run.status == .completed
        }
        let again = try await eligibility.post("/v1/shadow-runs", json: ["standardId": "VN-2027-2030"])
        #expect(again.status == 200)
        #expect(try again.decode(ShadowRun.self).runId == run.runId, "the same data is the same run")
        let areas = try #require(run.areas)
        var diffs: [String: ShadowAreaDiff] = [:]
        try await waitUntil("one diff per area on the topic") {
            let records = try await TopicReader.readAll([Topics.shadowDiff.name], brokers: system.broker.address)
            diffs = try TopicReader.latestByKey(records, type: EventTypes.shadowDiff, as: ShadowAreaDiff.self)
            return diffs.count == areas.count
        }
        for area in areas {
            let diff = try #require(diffs["VN-2027-2030/\(area.areaCode)"])
            #expect(diff.runId == run.runId && diff.counts.households == area.households && diff.counts.shadow == area.shadow)
            #expect(diff.counts.official.total == diff.counts.households && diff.counts.shadow.total == diff.counts.households)
            if area.areaLevel == .province {
                let communes = diffs.values.filter { $0.areaLevel == .commune && $0.provinceCode == area.areaCode }
                #expect(communes.map(\.counts.households).reduce(0, +) == diff.counts.households)
                #expect(communes.map(\.counts.shadow.poor).reduce(0, +) == diff.counts.shadow.poor)
                #expect(communes.map(\.counts.moved).reduce(0, +) == diff.counts.moved)
            }
        }
        #expect(areas.filter { $0.areaLevel == .province }.map(\.households).reduce(0, +) == 300)
        let commune = try #require(areas.first { $0.areaLevel == .commune })
        let fromHTTP = try await eligibility.get("/v1/shadow-runs/\(run.runId)/areas/\(commune.areaCode)").decode(ShadowAreaDiff.self)
        #expect(fromHTTP == diffs["VN-2027-2030/\(commune.areaCode)"])
        // The commune's list of the households the run moves agrees with its counts, as JSON and as CSV; each one's
        // preview says the same move.
        let listed = try await eligibility.get("/v1/shadow-runs/\(run.runId)/areas/\(commune.areaCode)/households")
            .decode(ShadowAreaHouseholds.self)
        #expect(listed.households.count == fromHTTP.counts.moved)
        let csv = try await eligibility.get("/v1/shadow-runs/\(run.runId)/areas/\(commune.areaCode)/households?format=csv").text
        #expect(csv.split(separator: "\r\n").count == listed.households.count + 1)
        if let first = listed.households.first {
            let preview = try await eligibility.get("/v1/households/\(first.householdId)/classification?standard=VN-2027-2030")
                .decode(ClassificationPreview.self)
            #expect(preview.preview && (preview.shift.from, preview.shift.to, preview.shift.cause) == (first.officialClass, first.candidateClass, first.cause))
        }
        let provincial = try await eligibility.get("/v1/households/\(listed.households.first?.householdId ?? "x")/classification?standard=BN-2022-2025")
        #expect(provincial.status == 422 && provincial.text.contains("standard"))
        let validation = try await system.published().schemaValidation(in: system.dataDir)
        #expect(validation.contains(" 0 failed"), "\(validation.suffix(2_000))")

        // An operator corrects an [M] value in a catalogue file and restarts eligibility with it: the households the
        // correction judges differently are published again, once each, and no others.
        let bundled = try StandardsCatalogue.bundled()
        let corrected = try #require(bundled.correcting("VN-2022-2025") { standard in
            let index = standard.indicators.firstIndex { $0.id == "housingArea" }!
            standard.indicators[index].rule = .housingArea(HousingAreaRule(deprivedWhenM2PerPersonBelow: 10))
        })
        let file = "\(system.dataDir)/standards-rev\(corrected.revision).json"
        try Data(EventJSON.encode(corrected)).write(to: URL(fileURLWithPath: file))
        let snapshots = try await system.published().latest(EventTypes.householdSnapshot, as: HouseholdSnapshot.self).values
        let expected = Set(snapshots.filter { snapshot in
            !ClassificationBuilder.build(snapshot, catalogue: bundled)!.hasSameDecision(as: ClassificationBuilder.build(snapshot, catalogue: corrected)!)
        }.map(\.householdId))
        #expect(!expected.isEmpty)

        system["eligibility"].stop()
        let restarted = try ServiceProcess(
            "eligibility", brokers: system.broker.address, dataDir: system.dataDir, extraEnvironment: ["STANDARDS_FILE": file])
        defer { restarted.stop() }
        try restarted.start()
        try await restarted.waitReady()
        let client = restarted.client()
        var overview = ReclassificationOverview(catalogueRevision: 0, jobs: [])
        try await waitUntil("the reclassification to complete") {
            overview = try await client.get("/v1/reclassifications").decode(ReclassificationOverview.self)
            return overview.jobs.first?.status == .completed
        }
        #expect(overview.catalogueRevision == corrected.revision && overview.appliedRevision == corrected.revision)
        #expect(overview.jobs.first?.published == expected.count)
        var republished: [KafkaConsumerMessage] = []
        try await waitUntil("the reclassified households on the topic") {
            republished = try await system.published().records.filter {
                $0.topic == Topics.classifiedHousehold.name
                    && (try? EventJSON.decode(ClassifiedHousehold.self, from: $0.value ?? []))?.rulesRevision == corrected.revision
            }
            return republished.count >= expected.count
        }
        #expect(Set(republished.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } }) == expected)
        #expect(republished.count == expected.count, "each once")
        #expect(republished.allSatisfy { $0.header("ce_correlationid") == overview.jobs.first?.jobId })

        let log = try String(contentsOfFile: restarted.logPath, encoding: .utf8)
        #expect(!snapshots.contains { log.contains($0.head.cccd) || log.contains($0.head.fullName) }, "eligibility logged personal data")
    }
}
