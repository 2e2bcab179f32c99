import Access
import Hummingbird
import ServiceRuntime

/// What each of reporting's endpoints needs of its caller (docs/security.md): counts for every reader, figures for
/// the province they belong to. The dashboard's static files are served without a token (they hold no data); its
/// data comes from these endpoints with the reader's token.
public enum ReportingAccess {
    public static let table = AccessTable(service: ReportingService.name, [
        EndpointAccess(.get, "/v1/reports", .aggregateRead),
        EndpointAccess(.get, "/v1/reports/:areaCode", .aggregateRead),
        EndpointAccess(.get, "/v1/reports/:areaCode/years/:year", .aggregateRead),
        EndpointAccess(.get, "/v1/reports/:areaCode/forms/:form", .aggregateRead),
        EndpointAccess(.get, "/v1/report-events", .aggregateRead),
        EndpointAccess(.put, "/v1/denominators/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.delete, "/v1/denominators/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.put, "/v1/targets/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.delete, "/v1/targets/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.put, "/v1/baselines/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.delete, "/v1/baselines/:areaCode/:year", .figureWrite, area: .area("areaCode")),
        EndpointAccess(.post, "/v1/area-figures/import", .figureWrite),
        EndpointAccess(.get, "/v1/area-figure-events", .figureWrite),
        EndpointAccess(.get, "/v1/area-figures/:areaCode", .aggregateRead),
        EndpointAccess(.get, "/v1/groupings", .aggregateRead),
        EndpointAccess(.get, "/v1/groupings/:code", .aggregateRead),
        EndpointAccess(.put, "/v1/groupings/:code", .figureWrite),
        EndpointAccess(.delete, "/v1/groupings/:code", .figureWrite),
    ])
}
