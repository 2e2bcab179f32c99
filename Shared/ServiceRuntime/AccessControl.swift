import Access
import Areas
import Authentication
import EventStore
import EventContracts
import Foundation
import GRDB
import Hummingbird
import Tracing

/// The context of every request a service answers: Hummingbird's core, and the caller once the token is checked.
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, or why the request's token was not accepted (set by ``AuthenticationMiddleware``).
    public var caller: Result<Principal, AuthenticationFailure> = .failure(AuthenticationFailure("the Authorization header is missing: send 'Bearer <token>'"))

    /// The request's id: the caller's `X-Request-Id` when it is a plain one, else a new one; echoed on the answer and
    /// written in the access log.
    public var requestId = ""
    /// The endpoint as the access table names it, set by ``SecuredRouter`` before the handler runs.
    public var endpoint = ""
    /// Where accesses to personal data are recorded (set by ``CallerMiddleware``).
    public var auditor: AccessAuditor?

    public init(source: Source) { coreContext = .init(source: source) }

    /// The verified caller; routes reached through ``SecuredRouter`` always have one.
    public var principal: Principal? { try? caller.get() }

    /// The caller as the access log names it.
    public var actor: AccessActor? {
        guard let principal, let auditor else { return nil }
        return AccessActor(requestId: requestId, principal: principal, service: auditor.service, endpoint: endpoint)
    }

    /// Records this request's change of (or read of) `householdId` in the access log.
    public func recordAccess(_ action: AccessRecord.Action, householdId: String?, status: Int) async throws {
        guard let actor, let auditor else { return }
        try await auditor.record([actor.record(action, householdId: householdId, status: status)])
    }

    /// Whether the caller may meet `need` for `area`; the refusal is the 403 to answer.
    public func authorize(_ need: Need, in area: RequestArea?) -> Response? {
        guard let principal else { return AccessResponses.unauthenticated("the request carries no verified token") }
        if case .refused(let reason) = AccessPolicy.decide(principal, need, in: area) { return AccessResponses.forbidden(reason) }
        return nil
    }

    /// Whether the caller may meet `need` for a commune (a code of the area list), for checks inside a transaction.
    public func permits(_ need: Need, areas: AreaRegistry) -> @Sendable (String) -> Bool {
        let principal = principal
        return { commune in
            guard let principal, let area = areas.requestArea(ofCode: commune) else { return false }
            return AccessPolicy.visible(principal, need, commune: area.commune, province: area.province)
        }
    }

    /// For list rows: whether the caller may see a row of `commune` in `province` under `need`.
    public func sees(_ need: Need, commune: String?, province: String) -> Bool {
        principal.map { AccessPolicy.visible($0, need, commune: commune, province: province) } ?? false
    }
}

