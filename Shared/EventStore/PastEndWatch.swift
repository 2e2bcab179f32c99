import Foundation
import Kafka

/// What a consumer does when its store's position lies past the end of a partition: the topic was re-created or the
/// broker replaced by one holding less, and waiting would consume nothing (or, once the partition grows back, skip
/// what lies before the old position) while lag says 0.
public enum PastEndPolicy: String, Sendable, CaseIterable {
    /// Pause the partition, report not ready, and wait for the operator (`giamngheo-admin offsets --rewind`).
    case stop
    /// Start the partition again from its beginning; events already applied are recognised and change nothing.
    case rewind
}

/// A partition whose position lies past its end.
public struct PastEnd: Sendable, Hashable, CustomStringConvertible {
    public var partition: TopicPartition
    /// Where the store resumes.
    public var position: Int64
    /// The partition's end as the broker says (the offset its next record gets).
    public var end: Int64
    /// Set when the position lies below the end but has not moved for this many seconds: records the broker counts and
    /// does not serve (seen on the local broker once a topic was deleted under a producer and created again).
    public var stalledSeconds: Int?

    public init(partition: TopicPartition, position: Int64, end: Int64, stalledSeconds: Int? = nil) {
        (self.partition, self.position, self.end, self.stalledSeconds) = (partition, position, end, stalledSeconds)
    }

    public var description: String {
        if let stalledSeconds {
            return "\(partition): the store has stayed at offset \(position) for \(stalledSeconds) s although the partition ends at \(end) "
                + "(records the broker counts but does not serve: topic re-created under a producer?)"
        }
        return "\(partition): the store resumes at offset \(position) but the partition ends at \(end) (topic re-created or broker replaced)"
    }
}

/// Decides which partitions have records beyond the store's position that never come: the position has not moved for
/// `grace` while the end the fetcher sees lies beyond it. Those are confirmed with the broker, then treated like a
/// position past the end (``PastEndPolicy``), rather than left waiting in silence with a lag that never falls.
struct StallWatch {
    let grace: TimeInterval
    private(set) var unmovedSince: [TopicPartition: (position: Int64, since: Date)] = [:]
    /// The position each stalled partition was dealt with at.
    var handled: [TopicPartition: Int64] = [:]

    /// - Parameters:
    ///   - fetching: the fetcher's positions. A partition given to this member has none until a record of it is
    ///     consumed, so a caught-up partition with nothing new would look stuck at 0 (seen: three partitions paused
    ///     after a rebalance, and the records that came next never read).
    ///   - stored: the store's positions, where the fetcher resumes, for a partition it has no position of yet; with
    ///     neither (a new or rewound partition), the beginning.
    /// - Returns: the partitions to confirm now, with how long each has not moved.
    mutating func observe(
        fetching: [TopicPartition: Int64], stored: [TopicPartition: Int64], ends: [TopicPartition: Int64], now: Date
    ) -> [(TopicPartition, TimeInterval)] {
        var due: [(TopicPartition, TimeInterval)] = []
        var watched: [TopicPartition: (position: Int64, since: Date)] = [:]
        for (tp, end) in ends {
            let position = max(0, fetching[tp] ?? stored[tp] ?? 0)
            guard end > position + 1 else { continue }
            let since = unmovedSince[tp].flatMap { $0.position == position ? $0.since : nil } ?? now
            watched[tp] = (position, since)
            if now.timeIntervalSince(since) >= grace { due.append((tp, now.timeIntervalSince(since))) }
        }
        unmovedSince = watched
        return due.sorted { $0.0.description < $1.0.description }
    }

    /// Forgets a partition once it has been dealt with.
    mutating func forget(_ tp: TopicPartition) { unmovedSince[tp] = nil }
}

/// Decides which partitions have sat past their end for longer than `grace`, from the store's positions and the ends
/// the fetcher last saw; those are then confirmed with the broker before anything is done. The grace covers a broker
/// that reports a partition's end a little behind the records it has just returned.
struct PastEndWatch {
    let grace: TimeInterval
    private(set) var suspectedSince: [TopicPartition: Date] = [:]

    /// - Returns: the partitions to confirm now.
    mutating func observe(positions: [TopicPartition: Int64], ends: [TopicPartition: Int64], now: Date) -> [TopicPartition] {
        var due: [TopicPartition] = []
        var suspects: [TopicPartition: Date] = [:]
        for (tp, end) in ends where end >= 0 {
            guard let position = positions[tp], position > end else { continue }
            let since = suspectedSince[tp] ?? now
            suspects[tp] = since
            if now.timeIntervalSince(since) >= grace { due.append(tp) }
        }
        suspectedSince = suspects
        return due.sorted { $0.description < $1.description }
    }

    /// Forgets a partition once it has been dealt with.
    mutating func forget(_ tp: TopicPartition) { suspectedSince[tp] = nil }
}
