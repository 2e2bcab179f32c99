import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Area reports as JSON, and a small dashboard page (Vietnamese first, English second).
public struct ReportingRoutes: Sendable {
    let store: ServiceStore

    public func register(on router: Router<BasicRequestContext>) {
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
            guard let year = Int(text), text.count == 4 else {
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
        router.get("/") { _, _ in
            let reports = try await store.pool.read { db in try Self.reports(province: nil, in: db) }
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Dashboard.html(reports))))
        }
    }

    static func report(_ code: String, in db: Database) throws -> AreaReport? {
        try Data.fetchOne(db, sql: "SELECT payload FROM area_report WHERE area_code = ?", arguments: [code])
            .map { try EventJSON.decode(AreaReport.self, from: $0) }
    }

    static func reports(province: String?, in db: Database) throws -> [AreaReport] {
        let rows = try Data.fetchAll(
            db, sql: "SELECT payload FROM area_report WHERE ? IS NULL OR province_code = ? ORDER BY province_code, length(area_code), area_code",
            arguments: [province, province])
        return try rows.map { try EventJSON.decode(AreaReport.self, from: $0) }
    }
}

/// One area's review year, as `GET /v1/reports/{areaCode}/years/{year}` answers it.
public struct AreaYearReport: Codable, Sendable {
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var areaName: String?
    public var provinceCode: String
    /// The report's version and time it was read from.
    public var version: Int64
    public var asOf: String
    public var review: ReviewYearCounts
    /// Whether `start + inflows − outflows = end` holds for every class and group.
    public var flowsAddUp: Bool

    public init(_ report: AreaReport, _ review: ReviewYearCounts) {
        (areaCode, areaLevel, areaName, provinceCode, version, asOf) =
            (report.areaCode, report.areaLevel, report.areaName, report.provinceCode, report.version, report.asOf)
        self.review = review
        flowsAddUp = review.addsUp
    }
}

/// The dashboard page: provinces with their former districts and communes, households by class and rates, referrals and candidates.
enum Dashboard {
    static func html(_ reports: [AreaReport]) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func row(_ r: AreaReport) -> String {
            let h = r.households
            let style = r.areaLevel == .commune ? "" : " class=\"\(r.areaLevel.rawValue)\""
            return """
                <tr\(style)><td>\(r.areaCode)</td><td>\(escape(r.areaName ?? ""))</td><td>\(h.total)</td><td>\(h.poor)</td>\
                <td>\(DecimalText.fixed(h.poorRatePercent, fractionDigits: 2))</td><td>\(h.nearPoor)</td><td>\(DecimalText.fixed(h.nearPoorRatePercent, fractionDigits: 2))</td>\
                <td>\(h.averageLiving)</td><td>\(r.lowIncomeWorkerHouseholds)</td><td>\(r.loanCandidates?.households ?? 0)</td><td>\(r.referrals.households)</td>\
                <td>\(r.credit?.householdsDisbursed ?? 0)</td><td>\(DecimalText.grouped(r.credit?.loans.outstandingVnd ?? 0))</td><td>\(r.training.candidates)</td>\
                <td>\(r.training.outcomes?.members.enrolled ?? 0)</td><td>\(r.training.outcomes?.members.completed ?? 0)</td>\
                <td>\((r.training.outcomes?.members.placed ?? 0) + (r.training.outcomes?.members.departed ?? 0))</td>\
                <td>\(r.unclassified ?? 0)</td><td>\(r.standardIds.joined(separator: ", "))</td></tr>
                """
        }
        let body = reports.isEmpty
            ? "<p>Chưa có số liệu. <i>No data yet.</i></p>"
            : """
            <table><thead><tr><th>Mã<br><i>Code</i></th><th>Đơn vị<br><i>Area</i></th><th>Tổng số hộ<br><i>Households</i></th>\
            <th>Hộ nghèo<br><i>Poor</i></th><th>Tỷ lệ nghèo (%)<br><i>Poverty rate</i></th><th>Hộ cận nghèo<br><i>Near-poor</i></th>\
            <th>Tỷ lệ cận nghèo (%)<br><i>Near-poor rate</i></th><th>Hộ có mức sống trung bình<br><i>Average living</i></th>\
            <th>Hộ có người lao động thu nhập thấp<br><i>Low-income-worker households</i></th>\
            <th>Hộ dự kiến giới thiệu vay (chưa công nhận)<br><i>VBSP candidates (not yet recognised)</i></th>\
            <th>Hộ được giới thiệu vay NHCSXH<br><i>Referred to VBSP</i></th><th>Hộ được giải ngân<br><i>Households lent</i></th>\
            <th>Dư nợ (đồng)<br><i>Outstanding (VND)</i></th><th>Lao động được giới thiệu học nghề<br><i>Training candidates</i></th>\
            <th>Đang/đã học nghề<br><i>Enrolled</i></th><th>Hoàn thành khóa học<br><i>Completed</i></th>\
            <th>Có việc làm (kể cả đi làm việc ở nước ngoài)<br><i>Placed in work (incl. abroad)</i></th>\
            <th>Hộ chưa phân loại được<br><i>Not classifiable (see the reason)</i></th>\
            <th>Chuẩn nghèo<br><i>Standard</i></th></tr></thead><tbody>
            \(reports.map(row).joined(separator: "\n"))
            </tbody></table>
            """
        return """
            <!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Giảm nghèo — Báo cáo theo địa bàn</title>
            <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
            td:nth-child(2){text-align:left}tr.province{font-weight:bold;background:#eef}tr.formerDistrict{font-style:italic;background:#f6f6fb}i{font-weight:normal;color:#666}</style></head><body>
            <h1>Kết quả rà soát hộ nghèo, hộ cận nghèo<br><i>Poor and near-poor household review results</i></h1>
            <p>Tỷ lệ tính trên tổng số hộ được rà soát. Không so sánh tỷ lệ giữa các chuẩn nghèo khác nhau.<br>
            <i>Rates are over all reviewed households. Do not compare rates across poverty standards.</i></p>
            \(body)
            </body></html>
            """
    }
}
