import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceRuntime

/// Bulk CSV import of a commune's review: the upload is read as it arrives (never collected whole) and its report
/// is kept, so that the full error list can be fetched after the answer.
struct HouseholdImportRoutes: IntakeRouteGroup {
    let context: IntakeContext

    func register(on router: SecuredRouter) {
        router.post("/v1/household-imports") { request, context in
            await importCSV(request, logger: context.logger, permits: context.permits(.householdWrite, areas: areas), actor: context.actor)
        }
        router.get("/v1/household-imports/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let report = try await store.pool.read({ db in try ImportReportStore.report(id.lowercased(), in: db) }) else {
                return JSONResponse.notFound("import \(id)")
            }
            return JSONResponse.make(.ok, report)
        }
    }

    /// 200 when every household was accepted, 207 when some were rejected, 422 when the file was refused (its header).
    func importCSV(_ request: Request, logger: Logger, permits: @escaping @Sendable (String) -> Bool, actor: AccessActor?) async -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("text/csv") else {
            return HTTPInputError(
                .unsupportedMediaType, FieldError("Content-Type", "must be text/csv (UTF-8); got '\(contentType)'")
            ).response
        }
        let started = ContinuousClock.now
        var session: HouseholdImportSession
        do {
            session = try await HouseholdImportSession.begin(writer: writer, rules: rules, today: today(), permits: permits, actor: actor)
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry cannot take an import now; retry")
        }
        var body = request.body.makeAsyncIterator()
        let report: ImportReport
        do {
            while true {
                let buffer: ByteBuffer?
                do {
                    buffer = try await body.next()
                } catch {
                    let partial = await session.abandon(.interrupted)
                    log(partial, since: started, logger)
                    return JSONResponse.error(.badRequest, "the upload broke off; households complete before it were imported (import \(partial.importId))")
                }
                guard let buffer else { break }
                try await session.feed(buffer.readableBytesView)
            }
            report = try await session.finish()
        } catch {
            let partial = await session.abandon(.failed)
            log(partial, since: started, logger)
            return JSONResponse.error(
                .serviceUnavailable,
                "the registry could not store the import; households stored before the failure stay, so import the file again "
                    + "(they come back unchanged)")
        }
        log(report, since: started, logger)
        let status: HTTPResponse.Status =
            report.status == .rejected ? .unprocessableContent
            : report.totals.rejected > 0 ? HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status") : .ok
        return JSONResponse.make(status, report, headers: [.location: "/v1/household-imports/\(report.importId)"])
    }

    /// One line per import, with counts only: the rows hold personal data.
    private func log(_ report: ImportReport, since start: ContinuousClock.Instant, _ logger: Logger) {
        let t = report.totals
        logger.info(
            "household import",
            metadata: [
                "import": "\(report.importId)", "status": "\(report.status.rawValue)", "rows": "\(t.rows)", "households": "\(t.households)",
                "created": "\(t.created)", "updated": "\(t.updated)", "unchanged": "\(t.unchanged)", "rejected": "\(t.rejected)",
                "seconds": "\(String(format: "%.1f", (ContinuousClock.now - start) / .seconds(1)))",
            ])
    }
}
