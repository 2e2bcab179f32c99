import Dispatch
import Hummingbird
import Metrics

/// Counts every request by route, method and status, and times it: `giamngheo_http_requests_total` and
/// `giamngheo_http_request_duration_seconds`. The route is the path pattern that matched (`/v1/households/{id}/…`),
/// never the path itself, so that household ids stay out of the metrics and the label set stays small.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let response = try await next(request, context)
            Self.record(request, route: context.endpointPath, status: response.status, since: start)
            return response
        } catch {
            Self.record(request, route: context.endpointPath, status: (error as? any HTTPResponseError)?.status ?? .internalServerError, since: start)
            throw error
        }
    }

    static func record(_ request: Request, route: String?, status: HTTPResponse.Status, since start: UInt64) {
        let dimensions = [("route", route ?? "unmatched"), ("method", request.method.rawValue), ("status", String(status.code))]
        Counter(label: "giamngheo_http_requests_total", dimensions: dimensions).increment()
        Metrics.Timer(label: "giamngheo_http_request_duration_seconds", dimensions: Array(dimensions.prefix(2)), preferredDisplayUnit: .seconds)
            .recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
    }
}
