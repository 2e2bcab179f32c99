import ArgumentParser
import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// CPU and time per record of the delivery machinery alone: inbox, a state upsert, one emitted event, offsets,
/// one transaction per batch, on a real SQLite file (WAL, `synchronous=FULL`), without a broker.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-bench", abstract: "Microseconds per record for BatchApplier with a minimal handler.")
    @Option(help: "Records to apply.") var records = 50_000
    @Option(help: "Records per batch (transaction).") var batch = 1_000
    @Option(help: "Bytes of the state row and of the emitted event.") var size = 2_000
    @Option(help: "What the handler does per record: none, stateonly (one upsert) or full (upsert and one emitted event).")
    var mode = "full"

    struct Handler: EventHandler {
        let payload: [UInt8]
        let mode: String
        func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
            if mode == "none" { return [] }
            let key = event.attributes.subject
            // A cached statement, as the services' handlers use (`Database.run`).
            try db.run(
                "INSERT INTO state (id, version, payload) VALUES (?, 1, ?) ON CONFLICT (id) DO UPDATE SET version = version + 1, payload = excluded.payload",
                [key, Data(payload)])
            if mode == "stateonly" { return [] }
            return [
                try OutboundEvent.json(
                    topic: Topics.classifiedHousehold, key: key, type: EventTypes.classifiedHousehold, source: "bench",
                    idParts: ["bench", event.attributes.id], sequence: 1, time: event.attributes.time, encoded: payload)
            ]
        }
    }

    func run() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("giamngheo-store-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try ServiceStore(path: directory.appendingPathComponent("bench.sqlite").path) { migrator in
            migrator.registerMigration("bench") { db in
                try db.execute(sql: "CREATE TABLE state (id TEXT PRIMARY KEY, version INTEGER NOT NULL, payload BLOB NOT NULL)")
            }
        }
        let payload = [UInt8](repeating: 0x61, count: size)
        let applier = BatchApplier(store: store, handler: Handler(payload: payload, mode: mode), service: "bench")
        let messages: [KafkaConsumerMessage] = (0..<records).map { i in
            let key = DeterministicID.make("bench-household", String(i))
            let attributes = CloudEventAttributes(
                id: DeterministicID.make("bench-event", String(i)), source: "bench", type: EventTypes.householdSnapshot,
                time: "2026-11-22T00:00:00Z", subject: key, sequence: 1)
            return KafkaConsumerMessage(
                topic: Topics.household.name, partition: Int32(i % 6), offset: Int64(i / 6), key: Array(key.utf8), value: payload,
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        let cpuStart = processCPUSeconds()
        let start = ContinuousClock.now
        var index = 0
        while index < messages.count {
            let end = min(messages.count, index + batch)
            _ = try applier.apply(Array(messages[index..<end]))
            index = end
        }
        let seconds = (ContinuousClock.now - start).inSeconds
        let cpu = processCPUSeconds() - cpuStart
        print(String(format: "store.apply_records_per_s %.0f", Double(records) / seconds))
        print(String(format: "store.apply_cpu_us_per_record %.1f", cpu * 1e6 / Double(records)))
        let depth = try store.outboxDepth()
        print("store.outbox_rows \(depth)")
    }
}
