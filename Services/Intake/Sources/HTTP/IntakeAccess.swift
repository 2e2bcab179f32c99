import Access
import EventContracts
import GRDB
import Hummingbird
import Areas
import EventStore
import ServiceRuntime

/// What each of intake's endpoints needs of its caller (docs/security.md). Surveys, batches and imports are checked
/// again per household against the commune in the body and the commune the household is held in.
public enum IntakeAccess {
    public static let table = AccessTable(service: IntakeService.name, [
        EndpointAccess(.post, "/v1/households", .householdWrite, audit: .byHandler),
        EndpointAccess(.post, "/v1/household-batches", .householdWrite, audit: .byHandler),
        EndpointAccess(.post, "/v1/household-imports", .householdWrite, audit: .byHandler),
        EndpointAccess(.get, "/v1/household-imports/:id", .householdWrite),
        EndpointAccess(.get, "/v1/households/:id", .householdRead, area: .household("id"), audit: .read),
        EndpointAccess(.get, "/v1/households/:id/versions", .householdRead, area: .household("id")),
        EndpointAccess(.get, "/v1/review-rounds", .aggregateRead),
        EndpointAccess(.get, "/v1/review-rounds/:roundId", .aggregateRead),
        EndpointAccess(.get, "/v1/review-rounds/:roundId/communes/:communeCode", .aggregateRead),
        EndpointAccess(.post, "/v1/review-rounds/:roundId/communes/:communeCode/recognition", .recognition, area: .area("communeCode"), audit: .change),
        EndpointAccess(.get, "/v1/audit", .auditRead),
    ])

    /// The commune a household is held in, from intake's store.
    static func householdArea(store: ServiceStore, areas: AreaRegistry) -> HouseholdAreaLookup {
        { id in
            let commune = try await store.pool.read { db in
                try String.fetchOne(db, sql: "SELECT commune_code FROM household WHERE household_id = ?", arguments: [id.lowercased()])
            }
            return commune.flatMap(areas.requestArea(ofCode:))
        }
    }
}
