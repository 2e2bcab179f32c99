import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// The body of `PUT /v1/denominators/{areaCode}/{year}`, `PUT /v1/targets/{areaCode}/{year}` and
/// `PUT /v1/baselines/{areaCode}/{year}`: an ``AreaFigure`` without the fields its path gives.
struct AreaFigureBody: Codable, Sendable {
    var version: Int
    var households: Int?
    var people: Int?
    var poorHouseholdsReduction: Int?
    var poorRatePercent: String?
    var nearPoorRatePercent: String?
    var published: PublishedYear?
    var source: String
}

/// A figure as listed: its latest version, and whether it was withdrawn.
struct ListedFigure: Codable, Sendable {
    var figure: AreaFigure
    var withdrawn: Bool
}

/// reporting's HTTP twins of `giamngheo.statistics.area-figure.v1` (``AgencyTwin``: the `ce-id` and `ce-source` headers
/// identify the record), and the figures held for an area.
struct AreaFigureRoutes: Sendable {
    let store: ServiceStore
    let twin: AgencyTwin<AreaFigureOutcome>
    let rules: AreaFigureRules

    let areas: AreaRegistry
    /// Where each area's figures are kept (the `reporting-figures` group's directory); nil: here.
    let routing: OwnerRouting?

    init(store: ServiceStore, sources: AgencySources, areas: AreaRegistry, routing: OwnerRouting? = nil, answerWithin: Duration = .seconds(10)) {
        self.store = store
        self.routing = routing
        rules = AreaFigureRules(areas: areas)
        self.areas = areas
        twin = AgencyTwin(
            store: store, sources: sources, outcomePath: "/v1/area-figure-events", answerWithin: answerWithin,
            outcome: { source, id, db in try AreaFigureStore.outcome(source: source, id: id, in: db) }, accepted: { $0.status == .accepted })
    }

    func register(on router: SecuredRouter) {
        for (path, kind) in [("denominators", AreaFigure.Kind.denominator), ("targets", .target), ("baselines", .baseline)] {
            router.put("/v1/\(path)/:areaCode/:year") { request, context in try await put(request, context, kind) }
            router.delete("/v1/\(path)/:areaCode/:year") { request, context in try await withdraw(request, context, kind) }
        }
        router.post("/v1/area-figures/import") { request, context in try await importFile(request, context) }
        router.get("/v1/area-figure-events") { request, _ in try await twin.lookup(request, orAsk: routing) }
        router.get("/v1/area-figures/:areaCode") { request, context in
            let code = context.parameters.get("areaCode") ?? ""
            // An area's figures are all on one partition (keyed by area), kept by the instance holding it.
            if let routing, let elsewhere = await routing.route(request, key: code, parameter: "areaCode") { return elsewhere }
            let figures = try await store.pool.read { db in try AreaFigureStore.figures(of: code, in: db) }
            return JSONResponse.make(.ok, figures.map { ListedFigure(figure: $0.figure, withdrawn: $0.withdrawn) })
        }
    }

    /// The area code and year of the path, or the answer refusing them.
    private func path(_ context: ServiceRequestContext) -> Result<(String, Int), Refusal> {
        let year = context.parameters.get("year") ?? ""
        guard let value = ReviewYearText.parse(year) else {
            return .failure(Refusal(JSONResponse.error(.badRequest, "bad path", [FieldError("year", "'\(year)' is not a year (4 digits)")])))
        }
        return .success((context.parameters.get("areaCode") ?? "", value))
    }

