import EventContracts
import Foundation
import Kafka
import ServiceRuntime
import TestSupport
import Testing

/// The contracts as outside consumers see them: what a rebuilt store republishes, the topology a service accepts, and
/// the AsyncAPI document against what the services really publish.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct ContractSystemTests {
    @Test func rebuiltReportingAndLoanReferralRepublishNoOldIdWithOtherBytesAndNoOlderReport() async throws {
        // Small batches, so that a rebuilt store passes through many intermediate states before it catches up.
        let small = ["CONSUMER_BATCH_SIZE": "25"]
        let system = try RunningSystem(environment: ["reporting": small, "loan-referral": small])
        defer { system.stop() }
        try await system.start()
        try await system.post(try RunningSystem.demo(300, seed: 41))
        var problems = ["not checked yet"]
        try? await waitUntil("every service to agree on 300 households", timeout: .seconds(120), every: .milliseconds(500)) {
            problems = try await system.published().disagreements(expectedHouseholds: 300)
            return problems.isEmpty
        }
        #expect(problems == [])
        guard problems.isEmpty else { return }

        // The published records as an outside consumer keeps them, before any rebuild.
        let before = try await system.published()
        let reportsBefore = try before.latest(EventTypes.areaReport, as: AreaReport.self)
        let referralsBefore = try before.latest(EventTypes.loanReferral, as: LoanReferralSet.self)

        // Reporting loses its store and rebuilds it from the topics.
        try await rebuild(system["reporting"], in: system)
        let reporting = system["reporting"].client()
        try await waitUntil("the rebuilt reporting to hold every report again", timeout: .seconds(120), every: .milliseconds(500)) {
            for (code, report) in reportsBefore {
                guard let served = try? await reporting.get("/v1/reports/\(code)").decode(AreaReport.self), served == report else { return false }
            }
            return true
        }
        // Loan referral, separately.
        try await rebuild(system["loan-referral"], in: system)
        let bank = system["loan-referral"].client()
        try await waitUntil("the rebuilt loan-referral to hold every referral set again", timeout: .seconds(120), every: .milliseconds(500)) {
            for (id, set) in referralsBefore {
                guard let served = try? await bank.get("/v1/households/\(id)/referrals").decode(LoanReferralSet.self), served == set else {
                    return false
                }
            }
            return true
        }
        // Whatever the rebuilt stores published by now is on the topics (their relays drain within a second or two).
        try await waitUntil("the rebuilt stores' outboxes to drain", timeout: .seconds(30), every: .milliseconds(500)) {
            let reporting = try await system.outboxDepth("reporting")
            let bank = try await system.outboxDepth("loan-referral")
            return reporting == 0 && bank == 0
        }

        let after = try await system.published()
        #expect(after.records.count >= before.records.count)
        // Every ce_id names one payload and one ce_time, across both lives of each store.
        var byId: [String: (time: String?, value: [UInt8]?, topic: String)] = [:]
        var reused: [String] = []
        for record in after.records where [Topics.report.name, Topics.areaTally.name, Topics.loanReferral.name].contains(record.topic) {
            let id = record.header("ce_id")!
            if let held = byId[id] {
                if held.value != record.value || held.time != record.header("ce_time") { reused.append("\(record.topic) \(id)") }
            } else {
                byId[id] = (record.header("ce_time"), record.value, record.topic)
            }
        }
        #expect(reused == [], "ids republished with other bytes or time")
        // No area's report goes back in version, in the order a dashboard reads them.
        var highest: [String: Int64] = [:]
        var backwards: [String] = []
        for record in after.records where record.topic == Topics.report.name {
            let area = String(decoding: record.key ?? [], as: UTF8.self)
            let version = Int64(record.header("ce_sequence") ?? "") ?? -1
            if version < highest[area] ?? 0 { backwards.append("\(area): \(version) after \(highest[area]!)") }
            highest[area] = max(highest[area] ?? 0, version)
        }
        #expect(backwards == [])
        let reportsAfter = try after.latest(EventTypes.areaReport, as: AreaReport.self)
        #expect(reportsAfter == reportsBefore)
    }

    @Test func aServiceRefusesTopicsWhosePartitionCountsDiffer() async throws {
        let broker = try LocalBroker()
        defer { broker.stop() }
        let dataDir = try TestEnvironment.temporaryDirectory("mismatch")
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(broker.address), logger: TestEnvironment.logger)
        try producer.createTopics([
            TopicSpec(name: Topics.household.name, partitions: 6, configs: ["cleanup.policy": "compact"]),
            TopicSpec(name: Topics.classifiedHousehold.name, partitions: 3, configs: ["cleanup.policy": "compact"]),
        ])
        let service = try ServiceProcess("loan-referral", brokers: broker.address, dataDir: dataDir)
        try service.start()
        try await waitUntil("loan-referral to refuse to start", timeout: .seconds(60), every: .milliseconds(200)) { !service.isRunning }
        let log = try String(contentsOfFile: service.logPath, encoding: .utf8)
        #expect(log.contains("refusing to start"), "\(log.suffix(2_000))")
        #expect(log.contains("\(Topics.household.name) has 6") && log.contains("\(Topics.classifiedHousehold.name) has 3"))
    }

    @Test func whatTheServicesPublishIsWhatTheAsyncAPIDocumentSays() async throws {
        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        try await system.post(try RunningSystem.demo(120, seed: 5))
        try await waitUntil("reports for 120 households", timeout: .seconds(120), every: .milliseconds(500)) {
            try await system.published().disagreements(expectedHouseholds: 120).isEmpty
        }
        let published = try await system.published()
        let file = "\(system.dataDir)/published-records.jsonl"
        try published.jsonLines().write(toFile: file, atomically: true, encoding: .utf8)
        let output = try run(["\(TestEnvironment.root)/.deps/venv/bin/python", "\(TestEnvironment.root)/compose/check_asyncapi.py", file])
        #expect(output.contains(" 0 failed"), "\(output.suffix(3_000))")
        #expect(Set(published.records.map(\.topic)).isSuperset(of: [Topics.classifiedHousehold.name, Topics.areaTally.name, Topics.report.name]))
    }

    /// The operators' alert rules and dashboard (compose/prometheus, compose/grafana) name only metrics the metric table of
    /// docs/operations.md lists, with their labels, and are well formed.
    @Test func theAlertRulesAndTheDashboardNameOnlyDocumentedMetrics() throws {
        let output = try run(["\(TestEnvironment.root)/.deps/venv/bin/python", "\(TestEnvironment.root)/compose/check_operator_files.py"])
        #expect(output.contains(" 0 failed"), "\(output.suffix(3_000))")
    }

    /// Stops a service, deletes its store, and starts it again on the same topics.
    private func rebuild(_ service: ServiceProcess, in system: RunningSystem) async throws {
        service.stop()
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(atPath: "\(system.dataDir)/\(service.name)-1.sqlite\(suffix)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(system.dataDir)/\(service.name)-1.sqlite"))
        try service.start()
        try await service.waitReady()
    }
}

extension RunningSystem {
    /// The rows in a service's outbox (its `giamngheo_outbox_depth` gauge, read from the store at each scrape).
    func outboxDepth(_ service: String) async throws -> Double? {
        Self.gauge("giamngheo_outbox_depth", in: try await self[service].client().get("/metrics").text)
    }
}

extension Published {
    /// The records as `compose/check_asyncapi.py` reads them: one JSON object per line.
    func jsonLines() throws -> String {
        try records.map { record in
            var headers: [String: String] = [:]
            for header in record.headers { headers[header.key] = header.stringValue ?? "" }
            let value: Any = try record.value.map { try JSONSerialization.jsonObject(with: Data($0), options: [.fragmentsAllowed]) } ?? NSNull()
            let line: [String: Any] = [
                "topic": record.topic, "partition": Int(record.partition), "offset": Int(record.offset),
                "key": record.key.map { String(decoding: $0, as: UTF8.self) } ?? NSNull(), "headers": headers, "value": value,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self)
        }.joined(separator: "\n") + "\n"
    }
}
