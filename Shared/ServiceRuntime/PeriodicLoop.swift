import Foundation
import Synchronization

/// A job's loop on the calling thread (a ``ThreadService``): the work, then a wait of `interval` that ``stop()`` cuts
/// short, until stopped.
public final class PeriodicLoop: Sendable {
    let interval: Duration
    private let stopping = Mutex(false)
    private let condition = NSCondition()

    public init(every interval: Duration) { self.interval = interval }

    public func run(_ work: () -> Void) {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while !stopping.withLock({ $0 }) {
            work()
            condition.lock()
            if !stopping.withLock({ $0 }) { _ = condition.wait(until: Date(timeIntervalSinceNow: seconds)) }
            condition.unlock()
        }
    }

    public func stop() {
        condition.lock()
        stopping.withLock { $0 = true }
        condition.signal()
        condition.unlock()
    }
}
