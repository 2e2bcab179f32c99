/// `giamngheo.audit.access.v1`: one access to personal data through a service's API — a read of a response carrying
/// names, CCCD numbers or birth dates, or a change — with who made it and under which role. Written by every service,
/// kept by intake (`GET /v1/audit`). Carries no personal data of households: ids, codes and the caller's `sub`.
public struct AccessRecord: Codable, Sendable, Hashable {
    public enum Action: String, Codable, Sendable { case read, change }

    /// The request's id (`X-Request-Id` of the answer); a request about several households has one record each.
    public var requestId: String
    /// When the answer was given (RFC 3339, UTC).
    public var at: String
    /// The token's `sub`.
    public var subject: String
    /// The token's roles.
    public var roles: [String]
    public var service: String
    /// The endpoint as the service's access table names it, e.g. `GET /v1/households/:id`.
    public var endpoint: String
    public var action: Action
    /// The household read or changed, when the request is about one.
    public var householdId: String?
    /// The area read or changed, when the request is about an area (a commune's list, a recognition decision).
    public var areaCode: String?
    /// The answer's HTTP status.
    public var status: Int

    public init(
        requestId: String, at: String, subject: String, roles: [String], service: String, endpoint: String, action: Action,
        householdId: String? = nil, areaCode: String? = nil, status: Int
    ) {
        (self.requestId, self.at, self.subject, self.roles, self.service, self.endpoint) = (requestId, at, subject, roles, service, endpoint)
        (self.action, self.householdId, self.areaCode, self.status) = (action, householdId, areaCode, status)
    }

    /// The record's key on the topic: its household, else its area, else its caller.
    public var key: String { householdId ?? areaCode ?? subject }
}
