import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// `GET /v1/audit?householdId=&subject=&from=&to=&limit=`: the access log, for auditors, oldest first.
struct AuditRoutes: Sendable {
    let store: ServiceStore
    static let defaultLimit = 1_000
    static let maxLimit = 10_000

    func register(on router: SecuredRouter) {
        router.get("/v1/audit") { request, _ in
            let query = request.uri.queryParameters
            var errors: [FieldError] = []
            func time(_ name: String) -> String? {
                guard let text = query.get(name) else { return nil }
                if CalendarDate(text) != nil { return text }
                if text.count <= 40, ISO8601DateFormatter().date(from: text) != nil { return text }
                errors.append(FieldError(name, "is not a date (YYYY-MM-DD) or an RFC 3339 time"))
                return nil
            }
            let (from, to) = (time("from"), time("to"))
            let limitText = query.get("limit")
            let limit = limitText.map { Int($0) ?? -1 } ?? Self.defaultLimit
            if !(1...Self.maxLimit).contains(limit) { errors.append(FieldError("limit", "must be a whole number from 1 to \(Self.maxLimit)")) }
            let householdId: String? = query.get("householdId").map { String($0) }
            if let householdId, householdId.count > 64 { errors.append(FieldError("householdId", "is longer than a household id")) }
            let subject: String? = query.get("subject").map { String($0) }
            if let subject, subject.count > 256 { errors.append(FieldError("subject", "is longer than 256 characters")) }
            guard errors.isEmpty else { return JSONResponse.error(.badRequest, "bad query", errors) }
            let records = try await store.pool.read { db in
                try AccessLog.records(AccessLog.Query(householdId: householdId, subject: subject, from: from, to: to, limit: limit), in: db)
            }
            return JSONResponse.make(.ok, records)
        }
    }
}
