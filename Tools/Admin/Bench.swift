import Access
import ArgumentParser
import Areas
import EventContracts
import Foundation
import Intake
import Kafka
import Logging
import ServiceRuntime
import Synchronization

/// The broker's own pace on this machine: idempotent produce and group consume of fixed-size records.
struct BrokerBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "broker-bench", abstract: "Raw produce and consume rate of the broker.")
    @OptionGroup var kafka: KafkaOptions
    @Option(help: "Messages to produce and consume.") var messages = 500_000
    @Option(help: "Bytes per message.") var size = 300

    func run() throws {
        let topic = "giamngheo.bench.raw-\(UUID().uuidString.prefix(8))"
        let producer = try KafkaProducer(config: kafka.config.merging(["linger.ms": "10", "batch.size": "1000000"]), logger: logger)
        try producer.createTopics([TopicSpec(name: topic, partitions: kafka.partitionCount)])
        let payload = [UInt8](repeating: 0x61, count: size)
        let start = Date()
        var sent = 0
        while sent < messages {
            let count = min(20_000, messages - sent)
            let batch = (0..<count).map { i in KafkaProducerMessage(topic: topic, key: Array("k\(sent + i)".utf8), value: payload) }
            let failed = try producer.send(batch).filter { $0.error != nil }.count
            guard failed == 0 else { throw ValidationError("\(failed) messages failed") }
            sent += count
        }
        let produceSeconds = Date().timeIntervalSince(start)
        let consumer = try KafkaConsumer(
            config: kafka.config.merging(["group.id": "bench-\(UUID().uuidString)", "fetch.wait.max.ms": "10"]), topics: [topic],
            startOffsets: { _ in [:] }, logger: logger)
        let consumeStart = Date()
        var received = 0
        while received < messages {
            received += try consumer.poll(maxMessages: 10_000, timeoutMs: 100).count
            if Date().timeIntervalSince(consumeStart) > 120 { throw ValidationError("consumed only \(received) of \(messages)") }
        }
        let consumeSeconds = Date().timeIntervalSince(consumeStart)
        consumer.close()
        print(String(format: "broker.produce_msgs_per_s %.0f", Double(messages) / produceSeconds))
        print(String(format: "broker.consume_msgs_per_s %.0f", Double(messages) / consumeSeconds))
        print("broker.message_bytes \(size)")
    }
}

