import Access
import Areas
import EventContracts
import EventStore
import GRDB
import Hummingbird
import ServiceRuntime

/// What each of eligibility's endpoints needs of its caller (docs/security.md).
public enum EligibilityAccess {
    public static let table = AccessTable(service: EligibilityService.name, [
        EndpointAccess(.get, "/v1/households/:id/classification", .householdRead, area: .household("id"), audit: .read),
        EndpointAccess(.get, "/v1/standards", .aggregateRead),
        EndpointAccess(.get, "/v1/reclassifications", .operations),
        EndpointAccess(.get, "/v1/reclassifications/:jobId", .operations),
        EndpointAccess(.post, "/v1/reclassifications", .operations, audit: .change),
        EndpointAccess(.post, "/v1/shadow-runs", .operations, audit: .change),
        EndpointAccess(.get, "/v1/shadow-runs", .operations),
        EndpointAccess(.get, "/v1/shadow-runs/:runId", .operations),
        EndpointAccess(.get, "/v1/shadow-runs/:runId/areas/:areaCode", .aggregateRead),
        EndpointAccess(.get, "/v1/shadow-runs/:runId/areas/:areaCode/households", .householdRead, area: .area("areaCode")),
    ])

    /// The household's area, from the latest facts eligibility holds.
    static func householdArea(store: ServiceStore, areas: AreaRegistry) -> HouseholdAreaLookup {
        { id in try await store.pool.read { db in try EligibilityStore.facts(id, in: db).map { areas.requestArea(of: $0.area) } } }
    }
}
