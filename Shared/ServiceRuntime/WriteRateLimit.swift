import EventContracts
import Foundation
import Synchronization

/// A token bucket: `capacity` requests at once, refilled at `perSecond`. Pure: the caller gives the time.
public struct TokenBucket: Sendable, Hashable {
    public let capacity: Double
    public let perSecond: Double
    var tokens: Double
    var at: Double

    public init(capacity: Double, perSecond: Double, now: Double) {
        (self.capacity, self.perSecond, tokens, at) = (capacity, perSecond, capacity, now)
    }

    /// Takes one token at `now` (seconds); nil when taken, else the seconds until one is there.
    public mutating func take(now: Double) -> Double? {
        tokens = min(capacity, tokens + max(0, now - at) * perSecond)
        at = max(at, now)
        guard tokens >= 1 else { return (1 - tokens) / perSecond }
        tokens -= 1
        return nil
    }
}

/// Writes per caller (`sub`): each has its own bucket of `perMinute` writes, refilled evenly over a minute
/// (`WRITE_RATE_PER_MINUTE`, default 1200; 0 turns the limit off). A batch or an import counts as one write.
public final class WriteRateLimiter: Sendable {
    let perMinute: Int
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let started = ContinuousClock.now

    public init(perMinute: Int) { self.perMinute = perMinute }

    public static func configured(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> WriteRateLimiter {
        let text = environment["WRITE_RATE_PER_MINUTE"] ?? "1200"
        guard let value = Int(text), value >= 0 else {
            throw FieldError("WRITE_RATE_PER_MINUTE", "'\(text.prefix(20))' is not a whole number of writes per minute (0: no limit)")
        }
        return WriteRateLimiter(perMinute: value)
    }

    /// nil when `subject` may write now, else the seconds to wait.
    public func admit(_ subject: String) -> Double? {
        guard perMinute > 0 else { return nil }
        let elapsed = (ContinuousClock.now - started).components
        let now = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let rate = Double(perMinute)
        return buckets.withLock { all in
            var bucket = all[subject] ?? TokenBucket(capacity: rate, perSecond: rate / 60, now: now)
            let wait = bucket.take(now: now)
            all[subject] = bucket
            return wait
        }
    }
}
