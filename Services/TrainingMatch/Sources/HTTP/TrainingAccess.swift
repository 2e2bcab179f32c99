import Access
import Areas
import EventContracts
import EventStore
import GRDB
import Hummingbird
import ServiceRuntime

/// What each of training-match's endpoints needs of its caller (docs/security.md). A centre's course, vacancy or
/// placement outcome is checked again against the province it is for; candidate lists keep to the caller's areas.
public enum TrainingAccess {
    public static let table = AccessTable(service: TrainingMatchService.name, [
        EndpointAccess(.post, "/v1/courses", .centreRecord),
        EndpointAccess(.post, "/v1/vacancies", .centreRecord),
        EndpointAccess(.delete, "/v1/courses/:id", .centreRecord),
        EndpointAccess(.delete, "/v1/vacancies/:id", .centreRecord),
        EndpointAccess(.get, "/v1/catalogue-events", .centreRecord),
        EndpointAccess(.get, "/v1/courses", .aggregateRead),
        EndpointAccess(.get, "/v1/vacancies", .aggregateRead),
        EndpointAccess(.post, "/v1/placement-events", .centreRecord, audit: .byHandler),
        EndpointAccess(.get, "/v1/placement-events", .centreRecord),
        EndpointAccess(.get, "/v1/households/:id/matches", .candidateRead, area: .household("id"), audit: .read),
        EndpointAccess(.get, "/v1/courses/:id/candidates", .candidateRead),
        EndpointAccess(.get, "/v1/vacancies/:id/candidates", .candidateRead),
    ])

    /// The household's area, from its latest candidate set.
    static func householdArea(store: ServiceStore, areas: AreaRegistry) -> HouseholdAreaLookup {
        householdAreas(in: store, latest: TrainingMatchService.latest, areas: areas)
    }
}
