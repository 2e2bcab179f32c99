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

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/households/:id/classification") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let classification = try await store.pool.read({ db in try EligibilityStore.classification(id, in: db) }) else {
                return JSONResponse.notFound("classification of household \(id)")
            }
            return JSONResponse.make(.ok, classification)
        }
        router.get("/v1/standards") { _, _ in JSONResponse.make(.ok, StandardsOverview(catalogue, on: today())) }
    }
}
