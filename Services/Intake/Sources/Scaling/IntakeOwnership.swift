import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import Logging
import ServiceRuntime
import Synchronization

/// Which households this intake instance writes: those on the partitions the group `intake` gives it (it reads
/// `giamngheo.intake.household-command.v1` as that group), once its copy of the registry has read the partition's
/// household-state records as far as they went when it got the partition. One writer per household, so two instances
/// never both make "version n"; the others forward to it.
///
/// A partition given away is let go only once every household-state record of it this instance wrote is on the topic
/// (the group waits for that before it hands the partition on), so its next writer starts from the last version.
///
/// An instance that last held every partition, with no other instance claiming any since, goes on writing every
/// household when it loses its group (the broker paused or replaced): nobody else can have been given them, and a lone
/// intake keeps accepting surveys into its outbox as it always has. Several instances refuse writes while the group
/// cannot tell them apart.
public final class IntakeOwnership: PartitionHolder {
    /// The consumer group whose assignment decides the writer of each household partition.
    public static let group = "intake"

    let state = Topics.intakeHouseholdState.name
    let command = Topics.intakeHouseholdCommand.name
    private let store: ServiceStore
    private let writer: GroupCommitWriter
    /// Asks the broker where the household-state partitions end.
    private let watermarks: KafkaProducer
    private let partitionCount: Int32
    private let logger: Logger
    /// The loop of group `intake`; set once, before the service runs.
    private let owners = Mutex<ConsumerLoop?>(nil)
    /// For each partition got: the household-state topic's end when it was got, which the copy must reach.
    private let targets = Mutex<[Int32: Int64]>([:])
    /// When each partition's end was last asked for.
    private let asked = Mutex<[Int32: ContinuousClock.Instant]>([:])
    /// How long a partition given away may wait for its records to reach the topic.
    let releaseTimeout: Duration

    public init(
        store: ServiceStore, writer: GroupCommitWriter, kafka: KafkaConfig, partitionCount: Int, releaseTimeout: Duration = .seconds(10), logger: Logger
    ) throws {
        self.store = store
        self.writer = writer
        watermarks = try KafkaProducer(config: kafka, logger: logger)
        self.partitionCount = Int32(max(1, partitionCount))
        self.releaseTimeout = releaseTimeout
        self.logger = logger
    }

    public func attach(_ loop: ConsumerLoop) { owners.withLock { $0 = loop } }

    /// Whether another instance has claimed partitions since a time (ms since 1970): the directory's answer, set once.
    private let peers = Mutex<(@Sendable (Int64) -> Bool)?>(nil)
    /// When this instance last held every partition, caught up (ms since 1970), and how many times partitions were
    /// let go, so that a check begun before a release does not set it again after.
    private let lastWhole = Mutex<(releases: Int, since: Int64?)>((0, nil))

    public func attach(peers othersClaimed: @escaping @Sendable (Int64) -> Bool) { peers.withLock { $0 = othersClaimed } }

    /// This instance held every partition last, and nobody has claimed one since.
    var soleWriter: Bool {
        guard let since = lastWhole.withLock({ $0.since }), let othersClaimed = peers.withLock({ $0 }) else { return false }
        return !othersClaimed(since)
    }

    private var everyPartition: Set<TopicPartition> { Set((0..<partitionCount).map { TopicPartition(topic: command, partition: $0) }) }

    public var assignment: Set<TopicPartition> { owners.withLock { $0?.assignment ?? [] }.filter { $0.topic == command } }

    /// The command partitions assigned whose household-state partition the copy has read far enough.
    public var current: Set<TopicPartition> {
        (try? store.pool.read { db in try self.current(in: db) }) ?? []
    }

