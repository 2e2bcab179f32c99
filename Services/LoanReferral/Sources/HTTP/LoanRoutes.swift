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
    let bankSources: BankSources
    /// How long `POST /v1/loan-events` waits for the event to be applied before answering 202.
    let answerWithin: Duration

    public init(store: ServiceStore, catalogue: ProgrammeCatalogue, bankSources: BankSources, answerWithin: Duration = .seconds(10)) {
        self.store = store
        self.catalogue = catalogue
        self.bankSources = bankSources
        self.answerWithin = answerWithin
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/households/:id/referrals") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let answer = try await store.pool.read({ db in try Self.referrals(of: id, in: db) }) else {
                return JSONResponse.notFound("referrals of household \(id)")
            }
            return JSONResponse.make(.ok, answer)
        }
        router.get("/v1/programmes") { _, _ in JSONResponse.make(.ok, catalogue.programmes) }
        router.get("/v1/referral-lists/:communeCode") { request, context in try await list(request, commune: context.parameters.get("communeCode") ?? "") }
        router.post("/v1/loan-events") { request, _ in try await receive(request) }
        router.get("/v1/loan-events") { request, _ in
            let source = request.uri.queryParameters.get("source") ?? ""
            let id = request.uri.queryParameters.get("id") ?? ""
            guard let outcome = try await store.pool.read({ db in try LoanStore.outcome(source: source, id: id, in: db) }) else {
                return JSONResponse.notFound("bank event \(id) from \(source)")
            }
            return JSONResponse.make(outcome.status == .accepted ? .ok : .unprocessableContent, outcome)
        }
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
        let sets = try await store.pool.read { db in
            try ReferralListStore.sets(commune: commune, round: String(round), latest: LoanReferralService.latest, in: db)
        }
        let programmes = Dictionary(uniqueKeysWithValues: catalogue.programmes.map { ($0.id, $0) })
        let list = ReferralList(communeCode: commune, roundId: String(round), on: on, rows: ReferralList.rows(sets, programmes: programmes, on: on))
        guard (Self.header(request, "accept") ?? "").contains("text/csv") else { return JSONResponse.make(.ok, list) }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"danh-sach-vay-\(commune)-\(round).csv\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: list.csv)))
    }

    /// The HTTP twin of `giamngheo.vbsp.loan-event.v1`, for offices without Kafka: the body is a ``BankLoanEvent``, the
    /// `ce-id` and `ce-source` headers identify it as on the topic. It is put on the topic, so it is applied in the
    /// household's order by the instance that holds the household, and the answer is the outcome: 200 accepted, 422
    /// refused with the fields at fault, or 202 when it was not applied within `answerWithin` (ask
    /// `GET /v1/loan-events?source=…&id=…`). Sending the same event again gives the same answer.
    func receive(_ request: Request) async throws -> Response {
        var errors: [FieldError] = []
        let id = Self.header(request, "ce-id") ?? ""
        let source = Self.header(request, "ce-source") ?? ""
        if id.isEmpty { errors.append(FieldError("ce-id", "the header naming the event (unique for its source) is missing")) }
        if source.isEmpty { errors.append(FieldError("ce-source", "the header naming the VBSP office is missing")) }
        guard errors.isEmpty else { return JSONResponse.error(.badRequest, "the event's identity is missing", errors) }
        guard bankSources.admits(source) else {
            return JSONResponse.error(
                .forbidden, "only the bank writes bank events", [FieldError("ce-source", "'\(source)' is not a VBSP office (\(bankSources))")])
        }
        let event: BankLoanEvent
        do {
            event = try await request.decodeJSON(BankLoanEvent.self, limit: 64 << 10)
        } catch {
            return JSONResponse.error(error.status, "the body is not a bank event", error.errors)
        }
        if let known = try await store.pool.read({ db in try LoanStore.outcome(source: source, id: id, in: db) }) {
            return Self.response(known)
        }
        let correlation = Self.header(request, "ce-correlationid")
        try await store.pool.write { db in
            var attributes = CloudEventAttributes(
                id: id, source: source, type: EventTypes.bankLoanEvent, time: Timestamp.now(), subject: event.householdId,
                dataschema: EventTypes.schema(EventTypes.bankLoanEvent), dataclassification: "personal")
            attributes.correlationid = correlation
            try Outbox.append(
                OutboundEvent(topic: Topics.loanEvent.name, key: event.householdId, attributes: attributes, data: try EventJSON.encode(event)),
                in: db)
        }
        store.outboxChanged()
        let deadline = ContinuousClock.now + answerWithin
        while ContinuousClock.now < deadline {
            if let outcome = try await store.pool.read({ db in try LoanStore.outcome(source: source, id: id, in: db) }) {
                return Self.response(outcome)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let query = "source=\(Self.escaped(source))&id=\(Self.escaped(id))"
        return JSONResponse.make(
            .accepted, ErrorBody(error: "queued; not applied yet: ask GET /v1/loan-events?\(query)"),
            headers: [.location: "/v1/loan-events?\(query)"])
    }

    static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name }?.value
    }

    static func response(_ outcome: LoanEventOutcome) -> Response {
        JSONResponse.make(outcome.status == .accepted ? .ok : .unprocessableContent, outcome)
    }

    static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