    private func put(_ request: Request, _ context: ServiceRequestContext, _ kind: AreaFigure.Kind) async throws -> Response {
        let (identity, (area, year)): (AgencyTwin<AreaFigureOutcome>.Identity, (String, Int))
        switch (twin.identity(request), path(context)) {
        case (.failure(let refusal), _), (_, .failure(let refusal)): return refusal.response
        case (.success(let known), .success(let place)): (identity, (area, year)) = (known, place)
        }
        let body: AreaFigureBody
        do {
            body = try await request.decodeJSON(AreaFigureBody.self, limit: 64 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a \(kind.rawValue)", error.errors)
        }
        let figure = AreaFigure(
            areaCode: area, year: year, kind: kind, version: body.version, households: body.households, people: body.people,
            poorHouseholdsReduction: body.poorHouseholdsReduction, poorRatePercent: body.poorRatePercent,
            nearPoorRatePercent: body.nearPoorRatePercent, published: body.published, source: body.source)
        if let routing, let elsewhere = await routing.routeWrite(request, body: try EventJSON.encode(body), key: area, parameter: "areaCode") {
            return elsewhere
        }
        return try await twin.submit(identity, topic: Topics.areaFigure, key: figure.key, data: try EventJSON.encode(figure), subject: area)
    }

    /// One record queued by an import, and where to ask its outcome.
    struct ImportedRecord: Codable, Sendable {
        var row: Int
        var key: String
        var id: String
        var outcome: String
    }

    /// `POST /v1/area-figures/import` (`text/csv`, ``AreaFigureCSV``): every row is checked as the topic's consumer checks
    /// it; one fault anywhere refuses the whole file (422, each fault named by row and column) and nothing is queued.
    /// Otherwise each row goes on the topic as its own record, id `<ce-id>/row-<n>`, and the answer (202) says where
    /// each one's outcome is told. Sending the same file with the same `ce-id` again queues nothing new.
    private func importFile(_ request: Request, _ caller: ServiceRequestContext) async throws -> Response {
        let identity: AgencyTwin<AreaFigureOutcome>.Identity
        switch twin.identity(request) {
        case .failure(let refusal): return refusal.response
        case .success(let known): identity = known
        }
        let contentType = request.headers[.contentType] ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard mediaType == "text/csv" else {
            return JSONResponse.error(.unsupportedMediaType, "send the figures as CSV", [FieldError("Content-Type", "must be text/csv (UTF-8); got '\(contentType.prefix(80))'")])
        }
        let text: String
        do {
            text = try await request.text(limit: 4 << 20)
        } catch {
            return error.response
        }
        let (figures, unreadable) = AreaFigureCSV.figures(text)
        guard unreadable.isEmpty else { return JSONResponse.error(.unprocessableContent, "the file was not loaded; nothing was queued", unreadable) }
        let problems = figures.flatMap { row, figure in
            // Named by the file's column: a baseline's `published.poorHouseholdsEnd` is the column `poorHouseholdsEnd`.
            rules.problems(figure, key: figure.key).map { FieldError("row \(row): \($0.field.replacingOccurrences(of: "published.", with: ""))", $0.reason) }
                + (caller.authorize(.figureWrite, in: areas.requestArea(ofCode: figure.areaCode)) == nil
                    ? [] : [FieldError("row \(row): areaCode", "area \(figure.areaCode) is outside the areas your token gives")])
        }
        guard problems.isEmpty else { return JSONResponse.error(.unprocessableContent, "the file was not loaded; nothing was queued", problems) }
        let records = try figures.map { row, figure in
            (id: "\(identity.id)/row-\(row)", key: figure.key, data: Optional(try EventJSON.encode(figure)), subject: figure.areaCode)
        }
        let outcomes: [String: String]
        switch try await twin.enqueue(source: identity.source, topic: Topics.areaFigure, records: records) {
        case .failure(let refusal): return refusal.response
        case .success(let links): outcomes = links
        }
        return JSONResponse.make(.accepted, zip(figures, records).map { row, record in
            ImportedRecord(row: row.row, key: record.key, id: record.id, outcome: outcomes[record.id] ?? "")
        })
    }

    private func withdraw(_ request: Request, _ context: ServiceRequestContext, _ kind: AreaFigure.Kind) async throws -> Response {
        switch (twin.identity(request), path(context)) {
        case (.failure(let refusal), _), (_, .failure(let refusal)): return refusal.response
        case (.success(let identity), .success(let (area, year))):
            if let routing, let elsewhere = await routing.routeWrite(request, body: [], key: area, parameter: "areaCode") { return elsewhere }
            return try await twin.submit(identity, topic: Topics.areaFigure, key: AreaFigure.key(area, year, kind), data: nil, subject: area)
        }
    }
}