    /// ``current``, reading how far the copy has read from `db` (inside a transaction of the store).
    func current(in db: Database) throws -> Set<TopicPartition> {
        let releases = lastWhole.withLock { $0.releases }
        let assigned = assignment
        let partitions = Set(assigned.map(\.partition))
        var known = targets.withLock { targets in
            targets = targets.filter { partitions.contains($0.key) }
            return targets
        }
        let now = ContinuousClock.now
        for partition in partitions.subtracting(known.keys) {
            // Asked at most once a second per partition: every request asks while the broker does not answer.
            guard asked.withLock({ asked in
                if let last = asked[partition], now - last < .seconds(1) { return false }
                asked[partition] = now
                return true
            }) else { continue }
            guard let end = try? watermarks.watermarks(topic: state, partition: partition, timeoutMs: 2_000).high else { continue }
            known[partition] = end
            targets.withLock { targets in if targets[partition] == nil { targets[partition] = end } }
        }
        let read = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT partition, next_offset FROM consumer_offset WHERE topic = ?", arguments: [state]).map {
                ($0["partition"] as Int32, $0["next_offset"] as Int64)
            })
        let caughtUp = assigned.filter { tp in
            guard let target = known[tp.partition] else { return false }
            return (read[tp.partition] ?? 0) >= target
        }
        if caughtUp.count == Int(partitionCount) {
            lastWhole.withLock { if $0.releases == releases { $0.since = Self.nowMillis() } }
            return caughtUp
        }
        return assigned.isEmpty && soleWriter ? everyPartition : caughtUp
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// The partition of a household's records.
    public func partition(of householdId: String) -> Int32 {
        KeyPartitioner.partition(key: Array(householdId.utf8), partitionCount: partitionCount)
    }

    /// Whether this instance writes `householdId` now (inside a transaction of the store).
    func writes(_ householdId: String, in db: Database) throws -> Bool {
        try current(in: db).contains(TopicPartition(topic: command, partition: partition(of: householdId)))
    }

    /// Whether the partition of `householdId` is still assigned here: checked again in the transaction that stores a
    /// write routed here, since the partition may have been let go since.
    func stillAssigned(_ householdId: String) -> Bool {
        let assigned = assignment
        return assigned.contains(TopicPartition(topic: command, partition: partition(of: householdId))) || (assigned.isEmpty && soleWriter)
    }

    /// Called by the loop of group `intake` with partitions taken away: waits for the writes already queued, then for
    /// their household-state records to leave the outbox, so that the next writer reads them before it writes.
    /// - Parameter lost: the group lost this member (its broker unreachable) rather than handing the partitions on.
    func release(_ released: [TopicPartition], lost: Bool) {
        let partitions = Set(released.filter { $0.topic == command }.map(\.partition))
        guard !partitions.isEmpty else { return }
        let reached = targets.withLock { targets in
            defer { for partition in partitions { targets[partition] = nil } }
            return partitions.compactMap { partition in targets[partition].map { (partition, $0) } }
        }
        // Every partition, each caught up, lost at once: this instance held them all until its group was cut off. Taken
        // back by a rebalance instead, another instance may be joining: no longer the sole writer.
        lastWhole.withLock { $0 = ($0.releases + 1, lost ? $0.since : nil) }
        if lost, partitions.count == Int(partitionCount), reached.count == partitions.count,
            let read = try? store.startOffsets(for: reached.map { TopicPartition(topic: state, partition: $0.0) }),
            reached.allSatisfy({ max(0, read[TopicPartition(topic: state, partition: $0.0)] ?? 0) >= $0.1 })
        {
            lastWhole.withLock { $0.since = Self.nowMillis() }
        }
        let done = DispatchSemaphore(value: 0)
        Task { [writer] in
            _ = try? await writer.write { _ in }  // every write admitted before the release is committed
            done.signal()
        }
        let deadline = ContinuousClock.now + releaseTimeout
        _ = done.wait(timeout: .now() + .seconds(Int(releaseTimeout.components.seconds)))
        while ContinuousClock.now < deadline {
            guard let waiting = try? unsent(on: partitions), waiting > 0 else {
                logger.info("household partitions let go", metadata: ["partitions": "\(partitions.sorted())"])
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        logger.error(
            "household partitions let go with household-state records still unsent; their next writer may write a version twice",
            metadata: ["partitions": "\(partitions.sorted())"])
    }

    /// Household-state records in the outbox for `partitions`.
    func unsent(on partitions: Set<Int32>) throws -> Int {
        try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT message_key FROM outbox WHERE topic = ?", arguments: [state]).filter {
                partitions.contains(KeyPartitioner.partition(key: [UInt8]($0), partitionCount: partitionCount))
            }.count
        }
    }
}
