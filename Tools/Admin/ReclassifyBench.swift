import ArgumentParser
import Areas
import Eligibility
import EventContracts
import EventStore
import Foundation
import GRDB
import Intake

/// Eligibility's batch work on a real store file, without a broker: fill it with N households as the consumer
/// would, then time a reclassification under a corrected standard and a shadow run of VN-2027-2030.
struct ReclassifyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reclassify-bench",
        abstract: "Households/s of reclassification and of a shadow run over a filled eligibility store.")
    @Option(help: "Households in the store.") var households = 1_000_000
    @Option(help: "Store file; filled when it holds no households, reused (with its catalogue) when it does. Default: a temporary file, deleted after.")
    var store: String?
    @Option(help: "Percent of households whose review is recognised (they get an official class).") var recognisedPercent = 50
    @Option(help: "Seed of the generator.") var seed: UInt64 = 7
    @Option(help: "Households per reclassification transaction.") var chunk = 1_000
    @Option(help: "Threads that classify (default: all cores).") var workers: Int?
    @Flag(help: "Skip the shadow run.") var skipShadow = false

    func run() throws {
        let temporary = store == nil
        let path = store ?? FileManager.default.temporaryDirectory.appendingPathComponent("giamngheo-reclassify-bench-\(UUID().uuidString)/eligibility.sqlite").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) } }
        let serviceStore = try ServiceStore(path: path, migrations: EligibilityStore.migrations)
        let bundled = try StandardsCatalogue.bundled()
        let stored = try serviceStore.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM household_facts") ?? 0 }
        let catalogue = try serviceStore.pool.read { db in try CatalogueLedger.latestAppliedCatalogue(in: db) } ?? bundled
        if stored == 0 {
            _ = try serviceStore.pool.write { db in try CatalogueLedger.prepare(bundled, start: true, in: db) }
            _ = try measure("fill") { try fill(serviceStore, catalogue: bundled) }
        }
        let count = try serviceStore.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM household_facts") ?? 0 }
        print("bench.households \(count)")

        // The correction: the [M] housing-area threshold of the standard in force, 8 → 10 m² per person (back to 8 on a
        // reused store). Every stored household falls under that standard, so every one is classified again; those
        // judged differently are published.
        let eight = IndicatorRule.housingArea(HousingAreaRule(deprivedWhenM2PerPersonBelow: 8))
        let corrected = catalogue.correcting("VN-2022-2025") { standard in
            let area = standard.indicators.firstIndex { $0.id == "housingArea" }!
            let threshold: Double = standard.indicators[area].rule == eight ? 10 : 8
            standard.indicators[area].rule = .housingArea(HousingAreaRule(deprivedWhenM2PerPersonBelow: threshold))
        }!
        guard let job = try serviceStore.pool.write({ db in try CatalogueLedger.prepare(corrected, start: true, in: db) }) else {
            throw ValidationError("the corrected catalogue created no reclassification job")
        }
        var reclassifier = Reclassifier(store: serviceStore, catalogue: corrected, place: CurrentPlace(areas: try AreaRegistry.bundled()))
        reclassifier.chunkSize = chunk
        if let workers { reclassifier.workers = workers }
        let done = try measure("reclassify") { try reclassifier.run(job.jobId) }
        print("reclassify.examined \(done.result.examined)")
        print("reclassify.evaluated \(done.result.evaluated)")
        print("reclassify.published \(done.result.published)")
        print(String(format: "reclassify.households_per_s %.0f", Double(done.result.evaluated) / done.seconds))

        guard !skipShadow else { return }
        let runner = ShadowRunner(
            store: serviceStore, catalogue: corrected, place: CurrentPlace(areas: try AreaRegistry.bundled()), logger: logger, workers: workers)
        let shadow = try measure("shadow") { try runner.runNow(standardId: "VN-2027-2030") }
        let totals = shadow.result.totals
        print("shadow.households \(shadow.result.households)")
        print("shadow.moved \(totals?.moved ?? 0)")
        print("shadow.poor official \(totals?.official.poor ?? 0) (\(totals?.official.poorRatePercent ?? 0) %), VN-2027-2030 \(totals?.shadow.poor ?? 0) (\(totals?.shadow.poorRatePercent ?? 0) %)")
        print(String(format: "shadow.households_per_s %.0f", Double(shadow.result.households) / shadow.seconds))
    }

    /// Fills the store as the consumer would: each snapshot applied by the classification handler, 10,000 per
    /// transaction; surveys are generated, validated and encoded on all cores.
    private func fill(_ store: ServiceStore, catalogue: StandardsCatalogue) throws {
        let areas = try AreaRegistry.bundled()
        var generator = DemoHouseholds(seed: seed, communes: DemoHouseholds.demoCommunes(areas, perProvince: 25))
        let handler = ClassificationHandler(catalogue: catalogue, place: CurrentPlace(areas: try AreaRegistry.bundled()))
        let today = CalendarDate("2026-11-22")!
        let householdIds = HouseholdIDKeys.random()  // generated households only
        let recognisedPercent = recognisedPercent
        for start in stride(from: 0, to: households, by: 10_000) {
            let inputs = (start..<min(households, start + 10_000)).map { generator.next(serial: $0) }
            let encoded = Locked([(HouseholdSnapshot, [UInt8])?](repeating: nil, count: inputs.count))
            DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
                guard case .success(let valid) = SurveyValidator.validate(inputs[i], areas: areas, today: today, householdIds: householdIds) else { return }
                var snapshot = valid.snapshot(version: 1, recordedAt: "2026-10-16T08:00:00.000Z")
                // As the commune's recognition decision publishes it (surveys themselves are always proposed).
                if (start + i) % 100 < recognisedPercent { snapshot.recognise(by: RecognitionDecision(decisionNumber: "1/QĐ-UBND", decisionDate: "2026-12-10")) }
                let bytes = try? EventJSON.encode(snapshot)
                encoded.withLock { $0[i] = bytes.map { (snapshot, $0) } }
            }
            try store.pool.write { db in
                for case let (snapshot, bytes)? in encoded.withLock({ $0 }) { _ = try handler.apply(snapshot, bytes: bytes, in: db) }
            }
        }
    }

    /// Runs `body`, printing its seconds and the process's peak RSS during it (Linux: the peak is reset first).
    private func measure<T>(_ name: String, _ body: () throws -> T) throws -> (result: T, seconds: Double) {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let start = ContinuousClock.now
        let result = try body()
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(String(format: "\(name).seconds %.1f", seconds))
        print("\(name).peak_rss_mb \(Self.peakRSSMegabytes().map(String.init) ?? "unknown")")
        return (result, seconds)
    }

    static func peakRSSMegabytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kb / 1024
    }
}

/// A value shared by the threads of `concurrentPerform`, behind a lock.
private final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
