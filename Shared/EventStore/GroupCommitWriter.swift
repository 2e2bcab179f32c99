import Foundation
import GRDB
import Synchronization

/// Writes many small requests (HTTP submissions) in shared transactions, so one fsync serves many callers.
///
/// Each request runs in its own savepoint: a request that throws is rolled back alone and gets its own
/// error, while the others in the same transaction commit.
public final class GroupCommitWriter: Sendable {
    private typealias Work = @Sendable (Database) throws -> any Sendable
    private struct Pending: Sendable {
        let work: Work
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    private let store: ServiceStore
    private let maxBatch: Int
    private let queue = Mutex<(pending: [Pending], draining: Bool)>(([], false))

    public init(store: ServiceStore, maxBatch: Int = 500) {
        self.store = store
        self.maxBatch = maxBatch
    }

    /// Runs `work` in a write transaction shared with other callers and returns its result once committed.
    public func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let startDrain = queue.withLock { state -> Bool in
                state.pending.append(Pending(work: { try work($0) }, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            if startDrain {
                Thread.detachNewThread { [self] in drain() }
            }
        }
        return result as! T
    }

    /// Commits queued work in batches until the queue is empty, on a thread of its own (SQLite I/O blocks).
    private func drain() {
        while true {
            let batch = queue.withLock { state -> [Pending] in
                let taken = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(taken.count)
                if taken.isEmpty { state.draining = false }
                return taken
            }
            if batch.isEmpty { return }
            var results: [Result<any Sendable, any Error>] = []
            do {
                try store.pool.write { db in
                    results = []
                    for pending in batch {
                        do {
                            var value: (any Sendable)?
                            try db.inSavepoint {
                                value = try pending.work(db)
                                return .commit
                            }
                            results.append(.success(value!))
                        } catch {
                            results.append(.failure(error))
                        }
                    }
                }
                store.outboxChanged()
                for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
            } catch {
                for pending in batch { pending.continuation.resume(throwing: error) }
            }
        }
    }
}
