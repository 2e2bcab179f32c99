import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// `GET /v1/reports/{areaCode}/forms/{form}?year=&format=csv|html`: the official forms (``ReportForm``) as a CSV
/// download (UTF-8 with a byte-order mark, for spreadsheet programs) or a printable page.
struct FormRoutes: Sendable {
    let store: ServiceStore
    let reports: AreaReports

    func register(on router: SecuredRouter) {
        router.get("/v1/reports/:areaCode/forms/:form") { request, context in
            let code = context.parameters.get("areaCode") ?? ""
            let name = context.parameters.get("form") ?? ""
            let query = request.uri.queryParameters
            var errors: [FieldError] = []
            let form = ReportForm(rawValue: name)
            if form == nil {
                errors.append(FieldError("form", "'\(name)' is not a form; one of \(ReportForm.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            let format = query.get("format") ?? "csv"
            if !["csv", "html"].contains(format) { errors.append(FieldError("format", "'\(format)' is not csv or html")) }
            let yearText = query.get("year")
            let year = yearText.flatMap(ReviewYearText.parse)
            if let yearText, year == nil { errors.append(FieldError("year", "'\(yearText)' is not a year (4 digits)")) }
            if form == .changes, yearText == nil { errors.append(FieldError("year", "is required for the changes form")) }
            guard errors.isEmpty, let form else { return JSONResponse.error(.badRequest, "bad form request", errors) }

            let report: AreaReport
            switch try await reports.report(code, request) {
            case .report(let found): report = found
            case .notFound: return JSONResponse.notFound("report for area \(code)")
            case .response(let response): return response
            }
            let table: FormTable
            switch form {
            case .changes:
                guard let review = report.reviewYears?.first(where: { $0.year == year }) else {
                    let known = (report.reviewYears ?? []).map { String($0.year) }.joined(separator: ", ")
                    return JSONResponse.notFound("review year \(year ?? 0) of area \(code) (years with figures: \(known.isEmpty ? "none" : known))")
                }
                table = ReportForms.changes(review)
            case .deprivations:
                // With a year, the recognised lists at its end; without one, the households as last classified.
                if let year {
                    guard let review = report.reviewYears?.first(where: { $0.year == year }), let form = ReportForms.deprivations(review) else {
                        return JSONResponse.notFound("deprivations of the recognised lists of area \(code) at the end of \(year)")
                    }
                    table = form
                } else {
                    table = ReportForms.deprivations(report)
                }
            }
            let file = "\(form.rawValue)-\(code)-\(year.map(String.init) ?? String(report.asOf.prefix(4)))"
            if format == "html" {
                return Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'"],
                    body: .init(byteBuffer: ByteBuffer(string: FormPage.html(table, report: report, year: year))))
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(file).csv\""],
                body: .init(byteBuffer: ByteBuffer(string: "\u{FEFF}" + FormPage.csv(table))))
        }
    }
}

/// A form table written out: CSV with bilingual headings, or a printable bilingual HTML page.
enum FormPage {
    static func csv(_ table: FormTable) -> String {
        CSV.spreadsheetLine(["Chỉ tiêu (Item)"] + table.columns.map { "\($0.vi) (\($0.en))" })
            + table.rows.map { CSV.spreadsheetLine(["\($0.label.vi) (\($0.label.en))"] + $0.cells) }.joined()
    }

    static func html(_ table: FormTable, report: AreaReport, year: Int?) -> String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        func both(_ b: Bilingual) -> String { "\(escape(b.vi))<br><i>\(escape(b.en))</i>" }
        let area = escape(report.areaName.map { "\($0) (\(report.areaCode))" } ?? report.areaCode)
        let period = year.map { "Năm \($0) <i>(year \($0))</i>" } ?? "Đến \(escape(report.asOf)) <i>(as of)</i>"
        let head = "<tr><th>Chỉ tiêu<br><i>Item</i></th>" + table.columns.map { "<th>\(both($0))</th>" }.joined() + "</tr>"
        let body = table.rows.map { row in
            "<tr><th scope=\"row\">\(both(row.label))</th>" + row.cells.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }.joined(separator: "\n")
        let notes = table.notes.map { "<li>\(escape($0.vi))<br><i>\(escape($0.en))</i></li>" }.joined()
        return """
            <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(table.form.title.vi)) — \(area)</title>
            <style>body{font-family:"Times New Roman",serif;margin:1.5em}table{border-collapse:collapse;font-size:12px}
            th,td{border:1px solid #000;padding:3px 5px}td{text-align:right}thead th{vertical-align:bottom}i{color:#444;font-weight:normal}
            @media print{body{margin:0}@page{size:A4 landscape;margin:12mm}}</style></head><body>
            <h1>\(escape(table.form.title.vi))<br><i>\(escape(table.form.title.en))</i></h1>
            <p>Đơn vị <i>(area)</i>: \(area) — \(period)</p>
            <table data-form="\(table.form.rawValue)"><thead>\(head)</thead><tbody>
            \(body)
            </tbody></table>
            <ul>\(notes)</ul>
            <p><small>Phiên bản báo cáo <i>(report version)</i> \(report.version), \(escape(report.asOf))</small></p>
            </body></html>
            """
    }
}
