import Access
import Areas
import EventContracts
import EventStore
import GRDB
import Hummingbird
import ServiceRuntime

/// What each of loan-referral's endpoints needs of its caller (docs/security.md). A bank event is checked again
/// against the province of the household it is about.
public enum LoanAccess {
    public static let table = AccessTable(service: LoanReferralService.name, [
        EndpointAccess(.get, "/v1/households/:id/referrals", .referralRead, area: .household("id"), audit: .read),
        EndpointAccess(.get, "/v1/programmes", .aggregateRead),
        EndpointAccess(.get, "/v1/referral-lists/:communeCode", .referralRead, area: .area("communeCode"), audit: .read),
        EndpointAccess(.post, "/v1/loan-events", .bankRecord, audit: .byHandler),
        EndpointAccess(.get, "/v1/loan-events", .bankRecord),
    ])

    /// The household's area, from its latest referral set.
    static func householdArea(store: ServiceStore, areas: AreaRegistry) -> HouseholdAreaLookup {
        householdAreas(in: store, latest: LoanReferralService.latest, areas: areas)
    }
}
