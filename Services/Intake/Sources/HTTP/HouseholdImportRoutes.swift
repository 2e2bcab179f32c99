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
        router.get("/v1/household-imports/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard let report = try await store.pool.read({ db in try ImportReportStore.report(id.lowercased(), in: db) }) else {
                // The report is kept by the instance that ran the import.
                if let router = self.context.router, let elsewhere = await PartitionGather(routing: router.routing).askOthers(request) {
                    return elsewhere.response
                }
                return JSONResponse.notFound("import \(id)")
            }
            return JSONResponse.make(.ok, report)
        }
    }

    /// 200 when every household was accepted, 207 when some were rejected, 422 when the file was refused (its header).
    /// With `Prefer: respond-async` (RFC 7240), the answer starts at once: 202 with the import's `Location` (and
    /// `Preference-Applied`), so a client that loses the connection or sees intake restart can always look its import
    /// up; the report follows as the body once the file is read.
    func importCSV(_ request: Request, logger: Logger, permits: @escaping @Sendable (String) -> Bool, actor: AccessActor?) async -> Response {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.hasPrefix("text/csv") else {
            return HTTPInputError(
                .unsupportedMediaType, FieldError("Content-Type", "must be text/csv (UTF-8); got '\(contentType)'")
            ).response
        }
        let started = ContinuousClock.now
        let session: HouseholdImportSession
        do {
            session = try await HouseholdImportSession.begin(
                writer: writer, rules: rules, today: today(), permits: permits, actor: actor, routing: router.map { ($0, request.headers) })
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry cannot take an import now; retry")
        }
        let location = "/v1/household-imports/\(session.importId)"
        let body = request.body
        guard Self.prefersAsync(request) else {
            let (status, answer) = await Self.read(body, into: session, since: started, logger: logger)
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .location: location], body: .init(byteBuffer: ByteBuffer(bytes: answer)))
        }
        return Response(
            status: .accepted,
            headers: [.contentType: "application/json; charset=utf-8", .location: location, .preferenceApplied: "respond-async"],
            body: ResponseBody { writer in
                let (_, answer) = await Self.read(body, into: session, since: started, logger: logger)
                try await writer.write(ByteBuffer(bytes: answer))
                try await writer.finish(nil)
            })
    }

    static func prefersAsync(_ request: Request) -> Bool {
        request.headers[values: .prefer].contains { $0.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "respond-async" } }
    }

    /// Reads the upload into the session to its end, and gives the answer's status and body: the report, or why the
    /// import stopped (the households stored before stay, and the report in the store says how many).
    static func read(_ body: RequestBody, into session: HouseholdImportSession, since started: ContinuousClock.Instant, logger: Logger) async
        -> (HTTPResponse.Status, [UInt8])
    {
        var session = session
        func stopped(_ status: HTTPResponse.Status, _ message: String) -> (HTTPResponse.Status, [UInt8]) {
            (status, (try? EventJSON.encode(ErrorBody(error: message))) ?? [])
        }
        let report: ImportReport
        do {
            var chunks = body.makeAsyncIterator()
            while true {
                let buffer: ByteBuffer?
                do {
                    buffer = try await chunks.next()
                } catch {
                    let partial = await session.abandon(.interrupted)
                    log(partial, since: started, logger)
                    return stopped(.badRequest, "the upload broke off; households complete before it were imported (import \(partial.importId))")
                }
                guard let buffer else { break }
                try await session.feed(buffer.readableBytesView)
            }
            report = try await session.finish()
        } catch {
            let partial = await session.abandon(.failed)
            log(partial, since: started, logger)
            return stopped(
                .serviceUnavailable,
                "the registry could not store the import; households stored before the failure stay, so import the file again "
                    + "(they come back unchanged)")
        }
        log(report, since: started, logger)
        let status: HTTPResponse.Status =
            report.status == .rejected ? .unprocessableContent
            : report.totals.rejected > 0 ? HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status") : .ok
        return (status, (try? EventJSON.encode(report)) ?? [])
    }

    /// One line per import, with counts only: the rows hold personal data.
    private static func log(_ report: ImportReport, since start: ContinuousClock.Instant, _ logger: Logger) {
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

extension HTTPFields.Element.Name {
    static let prefer = Self("Prefer")!
    static let preferenceApplied = Self("Preference-Applied")!
}
