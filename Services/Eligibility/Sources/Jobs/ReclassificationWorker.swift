import EventStore
import Foundation
import GRDB
import Logging
import Synchronization

/// Runs the store's reclassification job, if one is `running`, on its own thread beside the consumer; otherwise
/// waits to be woken (`POST /v1/reclassifications` turns a `pending` job into a `running` one). On shutdown it stops
/// after the chunk in hand; the job resumes from its cursor at the next start.
public final class ReclassificationWorker: Sendable {
    let reclassifier: Reclassifier
    let logger: Logger
    private let state = Mutex<(woken: Bool, stopping: Bool)>((false, false))
    private let condition = NSCondition()

    public init(reclassifier: Reclassifier, logger: Logger) {
        self.reclassifier = reclassifier
        self.logger = logger
    }

    /// Starts the pending job, if any; returns the job as it then stands (nil when there is nothing to reclassify).
    public func startPending() async throws -> ReclassificationJob? {
        let job = try await reclassifier.store.pool.write { db -> ReclassificationJob? in
            guard let open = try CatalogueLedger.jobs(in: db).first(where: { $0.status == .pending || $0.status == .running }) else {
                return nil
            }
            if open.status == .pending { try CatalogueLedger.setStatus(.running, of: open.jobId, in: db) }
            return try CatalogueLedger.job(open.jobId, in: db)
        }
        if job != nil { wake() }
        return job
    }

    public func wake() {
        condition.lock()
        state.withLock { $0.woken = true }
        condition.signal()
        condition.unlock()
    }

    public func stop() {
        condition.lock()
        state.withLock { $0.stopping = true }
        condition.signal()
        condition.unlock()
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    /// The worker's loop, on the calling thread, until ``stop()``.
    /// A chunk that fails (disk full, database busy) is rolled back and the job retried after 5 s.
    public func runBlocking() {
        while !stopping {
            do {
                let running = try reclassifier.store.pool.read { db in try CatalogueLedger.jobs(in: db).first { $0.status == .running } }
                if let running {
                    try run(running)
                    continue
                }
            } catch {
                logger.error("reclassification failed; retrying", metadata: ["error": "\(error)"])
            }
            condition.lock()
            if !state.withLock({ $0.woken || $0.stopping }) { _ = condition.wait(until: Date(timeIntervalSinceNow: 5)) }
            state.withLock { $0.woken = false }
            condition.unlock()
        }
    }

    private func run(_ job: ReclassificationJob) throws {
        logger.info(
            "reclassification started",
            metadata: ["job": "\(job.jobId)", "scope": "\(job.scope)", "changed": "\(job.changedStandardIds.joined(separator: ","))",
                       "examined": "\(job.examined)"])
        var lastLog = Date()
        let finished = try reclassifier.run(job.jobId, shouldStop: { stopping }) { progress in
            guard Date().timeIntervalSince(lastLog) >= 10 else { return }
            lastLog = Date()
            logger.info("reclassification progress", metadata: counts(progress))
        }
        logger.info(finished.status == .completed ? "reclassification completed" : "reclassification paused", metadata: counts(finished))
    }

    private func counts(_ job: ReclassificationJob) -> Logger.Metadata {
        ["job": "\(job.jobId)", "examined": "\(job.examined)", "evaluated": "\(job.evaluated)", "published": "\(job.published)",
         "withoutStandard": "\(job.withoutStandard)"]
    }
}
