import Foundation

/// How long to wait before retrying a step that failed: doubles from `initial` up to `maximum` with each failure in a
/// row, and starts again from `initial` after a success. The one retry delay of the services' loops (applying a batch,
/// relaying the outbox, re-creating a topic), so a broker or disk that keeps failing is not hammered.
public struct Backoff: Sendable {
    public let initial: TimeInterval
    public let maximum: TimeInterval
    /// Failures in a row so far.
    public private(set) var failures = 0

    public init(initial: TimeInterval, maximum: TimeInterval) {
        precondition(initial > 0 && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
    }

    /// Counts a failure and returns the delay before the next attempt.
    public mutating func failed() -> TimeInterval {
        failures += 1
        return min(maximum, initial * pow(2, Double(min(failures - 1, 40))))
    }

    /// Forgets the failures: the next one waits `initial` again.
    public mutating func succeeded() { failures = 0 }
}
