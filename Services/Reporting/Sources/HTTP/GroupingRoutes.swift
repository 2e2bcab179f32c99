import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Operator-defined groupings of communes: `PUT`, `GET` and `DELETE /v1/groupings/{code}`, `GET /v1/groupings`. A
/// grouping's report is `GET /v1/reports/{code}` (and its years and forms), the sum of its communes'.
struct GroupingRoutes: Sendable {
    let store: ServiceStore
    let rules: GroupingRules

    /// The body of `PUT /v1/groupings/{code}`.
    struct Body: Codable, Sendable {
        var name: String
        var communes: [String]
        var version: Int
        var source: String
    }

    func register(on router: SecuredRouter) {
        router.put("/v1/groupings/:code") { request, context in try await put(request, code: context.parameters.get("code") ?? "") }
        router.get("/v1/groupings") { _, _ in
            JSONResponse.make(.ok, try await store.pool.read { db in try GroupingStore.all(in: db) })
        }
        router.get("/v1/groupings/:code") { _, context in
            let code = context.parameters.get("code") ?? ""
            guard let grouping = try await store.pool.read({ db in try GroupingStore.grouping(code, in: db) }) else {
                return JSONResponse.notFound("grouping \(code)")
            }
            return JSONResponse.make(.ok, grouping)
        }
        router.delete("/v1/groupings/:code") { _, context in
            let code = context.parameters.get("code") ?? ""
            guard try await store.pool.write({ db in try GroupingStore.delete(code, in: db) }) else { return JSONResponse.notFound("grouping \(code)") }
            return Response(status: .noContent)
        }
    }

    private func put(_ request: Request, code: String) async throws -> Response {
        let body: Body
        do {
            body = try await request.decodeJSON(Body.self, limit: 256 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a grouping", error.errors)
        }
        let grouping = AreaGrouping(code: code, name: body.name, communes: body.communes, version: body.version, source: body.source)
        let problems = rules.problems(grouping)
        guard problems.isEmpty else { return JSONResponse.error(.unprocessableContent, "the grouping was not stored", problems) }
        switch try await store.pool.write({ db in try GroupingStore.put(grouping, in: db) }) {
        case .created: return JSONResponse.make(.created, grouping)
        case .replaced, .unchanged: return JSONResponse.make(.ok, grouping)
        case .stale(let held):
            return JSONResponse.error(
                .conflict, "grouping \(code) was not changed",
                [FieldError("version", "\(grouping.version) is not newer than the version held (\(held)); a change needs a higher version")])
        }
    }
}
