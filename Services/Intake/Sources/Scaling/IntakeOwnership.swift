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

    public var assignment: Set<TopicPartition> { owners.withLock { $0?.assignment ?? [] }.filter { $0.topic == command } }

    /// The command partitions assigned whose household-state partition the copy has read far enough.
    public var current: Set<TopicPartition> {
        (try? store.pool.read { db in try self.current(in: db) }) ?? []
    }

    /// ``current``, reading how far the copy has read from `db` (inside a transaction of the store).
    func current(in db: Database) throws -> Set<TopicPartition> {
        let assigned = assignment
        let partitions = Set(assigned.map(\.partition))
        var known = targets.withLock { targets in
            targets = targets.filter { partitions.contains($0.key) }
            return targets
        }
        for partition in partitions.subtracting(known.keys) {
            guard let end = try? watermarks.watermarks(topic: state, partition: partition, timeoutMs: 2_000).high else { continue }
            known[partition] = end
            targets.withLock { targets in if targets[partition] == nil { targets[partition] = end } }
        }
        let read = try Dictionary(
            uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT partition, next_offset FROM consumer_offset WHERE topic = ?", arguments: [state]).map {
                ($0["partition"] as Int32, $0["next_offset"] as Int64)
            })
        return assigned.filter { tp in
            guard let target = known[tp.partition] else { return false }
            return (read[tp.partition] ?? 0) >= target
        }
    }

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
        assignment.contains(TopicPartition(topic: command, partition: partition(of: householdId)))
    }

    /// Called by the loop of group `intake` with partitions taken away: waits for the writes already queued, then for
    /// their household-state records to leave the outbox, so that the next writer reads them before it writes.
    func release(_ lost: [TopicPartition]) {
        let partitions = Set(lost.filter { $0.topic == command }.map(\.partition))
        guard !partitions.isEmpty else { return }
        targets.withLock { targets in for partition in partitions { targets[partition] = nil } }
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