/// The 401 and 403 answers, with the reason and, for 401, the `WWW-Authenticate` challenge of RFC 6750.
public enum AccessResponses {
    public static func unauthenticated(_ reason: String) -> Response {
        JSONResponse.make(
            .unauthorized, ErrorBody(error: "not authenticated", errors: [FieldError("Authorization", reason)]),
            headers: [.wwwAuthenticate: #"Bearer realm="giamngheo""#])
    }

    public static func forbidden(_ reason: String) -> Response {
        JSONResponse.make(.forbidden, ErrorBody(error: "forbidden", errors: [FieldError("scope", reason)]))
    }
}

/// Says who calls and which request this is: verifies the bearer token of every request that carries one, so that
/// routes know their caller, and gives the request its id (`X-Request-Id`, echoed). Routes registered outside a
/// ``SecuredRouter`` (`/healthz`, `/readyz`, `/metrics`, the dashboard's static files) ignore the caller.
public struct CallerMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let verifier: TokenVerifier
    let auditor: AccessAuditor

    public init(verifier: TokenVerifier, auditor: AccessAuditor) {
        self.verifier = verifier
        self.auditor = auditor
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.auditor = auditor
        let given = request.headers[.requestId] ?? ""
        context.requestId = Self.isPlain(given) ? given : UUID().uuidString.lowercased()
        if let header = request.headers[.authorization] {
            context.caller = await verifier.principal(authorization: header)
        }
        // The request is a span of the caller's trace when it sends one (W3C `traceparent`), else the start of one; the
        // events it causes carry it on (`ce_traceparent`).
        // When spans are exported, the request is one (`/v1` only: probes and scrapes are not traced).
        let callers = request.headers[.traceparent].flatMap { TraceContext(traceparent: $0) }
        let span = request.uri.path.hasPrefix("/v1/") ? Self.span(of: request, parent: callers) : nil
        let trace = span?.context ?? callers?.child(context.requestId) ?? TraceContext.start()
        var response: Response
        do {
            response = try await TraceContext.$current.withValue(trace) { try await next(request, context) }
        } catch {
            span?.end(failed: (error as? any HTTPResponseError)?.status.code ?? 500 >= 500)
            throw error
        }
        span?.set("http.response.status_code", response.status.code)
        span?.end(failed: response.status.code >= 500)
        response.headers[.requestId] = context.requestId
        response.headers[.traceresponse] = trace.traceparent
        return response
    }

    /// The server span of a request (OpenTelemetry's HTTP conventions), named by its method and path: paths hold
    /// household ids and area codes, never a person's data.
    static func span(of request: Request, parent: TraceContext?) -> ExportedSpan? {
        Spans.start(
            "\(request.method.rawValue) \(request.uri.path)", kind: .server, parent: parent,
            attributes: ["http.request.method": request.method.rawValue, "url.path": request.uri.path])
    }

    /// 1 to 64 letters, digits, `-` and `_`: safe to log and to echo.
    static func isPlain(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}

extension HTTPFields.Element.Name {
    public static let requestId = Self("X-Request-Id")!
    public static let traceparent = Self("traceparent")!
    /// The server's span of the request (W3C Trace Context level 2).
    public static let traceresponse = Self("traceresponse")!
}

/// How a route finds the area a request concerns, for the policy's area check.
public enum AreaRule: Sendable, Hashable {
    /// No one area: the need alone decides (lists keep to the caller's areas row by row; bodies are checked by the
    /// handler with ``ServiceRequestContext/authorize(_:in:)``).
    case none
    /// A path parameter holding an area code: a commune, a province, a former district (its province), or a grouping
    /// (no province: the need alone decides).
    case area(String)
    /// A path parameter holding a household id, whose area the service's store knows.
    case household(String)
}

/// One endpoint's entry in a service's access table: what it needs and where its area comes from.
public struct EndpointAccess: Sendable, Hashable {
    public var method: HTTPRequest.Method
    public var path: String
    public var need: Need
    public var area: AreaRule
    /// What the access log records of a successful request.
    public var audit: Audit

    /// - `read`: the answer carries names, CCCD numbers or birth dates; recorded with the household or area of the path.
    /// - `change`: recorded with the household or area of the path.
    /// - `byHandler`: the handler records each household it reads or changes (they are in the body).
    public enum Audit: Sendable, Hashable { case none, read, change, byHandler }

    public init(_ method: HTTPRequest.Method, _ path: String, _ need: Need, area: AreaRule = .none, audit: Audit = .none) {
        (self.method, self.path, self.need, self.area, self.audit) = (method, path, need, area, audit)
    }

    public var key: String { "\(method.rawValue) \(path)" }
}

/// A service's access table: every endpoint it serves with a token, in one place.
public struct AccessTable: Sendable {
    public let service: String
    public let endpoints: [EndpointAccess]

    public init(service: String, _ endpoints: [EndpointAccess]) {
        self.service = service
        self.endpoints = endpoints
    }

    func entry(_ method: HTTPRequest.Method, _ path: String) -> EndpointAccess? {
        endpoints.first { $0.method == method && $0.path == path }
    }
}

/// Where a household lives, from a service's own store: nil when the store does not know the household.
public typealias HouseholdAreaLookup = @Sendable (String) async throws -> RequestArea?

/// The lookup of a service that keeps each household's latest derived set (``LatestPerHousehold``), whose payload
/// carries the household's `area`.
public func householdAreas(in store: ServiceStore, latest: LatestPerHousehold, areas: AreaRegistry) -> HouseholdAreaLookup {
    struct Placed: Decodable { var area: AreaRef }
    return { id in
        try await store.pool.read { db in
            try latest.payload(householdId: id.lowercased(), in: db).map { areas.requestArea(of: try EventJSON.decode(Placed.self, from: Array($0)).area) }
        }
    }
}

/// Registers a service's routes, each through its entry in the service's ``AccessTable``: the caller must present a
/// valid token (401 with the reason) and meet the entry's need in the request's area (403 naming the scope). A
/// route missing from the table cannot be registered, and a table entry without a route stops the service at start.
/// Used while the service is set up, before it serves.
public final class SecuredRouter {
    public let router: Router<ServiceRequestContext>
    public let table: AccessTable
    let areas: AreaFinder
    let limiter: WriteRateLimiter
    /// Where requests about a household go when the service runs as several instances (nil: this instance answers all).
    public let routing: OwnerRouting?
    var registered: Set<String> = []

    public init(
        router: Router<ServiceRequestContext>, table: AccessTable, areas: AreaRegistry, householdArea: HouseholdAreaLookup? = nil,
        limiter: WriteRateLimiter = WriteRateLimiter(perMinute: 0), routing: OwnerRouting? = nil
    ) {
        self.router = router
        self.table = table
        self.limiter = limiter
        self.routing = routing
        self.areas = AreaFinder(registry: areas, householdArea: householdArea)
    }

    public func get<Output: ResponseGenerator>(_ path: String, use handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output) {
        on(.get, path, handler)
    }

    public func post<Output: ResponseGenerator>(_ path: String, use handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output) {
        on(.post, path, handler)
    }

    public func put<Output: ResponseGenerator>(_ path: String, use handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output) {
        on(.put, path, handler)
    }

    public func delete<Output: ResponseGenerator>(_ path: String, use handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output) {
        on(.delete, path, handler)
    }

    func on<Output: ResponseGenerator>(
        _ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, ServiceRequestContext) async throws -> Output
    ) {
        guard let entry = table.entry(method, path) else {
            preconditionFailure("\(method) \(path) is not in \(table.service)'s access table")
        }
        if case .household = entry.area, areas.householdArea == nil {
            preconditionFailure("\(table.service) has household routes and no household lookup")
        }
        registered.insert(entry.key)
        let (areas, limiter, routing) = (areas, limiter, routing)
        router.on(RouterPath(path), method: method) { request, context in
            if case .failure(let failure) = context.caller { return AccessResponses.unauthenticated(failure.reason) }
            // Before the area check, which reads the household's area from this instance's store.
            if case .household(let name) = entry.area, let routing,
                let elsewhere = await routing.route(request, key: (context.parameters.get(name) ?? "").lowercased(), parameter: name)
            {
                return elsewhere
            }
            if method != .get, let subject = context.principal?.subject, let wait = limiter.admit(subject) {
                return JSONResponse.make(
                    .tooManyRequests, ErrorBody(error: "too many writes", errors: [FieldError("Authorization", "this caller's writes are limited to \(limiter.perMinute) a minute; retry after the time given")]),
                    headers: [.retryAfter: String(Int(wait.rounded(.up)))])
            }
            if let refusal = context.authorize(entry.need, in: try await areas.area(of: entry.area, context)) { return refusal }
            var context = context
            context.endpoint = entry.key
            var response = try await handler(request, context).response(from: request, context: context)
            if case .household = entry.area, let routing { response.headers[.answeredBy] = routing.directory.instanceId }
            if [.read, .change].contains(entry.audit), (200..<300).contains(response.status.code), let actor = context.actor, let auditor = context.auditor {
                let (household, area) = areas.subject(of: entry.area, context)
                try await auditor.record([actor.record(entry.audit == .read ? .read : .change, householdId: household, areaCode: area, status: response.status.code)])
            }
            return response
        }
    }

    /// The table's entries that no route was registered for: a service with any refuses to start.
    public var unregistered: [String] {
        table.endpoints.map(\.key).filter { !registered.contains($0) }
    }
}

/// Finds the area a request concerns, by an endpoint's ``AreaRule``.
struct AreaFinder: Sendable {
    let registry: AreaRegistry
    let householdArea: HouseholdAreaLookup?

