import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Area reports as JSON: every area, one area, and one area's review year.
public struct ReportingRoutes: Sendable {
    let store: ServiceStore
    let reports: AreaReports

    init(store: ServiceStore, reports: AreaReports) {
        self.store = store
        self.reports = reports
    }

    public func register(on router: SecuredRouter) {
        router.get("/v1/reports/:areaCode") { request, context in
            let code = context.parameters.get("areaCode") ?? ""
            switch try await reports.report(code, request) {
            case .report(let report): return JSONResponse.make(.ok, report)
            case .notFound: return JSONResponse.notFound("report for area \(code)")
            case .response(let response): return response
            }
        }
        router.get("/v1/reports/:areaCode/years/:year") { request, context in
            let code = context.parameters.get("areaCode") ?? ""
            let text = context.parameters.get("year") ?? ""
            guard let year = ReviewYearText.parse(text) else {
                return JSONResponse.error(.badRequest, "bad path", [FieldError("year", "'\(text)' is not a year (4 digits)")])
            }
            let report: AreaReport
            switch try await reports.report(code, request) {
            case .report(let found): report = found
            case .notFound: return JSONResponse.notFound("report for area \(code)")
            case .response(let response): return response
            }
            guard let counts = report.reviewYears?.first(where: { $0.year == year }) else {
                let known = (report.reviewYears ?? []).map(\.year)
                let range = known.isEmpty ? "none" : "\(known.min()!)–\(known.max()!)"
                return JSONResponse.notFound("review year \(year) of area \(code) (years with figures: \(range))")
            }
            return JSONResponse.make(.ok, AreaYearReport(report, counts))
        }
        router.get("/v1/reports") { request, _ in
            let province = request.uri.queryParameters.get("province")
            let reports = try await store.pool.read { db in try Self.reports(province: province, in: db) }
            return JSONResponse.make(.ok, reports)
        }
    }

    static func reports(province: String?, in db: Database) throws -> [AreaReport] {
        let rows = try Data.fetchAll(
            db, sql: "SELECT payload FROM area_report WHERE ? IS NULL OR province_code = ? ORDER BY province_code, length(area_code), area_code",
            arguments: [province, province])
        return try rows.map { try EventJSON.decode(AreaReport.self, from: $0) }
    }
}

/// Reports by area code: an area's as published (every instance keeps every area's), a grouping's added up now from
/// its communes' tallies, asked of every holder of the area partitions (``PartitionGather``).
struct AreaReports: Sendable {
    let store: ServiceStore
    let gather: PartitionGather?

    enum Answer {
        case report(AreaReport)
        case notFound
        /// A part asked by another instance, or a refusal.
        case response(Response)
    }

    func report(_ code: String, _ request: Request) async throws -> Answer {
        guard GroupingRules.isGroupingCode(code) else {
            let report = try await store.pool.read { db in
                try Data.fetchOne(db, sql: "SELECT payload FROM area_report WHERE area_code = ?", arguments: [code])
                    .map { try EventJSON.decode(AreaReport.self, from: $0) }
            }
            return report.map { .report($0) } ?? .notFound
        }
        let grouping = try await store.pool.read { db in try GroupingStore.grouping(code, in: db) }
        guard let gather else {
            guard let grouping else { return .notFound }
            return .report(try await store.pool.read { db in try GroupingStore.report(grouping, in: db) })
        }
        let count = gather.routing.directory.partitionCount
        switch gather.scope(of: request) {
        case .failure(let refusal):
            return .response(refusal.response)
        case .success(.part(let partitions)):
            guard let grouping else {
                return .response(
                    JSONResponse.make(
                        .serviceUnavailable, ErrorBody(error: "grouping \(code) is not known here yet; retry"), headers: [.retryAfter: "1"]))
            }
            return .response(
                JSONResponse.make(
                    .ok, try await store.pool.read { db in try GroupingStore.part(grouping, partitions: partitions, partitionCount: count, in: db) }))
        case .success(.whole):
            guard let grouping else { return .notFound }
            let gathered = try await gather.gather(request, path: "/v1/reports/\(code)", as: GroupingPart.self) { mine in
                try await store.pool.read { db in try GroupingStore.part(grouping, partitions: mine, partitionCount: count, in: db) }
            }
            switch gathered {
            case .success(let parts): return .report(GroupingStore.report(grouping, parts: parts))
            case .failure(let refusal): return .response(refusal.response)
            }
        }
    }
}
