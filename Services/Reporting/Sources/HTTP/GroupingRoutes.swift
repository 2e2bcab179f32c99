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
    /// How long a change waits to come back from `giamngheo.reporting.grouping.v1` before the answer is 202.
    var answerWithin: Duration = .seconds(10)

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
            let queued = try await store.pool.write { db -> Bool in
                guard try GroupingStore.grouping(code, in: db) != nil else { return false }
                try GroupingStore.publish(nil, code: code, in: db)
                return true
            }
            guard queued else { return JSONResponse.notFound("grouping \(code)") }
            store.outboxChanged()
            guard try await applied({ $0 == nil }, code: code) != nil else { return queuedAnswer(code) }
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
        // Stored through the topic, which every instance reads in the same order: the first of two changes of one
        // version stands everywhere.
        let checked = try await store.pool.write { db -> GroupingStore.Stored in
            let checked = try GroupingStore.check(grouping, in: db)
            if case .created = checked { try GroupingStore.publish(grouping, code: code, in: db) }
            if case .replaced = checked { try GroupingStore.publish(grouping, code: code, in: db) }
            return checked
        }
        switch checked {
        case .unchanged: return JSONResponse.make(.ok, grouping)
        case .stale(let held): return stale(grouping, held: held)
        case .created, .replaced:
            store.outboxChanged()
            guard let held = try await applied({ ($0?.version ?? 0) >= grouping.version }, code: code) else { return queuedAnswer(code) }
            guard held == grouping else { return stale(grouping, held: held?.version ?? 0) }
            if case .created = checked { return JSONResponse.make(.created, grouping) }
            return JSONResponse.make(.ok, grouping)
        }
    }

    private func stale(_ grouping: AreaGrouping, held: Int) -> Response {
        JSONResponse.error(
            .conflict, "grouping \(grouping.code) was not changed",
            [FieldError("version", "\(grouping.version) is not newer than the version held (\(held)); a change needs a higher version")])
    }

    /// Waits, up to `answerWithin`, for the grouping held here to satisfy `done`; the grouping held then, or nil
    /// (outer) when it did not.
    private func applied(_ done: (AreaGrouping?) -> Bool, code: String) async throws -> AreaGrouping?? {
        let deadline = ContinuousClock.now + answerWithin
        while true {
            let held = try await store.pool.read { db in try GroupingStore.grouping(code, in: db) }
            if done(held) { return .some(held) }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func queuedAnswer(_ code: String) -> Response {
        JSONResponse.make(
            .accepted, ErrorBody(error: "queued; not applied yet: ask GET /v1/groupings/\(code)"), headers: [.location: "/v1/groupings/\(code)"])
    }
}