    /// The household or area a request is about, for the access log.
    func subject(of rule: AreaRule, _ context: ServiceRequestContext) -> (household: String?, area: String?) {
        switch rule {
        case .none: (nil, nil)
        case .area(let name): (nil, context.parameters.get(name))
        case .household(let name): (context.parameters.get(name)?.lowercased(), nil)
        }
    }

    func area(of rule: AreaRule, _ context: ServiceRequestContext) async throws -> RequestArea? {
        switch rule {
        case .none: return nil
        case .area(let name): return registry.requestArea(ofCode: context.parameters.get(name) ?? "")
        case .household(let name):
            // Registration refuses household routes without a lookup.
            return try await householdArea?(context.parameters.get(name) ?? "") ?? nil
        }
    }
}

extension AreaRegistry {
    /// Where a commune code is today, for the access policy: the unit in force (a reused code also names a former unit
    /// of another province); for a retired code, the commune it became (the province of its first successor when it was
    /// split, with the old code, so that only province-wide roles reach it).
    func today(_ code: String) -> RequestArea? {
        if let unit = communes[code]?.first(where: { $0.validTo == nil }) { return RequestArea(commune: code, province: unit.provinceCode) }
        if let next = successors[code], let first = next.first, let unit = communes[first.code]?.first(where: { $0.validTo == nil }) {
            return RequestArea(commune: next.count == 1 ? first.code : code, province: unit.provinceCode)
        }
        return communes[code]?.last.map { RequestArea(commune: code, province: $0.provinceCode) }
    }

    /// The area of a code, for the access policy: a commune with its province, a province, a former district's province;
    /// nil for a grouping or a code that names nothing (then the need alone decides, and the route answers 404).
    public func requestArea(ofCode code: String) -> RequestArea? {
        switch code.count {
        case 2 where provinceNames[code] != nil: return RequestArea(province: code)
        case 3: return formerDistricts[code].map { RequestArea(province: $0.provinceCode) }
        case 5: return today(code)
        default: return code.contains("@") ? today(String(code.prefix(5))) : nil
        }
    }
}

extension AreaRegistry {
    /// A household's area for the access policy: where its commune is today.
    public func requestArea(of area: AreaRef) -> RequestArea {
        requestArea(ofCode: area.communeCode) ?? RequestArea(commune: area.communeCode, province: area.provinceCode)
    }
}
