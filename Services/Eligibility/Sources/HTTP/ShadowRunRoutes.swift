import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Shadow runs over HTTP: ask for one, follow it, read the diff of an area. With several eligibility instances, the
/// instance a request reaches gathers the other instances' parts (the same request with the partitions each covers,
/// ``PartitionGather``), and a run stored by another instance is read from it.
public struct ShadowRunRoutes: Sendable {
    let store: ServiceStore
    let runner: ShadowRunner
    let gather: PartitionGather?

    public init(store: ServiceStore, runner: ShadowRunner, gather: PartitionGather? = nil) {
        self.store = store
        self.runner = runner
        self.gather = gather
    }

    /// `POST /v1/shadow-runs` body.
    struct StartRequest: Codable, Sendable {
        var standardId: String
    }

    struct RunList: Codable, Sendable {
        var runs: [ShadowRun]
    }

    /// A part's answers take as long as a pass over an instance's households.
    static let partTimeout: TimeInterval = 3_600

    public func register(on router: SecuredRouter) {
        router.post("/v1/shadow-runs") { request, _ in await start(request) }
        router.get("/v1/shadow-runs") { request, _ in
            let standardId = request.uri.queryParameters.get("standardId")
            var runs = try await store.pool.read { db in try ShadowRunStore.runs(standardId: standardId, in: db) }
            if let running = runner.underWay, standardId == nil || running.standard.id == standardId { runs.insert(running, at: 0) }
            if let gather {
                for list in await gather.answersOfOthers(request, as: RunList.self) {
                    runs += list.runs.filter { other in !runs.contains { $0.runId == other.runId } }
                }
                runs.sort { ($0.status == .running ? 1 : 0, $0.completedAt ?? "") > ($1.status == .running ? 1 : 0, $1.completedAt ?? "") }
            }
            return JSONResponse.make(.ok, RunList(runs: runs))
        }
        router.get("/v1/shadow-runs/:runId") { request, context in
            let runId = context.parameters.get("runId") ?? ""
            if let stored = try await store.pool.read({ db in try ShadowRunStore.run(runId, in: db) }) { return JSONResponse.make(.ok, stored) }
            if let inMemory = runner.inMemory(runId) { return JSONResponse.make(.ok, inMemory) }
            if let elsewhere = await gather?.askOthers(request) { return elsewhere.response }
            return JSONResponse.notFound("shadow run \(runId)")
        }
        router.get("/v1/shadow-runs/:runId/areas/:areaCode/households") { request, context in
            let runId = context.parameters.get("runId") ?? ""
            let areaCode = context.parameters.get("areaCode") ?? ""
            return try await movedHouseholds(request, runId: runId, areaCode: areaCode)
        }
        router.get("/v1/shadow-runs/:runId/areas/:areaCode") { request, context in
            let runId = context.parameters.get("runId") ?? ""
            let areaCode = context.parameters.get("areaCode") ?? ""
            if let diff = try await store.pool.read({ db in try ShadowRunStore.area(areaCode, of: runId, in: db) }) {
                return JSONResponse.make(.ok, diff)
            }
            if runner.inMemory(runId)?.status == .running {
                return JSONResponse.error(.conflict, "shadow run \(runId) is still running; its areas are stored when it completes")
            }
            if let elsewhere = await gather?.askOthers(request) { return elsewhere.response }
            return JSONResponse.notFound("area \(areaCode) of shadow run \(runId)")
        }
    }

    /// Every partition's part of a pass for the request `request` started: this instance's from its store and, with
    /// several instances, the others' (the request sent on to `path` with `body`).
    private func parts(of request: Request, path: String, body: @escaping @Sendable (ShadowPartRequest) throws -> [UInt8]?) -> ShadowRunner.Parts {
        let (runner, gather) = (runner, gather)
        guard let gather else { return runner.wholeStore }
        let count = gather.routing.directory.partitionCount
        return { asked in
            let answer = try await gather.gather(request, path: path, body: try body(asked), as: ShadowPart.self, timeout: Self.partTimeout) { mine in
                try await runner.partOffThread(asked, scope: HouseholdScope(partitions: mine, partitionCount: count))
            }
            return try answer.get()
        }
    }

