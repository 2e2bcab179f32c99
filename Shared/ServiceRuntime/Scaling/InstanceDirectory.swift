import EventContracts
import EventStore
import Foundation
import Kafka
import Logging
import Metrics
import Synchronization

/// What an instance holds of a consumer group's partitions: assigned, and applied far enough to answer from its store.
/// A ``ConsumerLoop`` is one; a service whose answers come from another loop's store says so with its own (intake).
public protocol PartitionHolder: Sendable {
    var assignment: Set<TopicPartition> { get }
    var current: Set<TopicPartition> { get }
}

extension ConsumerLoop: PartitionHolder {}

/// Which instance of this service holds which partition of one consumer group, and where each answers HTTP: this
/// instance announces its own claim on `giamngheo.instance.v1` and follows the others' (``InstanceClaim``), so that a
/// request for a household on a partition it does not hold can go to the one that does (``OwnerRouting``).
public final class InstanceDirectory: Sendable {
    public let service: String
    public let group: String
    public let instanceId: String
    public let url: String
    /// The group's topics (all co-partitioned), and their partition count.
    let topics: Set<String>
    public let partitionCount: Int32
    private let consumer: any PartitionHolder
    private let kafka: KafkaConfig
    private let announceEvery: Duration
    /// A claim not repeated for this long is not believed: its instance is gone or cut off.
    public let ttlMillis: Int64
    /// How long a partition may stay without a live owner before readiness fails.
    let unownedGrace: TimeInterval
    private let logger: Logger
    private let claims = Mutex<[String: InstanceClaim]>([:])
    /// This instance's last announced partitions and since when it has held them.
    private let own = Mutex<(partitions: [Int32], since: Int64)>(([], 0))
    private let unownedSince = Mutex<[Int32: Date]>([:])
    private let loop: PeriodicLoop
    private let unownedGauge: Gauge

    public init(
        service: String, group: String, instanceId: String, url: String, topics: [TopicDefinition], partitionCount: Int,
        consumer: any PartitionHolder, kafka: KafkaConfig, announceEvery: Duration, unownedGrace: TimeInterval, logger: Logger
    ) {
        self.service = service
        self.group = group
        self.instanceId = instanceId
        self.url = url
        self.topics = Set(topics.map(\.name))
        self.partitionCount = Int32(max(1, partitionCount))
        self.consumer = consumer
        self.kafka = kafka
        self.announceEvery = announceEvery
        let seconds = announceEvery.components.seconds * 1000 + announceEvery.components.attoseconds / 1_000_000_000_000_000
        ttlMillis = 3 * seconds
        self.unownedGrace = unownedGrace
        self.logger = logger
        loop = PeriodicLoop(every: announceEvery)
        unownedGauge = Gauge(label: "giamngheo_unowned_partitions", dimensions: [("consumer", group)])
    }

    /// The partition a key's records are on (librdkafka's and Kafka's default partitioner).
    public func partition(ofKey key: String) -> Int32 {
        KeyPartitioner.partition(key: Array(key.utf8), partitionCount: partitionCount)
    }

    /// The partitions of the group this instance applies and is caught up on.
    public var held: Set<Int32> { Set(consumer.current.filter { topics.contains($0.topic) }.map(\.partition)) }

    /// The partitions of the group this instance was given and is still catching up on.
    var catchingUp: Set<Int32> { Set(consumer.assignment.filter { topics.contains($0.topic) }.map(\.partition)).subtracting(held) }

    /// Who answers for `key` now.
    public func owner(ofKey key: String) -> PartitionOwner { owner(ofPartition: partition(ofKey: key)) }

    /// Who answers for the keys on `partition` now.
    public func owner(ofPartition partition: Int32) -> PartitionOwner {
        PartitionOwner.of(
            partition, held: held, catchingUp: catchingUp, me: instanceId, claims: claims.withLock { Array($0.values) }, nowMillis: Self.nowMillis(), ttlMillis: ttlMillis)
    }

