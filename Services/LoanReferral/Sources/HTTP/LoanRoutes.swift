import Access
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// A household's referral set as published, with the loan of each referral the bank reported on (and its history):
/// the answer of `GET /v1/households/{id}/referrals`, the set's fields plus `loans`.
public struct HouseholdReferrals: Codable, Sendable, Hashable {
    public var set: LoanReferralSet
    /// One per referral the bank reported a request for, in referral id order.
    public var loans: [Loan]

    public init(set: LoanReferralSet, loans: [Loan]) {
        self.set = set
        self.loans = loans
    }

    private enum CodingKeys: String, CodingKey { case loans }

    public init(from decoder: any Decoder) throws {
        set = try LoanReferralSet(from: decoder)
        loans = try decoder.container(keyedBy: CodingKeys.self).decode([Loan].self, forKey: .loans)
    }

    public func encode(to encoder: any Encoder) throws {
        try set.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(loans, forKey: .loans)
    }

    /// The loan of a referral, if the bank reported one.
    public func loan(_ referralId: String) -> Loan? { loans.first { $0.referralId == referralId } }
}

/// loan-referral's HTTP API: a household's referrals and loans, the programmes, and the HTTP twin of the bank's topic.
public struct LoanRoutes: Sendable {
    let store: ServiceStore
    let catalogue: ProgrammeCatalogue
    let twin: AgencyTwin<LoanEventOutcome>
    let householdArea: HouseholdAreaLookup
    /// Where each list is made (the list stage's directory); nil: here.
    let lists: OwnerRouting?
    /// Where each household is kept (the household consumer's directory); nil: here.
    let routing: OwnerRouting?

    public init(
        store: ServiceStore, catalogue: ProgrammeCatalogue, bankSources: AgencySources, householdArea: @escaping HouseholdAreaLookup,
        lists: OwnerRouting? = nil, routing: OwnerRouting? = nil, answerWithin: Duration = .seconds(10)
    ) {
        self.store = store
        self.lists = lists
        self.routing = routing
        self.catalogue = catalogue
        self.householdArea = householdArea
        twin = AgencyTwin(
            store: store, sources: bankSources, outcomePath: "/v1/loan-events", answerWithin: answerWithin,
            outcome: { source, id, db in try LoanStore.outcome(source: source, id: id, in: db) }, accepted: { $0.status == .accepted })
    }

    public func register(on router: SecuredRouter) {
        router.get("/v1/households/:id/referrals") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let answer = try await store.pool.read({ db in try Self.referrals(of: id, in: db) }) else {
                return JSONResponse.notFound("referrals of household \(id)")
            }
            return JSONResponse.make(.ok, answer)
        }
        router.get("/v1/programmes") { _, _ in JSONResponse.make(.ok, catalogue.programmes) }
        router.get("/v1/referral-lists/:communeCode") { request, context in try await list(request, commune: context.parameters.get("communeCode") ?? "") }
        router.post("/v1/loan-events") { request, context in try await receive(request, context) }
        router.get("/v1/loan-events") { request, _ in try await twin.lookup(request, orAsk: routing) }
    }

    static func referrals(of householdId: String, in db: Database) throws -> HouseholdReferrals? {
        guard let payload = try LoanReferralService.latest.payload(householdId: householdId, in: db) else { return nil }
        let set = try EventJSON.decode(LoanReferralSet.self, from: payload)
        return HouseholdReferrals(set: set, loans: try LoanStore.loans(ofHousehold: set.householdId, in: db))
    }

    /// A commune's list for its groups, for a round: JSON, or CSV when the client accepts `text/csv`.
    func list(_ request: Request, commune: String) async throws -> Response {
        var errors: [FieldError] = []
        let round = request.uri.queryParameters.get("round") ?? ""
        if round.isEmpty { errors.append(FieldError("round", "the review round is required, e.g. ?round=2025-periodic")) }
        let on: String = request.uri.queryParameters.get("on").map { String($0) } ?? CalendarDate(Date()).description
        if CalendarDate(on) == nil { errors.append(FieldError("on", "'\(on)' is not a date (YYYY-MM-DD)")) }
        guard errors.isEmpty else { return JSONResponse.error(.badRequest, "the list cannot be made", errors) }
        let key = ListKey(commune: commune, round: String(round))
        // Made by the instance holding the list's shares, as on the bank's topic.
        if let lists, let elsewhere = await lists.route(request, key: key.text, parameter: "communeCode") { return elsewhere }
        let sets = try await store.pool.read { db in try ReferralListStore.sets(of: key, in: db) }
        let programmes = Dictionary(uniqueKeysWithValues: catalogue.programmes.map { ($0.id, $0) })
        let list = ReferralList.make(key, sets: sets, programmes: programmes, time: "", on: on)
        guard (request.header("accept") ?? "").contains("text/csv") else { return JSONResponse.make(.ok, list) }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"danh-sach-vay-\(commune)-\(round).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: list.csv)))
    }

    /// The HTTP twin of `giamngheo.vbsp.loan-event.v1` (``AgencyTwin``): the body is a ``BankLoanEvent``, keyed on the
    /// topic by its household.
    func receive(_ request: Request, _ caller: ServiceRequestContext) async throws -> Response {
        let identity: AgencyTwin<LoanEventOutcome>.Identity
        switch twin.identity(request) {
        case .success(let known): identity = known
        case .failure(let refusal): return refusal.response
        }
        let event: BankLoanEvent
        do {
            event = try await request.decodeJSON(BankLoanEvent.self, limit: 64 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a bank event", error.errors)
        }
        // Applied, and answered, by the instance that keeps the household's referrals.
        if let routing, let elsewhere = await routing.routeWrite(request, body: try EventJSON.encode(event), key: event.householdId, parameter: "householdId") {
            return elsewhere
        }
        if let refusal = caller.authorize(.bankRecord, in: try await householdArea(event.householdId)) { return refusal }
        let answer = try await twin.submit(identity, topic: Topics.loanEvent, key: event.householdId, data: try EventJSON.encode(event))
        if (200..<300).contains(answer.status.code) { try await caller.recordAccess(.change, householdId: event.householdId, status: answer.status.code) }
        return answer
    }
}
