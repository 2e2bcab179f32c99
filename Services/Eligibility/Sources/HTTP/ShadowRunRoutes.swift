import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Shadow runs over HTTP: ask for one, follow it, read the diff of an area.
public struct ShadowRunRoutes: Sendable {
    let store: ServiceStore
    let runner: ShadowRunner

    public init(store: ServiceStore, runner: ShadowRunner) {
        self.store = store
        self.runner = runner
    }

    /// `POST /v1/shadow-runs` body.
    struct StartRequest: Codable, Sendable {
        var standardId: String
    }

    struct RunList: Codable, Sendable {
        var runs: [ShadowRun]
    }

    public func register(on router: SecuredRouter) {
        router.post("/v1/shadow-runs") { request, _ in await start(request) }
        router.get("/v1/shadow-runs") { request, _ in
            let standardId = request.uri.queryParameters.get("standardId")
            var runs = try await store.pool.read { db in try ShadowRunStore.runs(standardId: standardId, in: db) }
            if let running = runner.underWay, standardId == nil || running.standard.id == standardId { runs.insert(running, at: 0) }
            return JSONResponse.make(.ok, RunList(runs: runs))
        }
        router.get("/v1/shadow-runs/:runId") { _, context in
            let runId = context.parameters.get("runId") ?? ""
            if let stored = try await store.pool.read({ db in try ShadowRunStore.run(runId, in: db) }) { return JSONResponse.make(.ok, stored) }
            if let inMemory = runner.inMemory(runId) { return JSONResponse.make(.ok, inMemory) }
            return JSONResponse.notFound("shadow run \(runId)")
        }
        router.get("/v1/shadow-runs/:runId/areas/:areaCode/households") { request, context in
            let runId = context.parameters.get("runId") ?? ""
            let areaCode = context.parameters.get("areaCode") ?? ""
            let list: ShadowAreaHouseholds
            do {
                list = try await Task.detached { try runner.movedHouseholds(of: runId, in: areaCode) }.value
            } catch let refusal as ShadowListRefusal {
                switch refusal {
                case .notFound(let what): return JSONResponse.notFound(what)
                case .running(let why), .changed(let why): return JSONResponse.error(.conflict, why)
                case .failed(let why): return JSONResponse.error(.internalServerError, "the household list failed: \(why)")
                }
            }
            let csv = request.uri.queryParameters.get("format") == "csv" || (request.headers[.accept] ?? "").hasPrefix("text/csv")
            guard csv else { return JSONResponse.make(.ok, list) }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "text/csv; charset=utf-8",
                    .contentDisposition: "attachment; filename=\"shadow-\(runId)-\(areaCode).csv\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: list.csv)))
        }
                router.get("/v1/shadow-runs/:runId/areas/:areaCode") { _, context in
            let runId = context.parameters.get("runId") ?? ""
            let areaCode = context.parameters.get("areaCode") ?? ""
            if let diff = try await store.pool.read({ db in try ShadowRunStore.area(areaCode, of: runId, in: db) }) {
                return JSONResponse.make(.ok, diff)
            }
            if runner.inMemory(runId)?.status == .running {
                return JSONResponse.error(.conflict, "shadow run \(runId) is still running; its areas are stored when it completes")
            }
            return JSONResponse.notFound("area \(areaCode) of shadow run \(runId)")
        }
    }

    func start(_ request: Request) async -> Response {
        let body: StartRequest
        do {
            body = try await request.decodeJSON(StartRequest.self)
        } catch {
            return error.response
        }
        do {
            switch try await runner.start(standardId: body.standardId) {
            case .started(let run): return JSONResponse.make(.accepted, run, headers: location(run))
            case .existing(let run): return JSONResponse.make(.ok, run, headers: location(run))
            case .busy(let run):
                return JSONResponse.error(
                    .conflict, "shadow run \(run.runId) of \(run.standard.id) is under way; one runs at a time, ask again when it has completed")
            }
        } catch let error as FieldError {
            return HTTPInputError(.unprocessableContent, error).response
        } catch {
            return JSONResponse.error(.internalServerError, "the shadow run failed: \(error)")
        }
    }

    private func location(_ run: ShadowRun) -> HTTPFields {
        [.location: "/v1/shadow-runs/\(run.runId)"]
    }
}
