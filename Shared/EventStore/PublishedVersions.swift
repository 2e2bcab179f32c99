import EventContracts
import Foundation
import GRDB
import Kafka
import Logging

/// The highest version a service has published per topic and key, so that a store rebuilt from empty, replaying its
/// inputs, never publishes a version at or below one already out (a dashboard would see figures go back in time).
///
/// A store that has published keeps this table up to date itself; an empty one first reads its compacted outputs back
/// (``bootstrap(_:topics:config:logger:)``).
public enum PublishedVersions {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE published_version (
                  topic TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (topic, key)) WITHOUT ROWID
                """)
    }

    /// Whether `version` is newer than any published under `key`; if so it is recorded as published, in the caller's
    /// transaction (the one that appends the event to the outbox).
    public static func claim(_ topic: TopicDefinition, key: String, version: Int64, in db: Database) throws -> Bool {
        try db.run(
            """
                INSERT INTO published_version (topic, key, version) VALUES (?, ?, ?)
                ON CONFLICT (topic, key) DO UPDATE SET version = excluded.version WHERE excluded.version > published_version.version
                """, [topic.name, key, version])
        return db.changesCount > 0
    }

    /// For a store that has recorded nothing on `topics`: reads them to their current end and records the highest
    /// `ce_sequence` of each key whose `ce_source` is `source`. Returns the keys recorded.
    @discardableResult
    public static func bootstrap(
        _ store: ServiceStore, topics: [TopicDefinition], source: String, config: KafkaConfig, logger: Logger
    ) throws -> Int {
        let pending = try store.pool.read { db in
            try topics.filter { topic in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM published_version WHERE topic = ?", arguments: [topic.name]) == 0
            }
        }
        guard !pending.isEmpty else { return 0 }
        let latest = try TopicScan.latestSequences(pending.map(\.name), source: source, config: config, logger: logger)
        try store.pool.write { db in
            for (pair, version) in latest {
                try db.run(
                    """
                        INSERT INTO published_version (topic, key, version) VALUES (?, ?, ?)
                        ON CONFLICT (topic, key) DO UPDATE SET version = MAX(version, excluded.version)
                        """, [pair.topic, pair.key, version])
            }
        }
        logger.info("read back what was published before", metadata: ["topics": "\(pending.map(\.name))", "keys": "\(latest.count)"])
        return latest.count
    }
}

/// Reads topics from their beginning to their end at the time of the call, outside any consumer group's offsets.
public enum TopicScan {
    /// Every record `topics` hold now, in partition order, passed to `each` as it is read.
    public static func readToEnd(
        _ topics: [String], config: KafkaConfig, logger: Logger, timeout: TimeInterval = 120, each: (KafkaConsumerMessage) throws -> Void
    ) throws {
        let producer = try KafkaProducer(config: config, logger: logger)
        let counts = try producer.partitionCounts()
        var ends: [TopicPartition: Int64] = [:]
        for topic in topics {
            for partition in 0..<Int32(counts[topic] ?? 0) {
                let (_, high) = try producer.watermarks(topic: topic, partition: partition)
                if high > 0 { ends[TopicPartition(topic: topic, partition: partition)] = high }
            }
        }
        guard !ends.isEmpty else { return }
        let consumer = try KafkaConsumer(
            config: config.merging([
                "group.id": "giamngheo-scan-\(UUID().uuidString)", "auto.offset.reset": "earliest", "enable.auto.commit": "false",
            ]),
            topics: topics, startOffsets: { _ in [:] }, logger: logger)
        defer { consumer.close() }
        var reached: [TopicPartition: Int64] = [:]
        let deadline = Date().addingTimeInterval(timeout)
        while ends.contains(where: { (reached[$0.key] ?? 0) < $0.value }) {
            guard Date() < deadline else { throw KafkaError.client("reading \(topics) did not reach their end in \(Int(timeout)) s: \(reached) of \(ends)") }
            for message in try consumer.poll(maxMessages: 5_000, timeoutMs: 100) {
                reached[message.topicPartition] = message.offset + 1
                try each(message)
            }
        }
    }

    /// The highest `ce_sequence` per (topic, key) among records whose `ce_source` is `source`.
    static func latestSequences(_ topics: [String], source: String, config: KafkaConfig, logger: Logger) throws -> [Pair: Int64] {
        var latest: [Pair: Int64] = [:]
        try readToEnd(topics, config: config, logger: logger) { message in
            guard message.header("ce_source") == source, let key = message.key,
                let sequence = message.header("ce_sequence").flatMap({ Int64($0) })
            else { return }
            let pair = Pair(topic: message.topic, key: String(decoding: key, as: UTF8.self))
            latest[pair] = max(latest[pair] ?? 0, sequence)
        }
        return latest
    }

    struct Pair: Hashable {
        var topic: String
        var key: String
    }
}
