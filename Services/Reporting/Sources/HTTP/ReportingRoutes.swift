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

    public func register(on router: SecuredRouter) {
        router.get("/v1/reports/:areaCode") { _, context in
            let code = context.parameters.get("areaCode") ?? ""
            guard let report = try await store.pool.read({ db in try Self.report(code, in: db) }) else {
                return JSONResponse.notFound("report for area \(code)")
            }
            return JSONResponse.make(.ok, report)
        }
        router.get("/v1/reports/:areaCode/years/:year") { _, context in
            let code = context.parameters.get("areaCode") ?? ""
            let text = context.parameters.get("year") ?? ""
            guard let year = ReviewYearText.parse(text) else {
                return JSONResponse.error(.badRequest, "bad path", [FieldError("year", "'\(text)' is not a year (4 digits)")])
            }
            guard let report = try await store.pool.read({ db in try Self.report(code, in: db) }) else {
                return JSONResponse.notFound("report for area \(code)")
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

    /// An area's report as published, or a grouping's, added up now.
    static func report(_ code: String, in db: Database) throws -> AreaReport? {
        if GroupingRules.isGroupingCode(code) { return try GroupingStore.grouping(code, in: db).map { try GroupingStore.report($0, in: db) } }
        return try Data.fetchOne(db, sql: "SELECT payload FROM area_report WHERE area_code = ?", arguments: [code])
            .map { try EventJSON.decode(AreaReport.self, from: $0) }
    }

    static func reports(province: String?, in db: Database) throws -> [AreaReport] {
        let rows = try Data.fetchAll(
            db, sql: "SELECT payload FROM area_report WHERE ? IS NULL OR province_code = ? ORDER BY province_code, length(area_code), area_code",
            arguments: [province, province])
        return try rows.map { try EventJSON.decode(AreaReport.self, from: $0) }
    }
}