    /// A part asked by another instance, or nil for a client's request (or the refusal of a part that cannot be given).
    private func part(_ request: Request, _ asked: () async throws -> ShadowPartRequest) async -> Response? {
        guard let gather else { return nil }
        switch gather.scope(of: request) {
        case .failure(let refusal): return refusal.response
        case .success(.whole): return nil
        case .success(.part(let partitions)):
            do {
                let scope = HouseholdScope(partitions: partitions, partitionCount: gather.routing.directory.partitionCount)
                return JSONResponse.make(.ok, try await runner.partOffThread(try await asked(), scope: scope))
            } catch {
                return Self.refusal(error)
            }
        }
    }

    private func movedHouseholds(_ request: Request, runId: String, areaCode: String) async throws -> Response {
        if let partAnswer = await part(request, {
            guard let standardId = request.uri.queryParameters.get("standardId") else { throw FieldError("standardId", "is needed in a part's request") }
            return ShadowPartRequest(standardId: String(standardId), want: .moved, areaCode: areaCode)
        }) {
            return partAnswer
        }
        let run: ShadowRun
        if let stored = try await store.pool.read({ db in try ShadowRunStore.run(runId, in: db) }) {
            run = stored
        } else if runner.inMemory(runId)?.status == .running {
            return JSONResponse.error(.conflict, "shadow run \(runId) is still running; ask again when it has completed")
        } else if let elsewhere = await gather?.askOthers(request, path: "/v1/shadow-runs/\(runId)") {
            guard elsewhere.status == 200, let other = try? EventJSON.decode(ShadowRun.self, from: elsewhere.body) else { return elsewhere.response }
            guard other.status == .completed else {
                return JSONResponse.error(.conflict, "shadow run \(runId) is \(other.status.rawValue); its households are listed once it has completed")
            }
            run = other
        } else {
            return JSONResponse.notFound("shadow run \(runId)")
        }
        let path = "/v1/shadow-runs/\(runId)/areas/\(areaCode)/households?standardId=\(run.standard.id)"
        let list: ShadowAreaHouseholds
        do {
            list = try await runner.movedHouseholds(of: run, in: areaCode, parts: parts(of: request, path: path) { _ in nil })
        } catch {
            return Self.refusal(error)
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

    /// The answer to a failed run, list or part.
    static func refusal(_ error: any Error) -> Response {
        switch error {
        case let refusal as PartitionGather.Refusal: return refusal.response
        case let error as FieldError: return HTTPInputError(.unprocessableContent, error).response
        case let error as HTTPInputError: return error.response
        case ShadowListRefusal.notFound(let what): return JSONResponse.notFound(what)
        case ShadowListRefusal.running(let why), ShadowListRefusal.changed(let why): return JSONResponse.error(.conflict, why)
        case ShadowListRefusal.failed(let why): return JSONResponse.error(.internalServerError, "the household list failed: \(why)")
        default: return JSONResponse.error(.internalServerError, "the shadow run failed: \(error)")
        }
    }

    func start(_ request: Request) async -> Response {
        if let partAnswer = await part(request, { try await request.decodeJSON(ShadowPartRequest.self) }) { return partAnswer }
        let body: StartRequest
        do {
            body = try await request.decodeJSON(StartRequest.self)
        } catch {
            return error.response
        }
        do {
            let parts = parts(of: request, path: "/v1/shadow-runs") { asked in try EventJSON.encode(asked) }
            let elsewhere: @Sendable (String) async -> ShadowRun? = { [gather] runId in
                guard let answer = await gather?.askOthers(request, path: "/v1/shadow-runs/\(runId)"), answer.status == 200 else { return nil }
                return try? EventJSON.decode(ShadowRun.self, from: answer.body)
            }
            switch try await runner.start(standardId: body.standardId, parts: parts, elsewhere: elsewhere) {
            case .started(let run): return JSONResponse.make(.accepted, run, headers: location(run))
            case .existing(let run): return JSONResponse.make(.ok, run, headers: location(run))
            case .busy(let run):
                return JSONResponse.error(
                    .conflict, "shadow run \(run.runId) of \(run.standard.id) is under way; one runs at a time, ask again when it has completed")
            }
        } catch {
            return Self.refusal(error)
        }
    }

    private func location(_ run: ShadowRun) -> HTTPFields {
        [.location: "/v1/shadow-runs/\(run.runId)"]
    }
}