    /// The other instances announced within the claims' lifetime, whatever they hold.
    public var liveOthers: [InstanceClaim] {
        let now = Self.nowMillis()
        return claims.withLock { claims in
            claims.values.filter { $0.instanceId != instanceId && now - $0.announcedAtMillis <= ttlMillis }.sorted { $0.instanceId < $1.instanceId }
        }
    }

    /// Whether another instance has claimed any partition of the group in an announcement made after `millis` (ms since
    /// 1970), as far as this instance has read the claims.
    public func othersClaimed(since millis: Int64) -> Bool {
        claims.withLock { claims in claims.values.contains { $0.instanceId != instanceId && !$0.partitions.isEmpty && $0.announcedAtMillis > millis } }
    }

    /// Partitions of the group no live instance (this one included) has been assigned for longer than the grace;
    /// readiness names them.
    public var unownedTooLong: [Int32] {
        let now = Date()
        return unownedSince.withLock { since in since.filter { now.timeIntervalSince($0.value) > unownedGrace }.keys.sorted() }
    }

    /// Announces this instance's claim every `announceEvery` and follows the others', on the calling thread, until
    /// ``stop()``; then says it holds nothing, so that the others stop forwarding to it.
    public func runBlocking() throws {
        let producer = try KafkaProducer(config: kafka, logger: logger)
        let follower = TopicFollower(config: kafka, topics: [Topics.instanceClaim.name], groupPrefix: "\(service)-instances", logger: logger) { [self] message in
            observe(message)
        }
        defer { follower.stop() }
        loop.run { [self] in
            let assigned = consumer.assignment.filter { topics.contains($0.topic) }.map(\.partition).sorted()
            announce(partitions: assigned, with: producer)
            trackUnowned(assigned: Set(assigned))
        }
        announce(partitions: [], with: producer)
        producer.flush(timeoutMs: 2_000)
    }

    public func stop() { loop.stop() }

    func observe(_ message: KafkaConsumerMessage) {
        guard let value = message.value else {
            if let key = message.key { claims.withLock { $0[String(decoding: key, as: UTF8.self)] = nil } }
            return
        }
        guard let claim = try? EventJSON.decode(InstanceClaim.self, from: value) else {
            logger.warning("an instance claim that does not decode was ignored", metadata: ["offset": "\(message.offset)", "partition": "\(message.partition)"])
            return
        }
        guard claim.service == service, claim.group == group, claim.instanceId != instanceId else { return }
        claims.withLock { $0[claim.key] = claim }
    }

    private func announce(partitions: [Int32], with producer: KafkaProducer) {
        let now = Self.nowMillis()
        let since = own.withLock { state in
            if state.partitions != partitions || state.since == 0 { state = (partitions, now) }
            return state.since
        }
        let claim = InstanceClaim(
            service: service, group: group, instanceId: instanceId, url: url, partitions: partitions, assignedAtMillis: since,
            announcedAtMillis: now)
        do {
            let event = try OutboundEvent.json(
                topic: Topics.instanceClaim, key: claim.key, type: EventTypes.instanceClaim, source: EventSources.service(service),
                idParts: ["instance-claim", claim.key, String(now)], sequence: nil, time: Timestamp.string(Date(timeIntervalSince1970: Double(now) / 1000)), payload: claim)
            let reports = try producer.send([event.message])
            if let failed = reports.first(where: { $0.error != nil }) {
                logger.warning("instance claim not delivered", metadata: ["error": "\(failed.error!)"])
            }
        } catch {
            logger.warning("instance claim not sent", metadata: ["error": "\(error)"])
        }
    }

    /// A partition this instance was assigned counts as owned while it catches up; readiness is about partitions
    /// nobody applies.
    private func trackUnowned(assigned mine: Set<Int32>) {
        let now = Date()
        let live = claims.withLock { Array($0.values) }
        let nowMillis = Self.nowMillis()
        let unowned = (0..<partitionCount).filter {
            PartitionOwner.of($0, held: mine, me: instanceId, claims: live, nowMillis: nowMillis, ttlMillis: ttlMillis) == .nobody
        }
        let count = unownedSince.withLock { since in
            since = Dictionary(uniqueKeysWithValues: unowned.map { ($0, since[$0] ?? now) })
            return since.count
        }
        unownedGauge.record(count)
    }

    static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
