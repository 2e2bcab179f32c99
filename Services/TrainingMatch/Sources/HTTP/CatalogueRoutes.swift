import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// A catalogue entry as listed: the entry at its latest version, whether it was withdrawn, and whether it is open
/// today (a course until it starts, a vacancy until its deadline).
public struct Listed<Entry: Codable & Sendable>: Codable, Sendable {
    public var entry: Entry
    public var withdrawn: Bool
    public var open: Bool
}

/// training-match's catalogue API: the HTTP twins of the centres' course and vacancy topics, and the listings.
public struct CatalogueRoutes: Sendable {
    let store: ServiceStore
    let twin: AgencyTwin<CatalogueOutcome>
    let today: @Sendable () -> String
    let areas: AreaRegistry

    public init(
        store: ServiceStore, sources: AgencySources, areas: AreaRegistry, answerWithin: Duration = .seconds(10), today: @escaping @Sendable () -> String
    ) {
        self.store = store
        self.areas = areas
        self.today = today
        twin = AgencyTwin(
            store: store, sources: sources, outcomePath: "/v1/catalogue-events", answerWithin: answerWithin,
            outcome: { source, id, db in try CatalogueStore.outcome(source: source, id: id, in: db) }, accepted: { $0.status == .accepted })
    }

    public func register(on router: SecuredRouter) {
        router.post("/v1/courses") { request, context in
            try await submit(request, context, Course.self, topic: Topics.course, id: \.courseId, place: \.place)
        }
        router.post("/v1/vacancies") { request, context in
            try await submit(request, context, Vacancy.self, topic: Topics.vacancy, id: \.vacancyId, place: \.place)
        }
        router.delete("/v1/courses/:id") { request, context in try await withdraw(request, topic: Topics.course, id: context.parameters.get("id") ?? "") }
        router.delete("/v1/vacancies/:id") { request, context in
            try await withdraw(request, topic: Topics.vacancy, id: context.parameters.get("id") ?? "")
        }
        router.get("/v1/catalogue-events") { request, _ in try await twin.lookup(request) }
        router.get("/v1/courses") { request, _ in try await list(request, .course, Course.self) }
        router.get("/v1/vacancies") { request, _ in try await list(request, .vacancy, Vacancy.self) }
    }

    /// A course or vacancy, keyed on its topic by its id.
    func submit<Entry: Codable & Sendable>(
        _ request: Request, _ caller: ServiceRequestContext, _ type: Entry.Type, topic: TopicDefinition, id: KeyPath<Entry, String>,
        place: KeyPath<Entry, CataloguePlace>
    ) async throws -> Response {
        let identity: AgencyTwin<CatalogueOutcome>.Identity
        switch twin.identity(request) {
        case .success(let known): identity = known
        case .failure(let refusal): return refusal.response
        }
        let entry: Entry
        do {
            entry = try await request.decodeJSON(Entry.self, limit: 256 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a \(topic.name == Topics.course.name ? "course" : "vacancy")", error.errors)
        }
        // Abroad (no province): any centre may offer it. A code that is no province today is the topic's rules' to refuse.
        let offeredAt = entry[keyPath: place]
        if let area = (offeredAt.provinceCode ?? offeredAt.communeCode).flatMap(areas.requestArea(ofCode:)),
            let refusal = caller.authorize(.centreRecord, in: RequestArea(province: area.province))
        {
            return refusal
        }
        return try await twin.submit(identity, topic: topic, key: entry[keyPath: id], data: try EventJSON.encode(entry))
    }

    /// A withdrawal: a tombstone for the entry's key.
    func withdraw(_ request: Request, topic: TopicDefinition, id: String) async throws -> Response {
        switch twin.identity(request) {
        case .success(let identity): try await twin.submit(identity, topic: topic, key: id, data: nil)
        case .failure(let refusal): refusal.response
        }
    }

    /// `?province=NN&commune=NNNNN&occupation=<VSCO code or its first digits>&open=true|false`, each optional.
    func list<Entry: Codable & Sendable>(_ request: Request, _ kind: CatalogueOutcome.Entry, _ type: Entry.Type) async throws -> Response {
        let query = request.uri.queryParameters
        var errors: [FieldError] = []
        func digits(_ name: String, _ counts: ClosedRange<Int>) -> String? {
            guard let value = query.get(name) else { return nil }
            if !counts.contains(value.count) || !value.allSatisfy({ $0.isASCII && $0.isNumber }) {
                errors.append(FieldError(name, "'\(value)' is not \(counts.lowerBound == counts.upperBound ? "\(counts.lowerBound)" : "\(counts.lowerBound)–\(counts.upperBound)") digits"))
            }
            return value
        }
        let province = digits("province", 2...2)
        let commune = digits("commune", 5...5)
        let occupation = digits("occupation", 1...5)
        var open: Bool?
        if let text = query.get("open") {
            open = text == "true" ? true : text == "false" ? false : nil
            if open == nil { errors.append(FieldError("open", "'\(text)' is not true or false")) }
        }
        guard errors.isEmpty else { return JSONResponse.error(.badRequest, "bad query", errors) }
        let day = today()
        let filter = CatalogueStore.Filter(province: province, commune: commune, occupation: occupation, open: open, day: day)
        let rows = try await store.pool.read { db in try CatalogueStore.entries(kind, filter, in: db) }
        let listed = try rows.map { row -> Listed<Entry> in
            Listed(entry: try EventJSON.decode(Entry.self, from: row.payload), withdrawn: row.withdrawn, open: !row.withdrawn && row.openUntil >= day)
        }
        return JSONResponse.make(.ok, listed)
    }
}