/// Households through all five services: steady-rate latency, then peak throughput, then messages per household.
struct SystemBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "End-to-end benchmark against running services.")
    @OptionGroup var kafka: KafkaOptions
    @Option(help: "Intake's base URL.") var intake = "http://127.0.0.1:8081"
    @OptionGroup var auth: AdminAuth
    @Option(help: "Households for the throughput phase.") var households = 100_000
    @Option(help: "Steady rate for the latency phase, households/s.") var steadyRate = 1_000
    @Option(help: "Seconds of the latency phase.") var steadySeconds = 15
    @Option(help: "Households per HTTP batch in the throughput phase.") var batch = 200
    @Option(help: "Concurrent HTTP requests in the throughput phase.") var concurrency = 4
    @Option(help: "Seconds to wait for the reports to catch up.") var timeout = 600

    func run() async throws {
        let cpuAtStart = processCPUSeconds()  // this process's CPU (all threads): the load generator's share of the machine
        let watcher = ReportWatcher()
        let follower = TopicFollower(config: kafka.config, topics: [Topics.report.name], logger: logger) { message in
            // Province keys have two digits; communes' reports are not needed to count households.
            guard message.key?.count == 2, let value = message.value, let report = try? EventJSON.decode(AreaReport.self, from: value),
                report.areaLevel == .province
            else { return }
            watcher.update(province: report.areaCode, total: report.households.total)
        }
        defer { follower.stop() }
        let communes = DemoHouseholds.demoCommunes(try AreaRegistry.bundled(), perProvince: 25)
        var generator = DemoHouseholds(seed: 42, communes: communes)
        // Every batch goes through blocking sockets on a thread of its own: URLSession cost about 230 µs of CPU per
        // household on the machine being measured (FileUpload's doc comment).
        let upload = try FileUpload(
            baseURL: intake, token: try auth.bearer(roles: [.provinceOfficer], provinces: try AreaRegistry.bundled().provinceNames.keys.sorted()))
        var serial = 0

        // Warm-up, not measured: the report follower's first group join (about 3 s with Tansu) and each producer's
        // first metadata lookup would otherwise be the latency phase's slowest samples.
        let warmUp = (0..<max(1, steadyRate / 10)).map { _ in defer { serial += 1 }; return generator.next(serial: serial) }
        let warmUpBody = try EventJSON.encode(warmUp)
        try await runOnThread(name: "bench-post") { try Self.postBatch(warmUpBody, with: upload) }
        try await watcher.wait(forTotal: serial, timeout: timeout)
        let latencyStart = serial
        // Latency: small batches every 10 ms at the steady rate; each batch's latency ends when the reports count it.
        let perTick = max(1, steadyRate / 100)
        let ticks = steadySeconds * 100
        let phaseStart = ContinuousClock.now
        for tick in 0..<ticks {
            let batch = (0..<perTick).map { _ in defer { serial += 1 }; return generator.next(serial: serial) }
            let body = try EventJSON.encode(batch)
            try await runOnThread(name: "bench-post") { try Self.postBatch(body, with: upload) }
            watcher.expect(total: serial)
            try await Task.sleep(until: phaseStart + .milliseconds(10 * (tick + 1)), clock: .continuous)  // pacing, not synchronisation
        }
        try await watcher.wait(forTotal: serial, timeout: timeout)
        let latencies = watcher.takeLatencies().sorted()
        let steadyHouseholds = serial - latencyStart

        // Throughput: as fast as intake takes them, then until every household is in the reports.
        let prepared = (0..<households).map { _ in defer { serial += 1 }; return generator.next(serial: serial) }
        // Bodies are encoded before the clock starts, so the measurement is of the services, not of the load generator.
        let chunks = try stride(from: 0, to: prepared.count, by: batch).map { try EventJSON.encode(Array(prepared[$0..<min($0 + batch, prepared.count)])) }
        let start = Date()
        let next = SharedIndex()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    try await runOnThread(name: "bench-post-\(worker)") {
                        while true {
                            let index = next.take()
                            guard index < chunks.count else { return }
                            try Self.postBatch(chunks[index], with: upload)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let intakeSeconds = Date().timeIntervalSince(start)
        try await watcher.wait(forTotal: serial, timeout: timeout)
        let seconds = Date().timeIntervalSince(start)
        let loadGeneratorCPU = processCPUSeconds() - cpuAtStart

        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        var records: Int64 = 0
        for topic in Topics.eventTopics { records += try producer.recordCount(topic: topic.name) }
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
        print("system.households_total \(serial)")
        print(String(format: "system.intake_households_per_s %.0f", Double(households) / intakeSeconds))
        print(String(format: "system.end_to_end_households_per_s %.0f", Double(households) / seconds))
        print("system.latency_rate_households_per_s \(steadyRate) over \(steadyHouseholds) households, \(latencies.count) samples")
        print(String(format: "system.intake_to_report_p50_ms %.0f", percentile(0.50) * 1000))
        print(String(format: "system.intake_to_report_p99_ms %.0f", percentile(0.99) * 1000))
        print(String(format: "system.kafka_messages_per_household %.2f", Double(records) / Double(serial)))
        // Over the whole run, like the services' figures: generating, encoding and posting households, following the reports.
        print(String(format: "cpu.us_per_household.load_generator %.0f", loadGeneratorCPU * 1e6 / Double(serial)))
    }

    /// Posts one batch of households (a JSON array) to intake; throws unless it answered 200.
    private static func postBatch(_ body: [UInt8], with upload: FileUpload) throws {
        let reply = try upload.post("/v1/household-batches", body: body, contentType: "application/json")
        guard reply.status == 200 else { throw ValidationError("intake answered \(reply.status): \(reply.text)") }
    }
}

/// Sums the latest total of each province report and times how long each expected total takes to appear.
final class ReportWatcher: Sendable {
    private struct State {
        var totals: [String: Int] = [:]
        var pending: [(total: Int, since: ContinuousClock.Instant)] = []
        var latencies: [Double] = []
    }
    private let state = Mutex(State())

    func update(province: String, total: Int) {
        state.withLock { state in
            state.totals[province] = total
            let sum = state.totals.values.reduce(0, +)
            let now = ContinuousClock.now
            while let first = state.pending.first, first.total <= sum {
                state.latencies.append((now - first.since).inSeconds)
                state.pending.removeFirst()
            }
        }
    }

    func expect(total: Int) { state.withLock { $0.pending.append((total, .now)) } }

    func takeLatencies() -> [Double] { state.withLock { state in defer { state.latencies = [] }; return state.latencies } }

    var sum: Int { state.withLock { $0.totals.values.reduce(0, +) } }

    /// Waits until the provinces' totals add up to `total`, checking every 50 ms.
    func wait(forTotal total: Int, timeout: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while sum < total {
            guard ContinuousClock.now < deadline else { throw ValidationError("reports show \(sum) of \(total) households after \(timeout) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Hands out 0, 1, 2, … to concurrent workers.
final class SharedIndex: Sendable {
    private let value = Mutex(0)
    func take() -> Int { value.withLock { value in defer { value += 1 }; return value } }
}
