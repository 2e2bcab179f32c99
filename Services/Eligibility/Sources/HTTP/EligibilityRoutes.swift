import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// A household's classification with its explanation, and the standards the service applies.
public struct EligibilityRoutes: Sendable {
    let store: ServiceStore
    let catalogue: StandardsCatalogue
    let today: @Sendable () -> CalendarDate

    public init(store: ServiceStore, catalogue: StandardsCatalogue, today: @escaping @Sendable () -> CalendarDate = { CalendarDate(Date()) }) {
        self.store = store
        self.catalogue = catalogue
        self.today = today
    }

    public func register(on router: SecuredRouter) {
        router.get("/v1/households/:id/classification") { request, context in
            let id = context.parameters.get("id") ?? ""
            if let standardId = request.uri.queryParameters.get("standard") { return try await preview(id, standardId) }
            let stored = try await store.pool.read { db in
                (try EligibilityStore.classification(id, in: db), try EligibilityStore.unclassified(id, in: db))
            }
            if let classification = stored.0 { return JSONResponse.make(.ok, classification) }
            // Accepted by intake but not classifiable: the reason, never a bare 404.
            if let unclassified = stored.1 { return JSONResponse.make(.ok, unclassified) }
            return JSONResponse.notFound("classification of household \(id)")
        }
        router.get("/v1/standards") { _, _ in JSONResponse.make(.ok, StandardsOverview(catalogue, on: today())) }
    }

    /// `?standard=`: the household's latest survey under a candidate national standard, beside its official class.
    func preview(_ id: String, _ standardId: String) async throws -> Response {
        let standard: PovertyStandard
        do {
            standard = try catalogue.candidate(standardId, field: "standard")
        } catch {
            return HTTPInputError(.unprocessableContent, error).response
        }
        let stored = try await store.pool.read { db in
            try EligibilityStore.classification(id, in: db).flatMap { official in
                try EligibilityStore.facts(id, in: db).map { (official, $0) }
            }
        }
        guard let (official, snapshot) = stored else { return JSONResponse.notFound("classification of household \(id)") }
        return JSONResponse.make(.ok, ClassificationPreview(snapshot: snapshot, official: official, candidate: standard, catalogue: catalogue))
    }
}
