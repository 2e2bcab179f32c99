import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Reclassification over HTTP: where the store stands against the loaded catalogue, and starting a pending job.
public struct ReclassificationRoutes: Sendable {
    let store: ServiceStore
    let catalogue: StandardsCatalogue
    let worker: ReclassificationWorker

    public init(store: ServiceStore, catalogue: StandardsCatalogue, worker: ReclassificationWorker) {
        self.store = store
        self.catalogue = catalogue
        self.worker = worker
    }

    /// The store against the loaded catalogue.
    struct Overview: Codable, Sendable {
        /// Revision of the catalogue the service runs with.
        var catalogueRevision: Int
        /// Revision last applied to every stored household (nil before the first).
        var appliedRevision: Int?
        /// Every job, newest first.
        var jobs: [ReclassificationJob]
    }

    public func register(on router: SecuredRouter) {
        router.get("/v1/reclassifications") { _, _ in JSONResponse.make(.ok, try await overview()) }
        router.get("/v1/reclassifications/:jobId") { _, context in
            let id = context.parameters.get("jobId") ?? ""
            guard let job = try await store.pool.read({ db in try CatalogueLedger.job(id, in: db) }) else {
                return JSONResponse.notFound("reclassification \(id)")
            }
            return JSONResponse.make(.ok, job)
        }
        router.post("/v1/reclassifications") { _, _ in
            guard let job = try await worker.startPending() else { return JSONResponse.make(.ok, try await overview()) }
            return JSONResponse.make(.accepted, job, headers: [.location: "/v1/reclassifications/\(job.jobId)"])
        }
    }

    func overview() async throws -> Overview {
        try await store.pool.read { db in
            Overview(
                catalogueRevision: catalogue.revision, appliedRevision: try CatalogueLedger.latestApplied(in: db)?.revision,
                jobs: try CatalogueLedger.jobs(in: db))
        }
    }
}
