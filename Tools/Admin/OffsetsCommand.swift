import ArgumentParser
import Foundation
import GRDB
import Kafka

/// `giamngheo-admin offsets`: where a service's store resumes each partition, against the partition's log on the broker,
/// and the repair when a topic lost records (re-created, or the broker replaced): rewinding the partitions whose
/// position lies past their end, so the service applies again what the topic now holds.
struct OffsetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "offsets",
        abstract: "Compare a service store's positions with the broker's partitions; --rewind restarts those past their end.",
        discussion: """
            Stop the service (every instance using this store) first, run with --rewind, then start it again: the
            partitions past their end start from their beginning, and events the store has already applied change nothing.
            """)
    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The service's SQLite store (GIAMNGHEO_DATA_DIR/INSTANCE_ID.sqlite).")
    var store: String

    @Flag(help: "Forget the positions that lie past their partition's end, so those partitions start from their beginning.")
    var rewind = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: store) else { throw ValidationError("--store: no file at \(store)") }
        let database = try DatabaseQueue(path: store)
        let positions = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT topic, partition, next_offset FROM consumer_offset ORDER BY topic, partition").map {
                (TopicPartition(topic: $0["topic"], partition: $0["partition"]), $0["next_offset"] as Int64)
            }
        }
        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        var pastEnd: [TopicPartition] = []
        print("topic\tpartition\tposition\tbroker start\tbroker end\tstate")
        for (tp, position) in positions {
            let watermarks = try? producer.watermarks(of: tp)
            let state = Self.state(position: position, watermarks: watermarks)
            if let watermarks, position > watermarks.high { pastEnd.append(tp) }
            print("\(tp.topic)\t\(tp.partition)\t\(position)\t\(watermarks.map { String($0.low) } ?? "-")\t\(watermarks.map { String($0.high) } ?? "-")\t\(state)")
        }
        guard rewind else {
            if !pastEnd.isEmpty { print("\(pastEnd.count) partition(s) past their end: stop the service, run again with --rewind, start it") }
            return
        }
        try database.write { db in
            for tp in pastEnd {
                try db.execute(sql: "DELETE FROM consumer_offset WHERE topic = ? AND partition = ?", arguments: [tp.topic, tp.partition])
            }
        }
        print("rewound \(pastEnd.count) partition(s): \(pastEnd.map(\.description).joined(separator: ", "))")
    }

    static func state(position: Int64, watermarks: Watermarks?) -> String {
        guard let watermarks else { return "the broker does not answer for this partition (topic missing?)" }
        if position > watermarks.high { return "past the end" }
        if position < watermarks.low { return "before the start (records removed before they were applied)" }
        return "ok, \(watermarks.high - position) behind"
    }
}
