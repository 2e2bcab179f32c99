import EventContracts
import Foundation
import GRDB
import Kafka
import Logging
import Synchronization

/// A service's SQLite store (WAL, `synchronous=FULL`) with the delivery tables every service shares:
/// `consumer_offset` (where each partition resumes), `inbox` (events already applied, by time, source and id) and `outbox`
/// (events to publish, written in the same transaction as the change that caused them).
public final class ServiceStore: Sendable {
    public let pool: DatabasePool
    public let path: String
    /// How long an applied event stays in the inbox (by its time and by when it arrived).
    public let inboxRetention: TimeInterval
    let outboxSignal = OutboxSignal()
    private let lastInboxPrune = Mutex(Date.distantPast)

    /// Opens (creating if needed) the store and runs every migration before anything consumes.
    /// - Parameter migrations: the service's own schema, registered after the shared tables.
    /// Days the inbox remembers an applied event unless the operator says otherwise (`INBOX_RETENTION_DAYS`).
    public static let defaultInboxRetentionDays = 30

    /// - Parameter inboxRetention: how long the inbox remembers an event.
    public init(
        path: String, inboxRetention: TimeInterval = TimeInterval(defaultInboxRetentionDays) * 86_400, migrations: (inout DatabaseMigrator) -> Void = { _ in }
    ) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Measured with `giamngheo-admin store-bench` (docs/benchmarks.md): checkpointing every 10,000 pages rather
            // than 1,000 cut the CPU per applied record by a fifth; a larger cache or a memory map gained nothing more
            // once large payloads moved out of WITHOUT ROWID tables, and would count against each service's memory.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.pageCacheKiB)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.checkpointPages)")
            db.add(function: Self.kafkaPartition)
        }
        self.path = path
        self.inboxRetention = inboxRetention
        self.pool = try DatabasePool(path: path, configuration: config)
        var migrator = DatabaseMigrator()
        Self.registerDeliveryTables(&migrator)
        migrations(&migrator)
        Self.registerPublishedVersions(&migrator)
        try migrator.migrate(pool)
    }

    /// `kafka_partition(key, partitionCount)`: the partition a record keyed `key` (text) is on under Kafka's default
    /// partitioner, for queries that keep to the partitions an instance holds.
    public static let kafkaPartition = DatabaseFunction("kafka_partition", argumentCount: 2, pure: true) { values in
        guard let key = String.fromDatabaseValue(values[0]), let count = Int32.fromDatabaseValue(values[1]), count > 0 else { return nil }
        return Int64(KeyPartitioner.partition(key: Array(key.utf8), partitionCount: count))
    }

    /// Page cache per connection, in KiB.
    static let pageCacheKiB = 8_192
    /// WAL pages between automatic checkpoints (SQLite's default is 1,000).
    static let checkpointPages = 10_000

    static func registerDeliveryTables(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("delivery-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE consumer_offset (
                      topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
                      updated_at TEXT NOT NULL, PRIMARY KEY (topic, partition)) WITHOUT ROWID;
                    CREATE TABLE inbox (
                      source TEXT NOT NULL, id TEXT NOT NULL, received_at TEXT NOT NULL,
                      PRIMARY KEY (source, id)) WITHOUT ROWID;
                    CREATE TABLE outbox (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      event_id TEXT NOT NULL UNIQUE,
                      topic TEXT NOT NULL,
                      message_key BLOB,
                      headers BLOB NOT NULL,
                      payload BLOB,
                      created_at TEXT NOT NULL);
                    """)
        }
        // The inbox's key starts with `ce_time`: a redelivered event is the same event, time included, and events
        // arrive roughly in time order, so each insert lands on the B-tree's last pages. Keyed by the random `ce_id`
        // alone, every insert dirtied a page of its own: a fifth of every consumer's CPU at 20,000 households
        // (docs/benchmarks.md). Rows from before this migration keep an empty time and no longer match.
        migrator.registerMigration("delivery-v2-inbox-by-time") { db in
            try db.execute(
                sql: """
                    CREATE TABLE inbox_by_time (
                      event_time TEXT NOT NULL, source TEXT NOT NULL, id TEXT NOT NULL, received_at TEXT NOT NULL,
                      PRIMARY KEY (event_time, source, id)) WITHOUT ROWID;
                    INSERT INTO inbox_by_time (event_time, source, id, received_at) SELECT '', source, id, received_at FROM inbox;
                    DROP TABLE inbox;
                    ALTER TABLE inbox_by_time RENAME TO inbox;
                    """)
        }
    }

    static func registerPublishedVersions(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("delivery-v3-published-version", migrate: PublishedVersions.migrate)
        // What each record sent through an HTTP twin said (a digest), so that an id sent again with another record is
        // refused rather than answered with the first one's outcome.
        migrator.registerMigration("delivery-v4-twin-submission") { db in
            try db.execute(
                sql: "CREATE TABLE twin_submission (source TEXT NOT NULL, id TEXT NOT NULL, digest TEXT NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID")
        }
    }

    /// Where each partition resumes (for the rebalance callback): the store's next offset, or the beginning of the
    /// partition when the store has none, so that a new instance or a lost disk costs a replay rather than data.
    public func startOffsets(for partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        try pool.read { db in
            var result: [TopicPartition: Int64] = [:]
            for tp in partitions {
                result[tp] = try Int64.fetchOne(
                    db.cachedStatement(sql: "SELECT next_offset FROM consumer_offset WHERE topic = ? AND partition = ?"),
                    arguments: [tp.topic, tp.partition]) ?? KafkaOffset.beginning
            }
            return result
        }
    }

    /// Forgets where `partitions` resume, so they start again from their beginning (a rewind after a topic lost records).
    public func forgetOffsets(_ partitions: [TopicPartition]) throws {
        try pool.write { db in
            for tp in partitions {
                try db.execute(sql: "DELETE FROM consumer_offset WHERE topic = ? AND partition = ?", arguments: [tp.topic, tp.partition])
            }
        }
    }

    /// Every partition's next offset (for lag and tests).
    public func allOffsets() throws -> [TopicPartition: Int64] {
        try pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT topic, partition, next_offset FROM consumer_offset")).reduce(into: [:]) {
                $0[TopicPartition(topic: $1["topic"], partition: $1["partition"])] = $1["next_offset"]
            }
        }
    }

    /// Deletes inbox rows whose event time and arrival are both older than the retention, in the caller's
    /// transaction: at most once an hour (or when `force`d) and at most `limit` rows at a time, so a first pruning of a
    /// large inbox spreads over many batches. A duplicate that arrives after its row is gone is still a no-op through
    /// the version guards; the inbox only spares it the work. Returns the rows deleted.
    @discardableResult
    public func pruneInbox(in db: Database, now: Date = Date(), force: Bool = false, limit: Int = 10_000) throws -> Int {
        let due = lastInboxPrune.withLock { last in
            guard force || now.timeIntervalSince(last) >= 3_600 else { return false }
            last = now
            return true
        }
        guard due else { return 0 }
        let cutoff = Timestamp.string(now.addingTimeInterval(-inboxRetention))
        try db.execute(
            sql: """
                DELETE FROM inbox WHERE (event_time, source, id) IN (
                  SELECT event_time, source, id FROM inbox WHERE event_time < ? AND received_at < ? ORDER BY event_time LIMIT ?)
                """, arguments: [cutoff, cutoff, limit])
        return db.changesCount
    }

    /// What waits in the outbox, read from the store: how many rows, and when the oldest was queued (RFC 3339).
    public func outboxBacklog() throws -> (depth: Int, oldestQueuedAt: String?) {
        try pool.read { db in
            let depth = try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM outbox")) ?? 0
            let oldest = try String.fetchOne(db.cachedStatement(sql: "SELECT created_at FROM outbox ORDER BY seq LIMIT 1"))
            return (depth, oldest)
        }
    }

    /// Events waiting for the relay.
    public func outboxDepth() throws -> Int {
        try pool.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM outbox")) ?? 0 }
    }

    /// Wakes the outbox relay; call after committing a transaction that appended events.
    public func outboxChanged() { outboxSignal.signal() }
}

/// Wakes the relay when events are appended, so publishing does not wait for a timer.
final class OutboxSignal: @unchecked Sendable {
    // @unchecked: `pending` is read and written only while `condition` is locked.
    private let condition = NSCondition()
    private var pending = false

    func signal() {
        condition.lock()
        pending = true
        condition.signal()
        condition.unlock()
    }

    /// Waits until signalled or until `timeout` passes; clears the signal.
    func wait(timeout: TimeInterval) {
        condition.lock()
        defer { condition.unlock() }
        if !pending { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        pending = false
    }
}

/// The age of the outbox's oldest row.
public enum OutboxAge {
    /// Seconds from `queuedAt` (RFC 3339 with milliseconds, as the outbox keeps it) to `now`; 0 for an empty outbox.
    public static func seconds(since queuedAt: String?, now: Date) -> Double {
        guard let queuedAt else { return 0 }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let date = formatter.date(from: queuedAt) ?? ISO8601DateFormatter().date(from: queuedAt) else { return 0 }
        return max(0, now.timeIntervalSince(date))
    }
}
