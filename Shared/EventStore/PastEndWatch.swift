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

    public var description: String {
        "\(partition): the store resumes at offset \(position) but the partition ends at \(end) (topic re-created or broker replaced)"
    }
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
