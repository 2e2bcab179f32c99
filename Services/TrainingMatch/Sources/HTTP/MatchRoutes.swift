import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import Kafka
import ServiceRuntime

/// A household's candidates with their members' offers, as the centre and the commune see them.
public struct HouseholdMatches: Codable, Sendable {
    public var householdId: String
    public var householdClass: HouseholdClass?
    public var candidates: [TrainingCandidate]
    public var notPutForward: [NotPutForward]?
    public var offers: [TrainingOffer]
}

/// training-match's matching API: the placement events' HTTP twin, a household's matches, and an entry's ranked
/// candidates.
public struct MatchRoutes: Sendable {
    let store: ServiceStore
    let twin: AgencyTwin<PlacementOutcome>
    let householdArea: HouseholdAreaLookup
    let rules: CatalogueMatching.Rules
    /// Where each household is kept (the household consumer's directory); nil: here.
    let routing: OwnerRouting?

    public init(
        store: ServiceStore, sources: AgencySources, rules: TrainingRules, householdArea: @escaping HouseholdAreaLookup, routing: OwnerRouting? = nil,
        answerWithin: Duration = .seconds(10)
    ) {
        self.store = store
        self.routing = routing
        self.householdArea = householdArea
        self.rules = CatalogueMatching.Rules(
            minimumWorkingAge: rules.minimumWorkingAge, retirementAge: (rules.retirementAge.male, rules.retirementAge.female))
        twin = AgencyTwin(
            store: store, sources: sources, outcomePath: "/v1/placement-events", answerWithin: answerWithin,
            outcome: { source, id, db in try OfferStore.outcome(source: source, id: id, in: db) }, accepted: { $0.status == .accepted })
    }

    public func register(on router: SecuredRouter) {
        router.post("/v1/placement-events") { request, context in try await submit(request, context) }
        router.get("/v1/placement-events") { request, _ in try await twin.lookup(request, orAsk: routing) }
        router.get("/v1/households/:id/matches") { _, context in try await matches(context.parameters.get("id") ?? "") }
        router.get("/v1/courses/:id/candidates") { request, context in try await candidates(.course, context.parameters.get("id") ?? "", request, context) }
        router.get("/v1/vacancies/:id/candidates") { request, context in try await candidates(.vacancy, context.parameters.get("id") ?? "", request, context) }
    }

    func submit(_ request: Request, _ caller: ServiceRequestContext) async throws -> Response {
        let identity: AgencyTwin<PlacementOutcome>.Identity
        switch twin.identity(request) {
        case .success(let known): identity = known
        case .failure(let refusal): return refusal.response
        }
        let event: PlacementEvent
        do {
            event = try await request.decodeJSON(PlacementEvent.self, limit: 64 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a placement event", error.errors)
        }
        // Applied, and answered, by the instance that keeps the household's offers.
        if let routing, let elsewhere = await routing.routeWrite(request, body: try EventJSON.encode(event), key: event.householdId, parameter: "householdId") {
            return elsewhere
        }
        if let refusal = caller.authorize(.centreRecord, in: try await householdArea(event.householdId)) { return refusal }
        let answer = try await twin.submit(identity, topic: Topics.placementEvent, key: event.householdId, data: try EventJSON.encode(event))
        if (200..<300).contains(answer.status.code) { try await caller.recordAccess(.change, householdId: event.householdId, status: answer.status.code) }
        return answer
    }

    func matches(_ householdId: String) async throws -> Response {
        let found = try await store.pool.read { db -> HouseholdMatches? in
            let offers = try OfferStore.offers(ofHousehold: householdId, in: db)
            let set = try TrainingMatchService.latest.payload(householdId: householdId, in: db).map {
                try EventJSON.decode(TrainingMatchSet.self, from: $0)
            }
            guard set != nil || !offers.isEmpty else { return nil }
            return HouseholdMatches(
                householdId: householdId, householdClass: set?.householdClass, candidates: set?.candidates ?? [], notPutForward: set?.notPutForward,
                offers: offers)
        }
        guard let found else { return JSONResponse.notFound("matches of household \(householdId)") }
        return JSONResponse.make(.ok, found)
    }

    /// The entry's candidates the caller may see (of its areas), best first. With several instances, each ranks the
    /// people of the partitions it holds (``PartitionGather``) and the parts are ranked together.
    func candidates(_ kind: CatalogueOutcome.Entry, _ id: String, _ request: Request, _ caller: ServiceRequestContext) async throws -> Response {
        guard let routing else {
            guard let ranked = try await rankedHere(kind, id, caller, partitions: nil) else { return JSONResponse.notFound("\(kind.rawValue) \(id)") }
            return JSONResponse.make(.ok, ranked)
        }
        let gather = PartitionGather(routing: routing)
        switch gather.scope(of: request) {
        case .failure(let refusal): return refusal.response
        case .success(.part(let partitions)):
            guard let ranked = try await rankedHere(kind, id, caller, partitions: partitions) else { return JSONResponse.notFound("\(kind.rawValue) \(id)") }
            return JSONResponse.make(.ok, ranked)
        case .success(.whole):
            guard try await store.pool.read({ db in try CatalogueStore.held(kind, id, in: db) }) != nil else {
                return JSONResponse.notFound("\(kind.rawValue) \(id)")
            }
            switch try await gather.gather(request, as: [RankedCandidate].self, local: { mine in try await rankedHere(kind, id, caller, partitions: mine) ?? [] }) {
            case .success(let parts): return JSONResponse.make(.ok, EntryRanking.sorted(parts.flatMap { $0 }))
            case .failure(let refusal): return refusal.response
            }
        }
    }

    /// The entry's candidates among the people of `partitions` of the households (all when nil); nil when the entry is
    /// not held.
    private func rankedHere(
        _ kind: CatalogueOutcome.Entry, _ id: String, _ caller: ServiceRequestContext, partitions: Set<Int32>?
    ) async throws -> [RankedCandidate]? {
        let count = routing?.directory.partitionCount ?? 1
        return try await store.pool.read { db -> [RankedCandidate]? in
            guard let held = try CatalogueStore.held(kind, id, in: db) else { return nil }
            let people = try MatchingRunner.people(in: db).0.map(\.person).filter {
                caller.sees(.candidateRead, commune: $0.communeCode, province: $0.provinceCode)
                    && (partitions?.contains(KeyPartitioner.partition(key: Array($0.householdId.utf8), partitionCount: count)) ?? true)
            }
            var ranked =
                switch kind {
                case .course: EntryRanking.rank(try EventJSON.decode(Course.self, from: held.payload), people: people, rules: rules)
                case .vacancy: EntryRanking.rank(try EventJSON.decode(Vacancy.self, from: held.payload), people: people, rules: rules)
                }
            let statuses = try Row.fetchAll(
                db, sql: "SELECT household_id, member_id, status FROM offer WHERE entry = ? AND entry_id = ?", arguments: [kind.rawValue, id]
            ).reduce(into: [String: PlacementStatus]()) { $0["\($1[0] as String)/\($1[1] as String)"] = PlacementStatus(rawValue: $1[2]) }
            for index in ranked.indices { ranked[index].status = statuses["\(ranked[index].householdId)/\(ranked[index].memberId)"] }
            return ranked
        }
    }
}
