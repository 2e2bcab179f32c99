import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird

/// The HTTP twin of an agency's inbound topic, for offices without Kafka: the body is the record's value, the `ce-id`,
/// `ce-source` (and optional `ce-correlationid`) headers identify it as on the topic. The record is put on the topic
/// through the outbox, so it is applied in its key's order by the instance that holds the key, and the answer is its
/// outcome: 200 accepted, 422 refused with the fields at fault, or 202 when it was not applied within `answerWithin`
/// (with the `Location` to ask). Sending the same record again gives the same answer.
public struct AgencyTwin<Outcome: Encodable & Sendable>: Sendable {
    public struct Identity: Sendable {
        public var id: String
        public var source: String
        public var correlationId: String?
    }

    let store: ServiceStore
    let sources: AgencySources
    /// Where an outcome is asked for: `GET <outcomePath>?source=…&id=…`.
    let outcomePath: String
    let answerWithin: Duration
    let outcome: @Sendable (_ source: String, _ id: String, Database) throws -> Outcome?
    let accepted: @Sendable (Outcome) -> Bool

    public init(
        store: ServiceStore, sources: AgencySources, outcomePath: String, answerWithin: Duration = .seconds(10),
        outcome: @escaping @Sendable (_ source: String, _ id: String, Database) throws -> Outcome?, accepted: @escaping @Sendable (Outcome) -> Bool
    ) {
        self.store = store
        self.sources = sources
        self.outcomePath = outcomePath
        self.answerWithin = answerWithin
        self.outcome = outcome
        self.accepted = accepted
    }

    /// The record's identity from its headers, or the answer refusing it: 400 when a header is missing, 403 when the
    /// source is not the agency's.
    public func identity(_ request: Request) -> Result<Identity, Refusal> {
        var errors: [FieldError] = []
        let id = request.header("ce-id") ?? ""
        let source = request.header("ce-source") ?? ""
        if id.isEmpty { errors.append(FieldError("ce-id", "the header naming the record (unique for its source) is missing")) }
        if source.isEmpty { errors.append(FieldError("ce-source", "the header naming the office is missing")) }
        guard errors.isEmpty else { return .failure(Refusal(JSONResponse.error(.badRequest, "the record's identity is missing", errors))) }
        guard sources.admits(source) else {
            return .failure(Refusal(JSONResponse.error(.forbidden, "only \(sources.agency) may send this", [sources.refusal(source, field: "ce-source")])))
        }
        let correlationId = request.header("ce-correlationid").flatMap { $0.isEmpty ? nil : $0 }
        return .success(Identity(id: id, source: source, correlationId: correlationId))
    }

    /// Puts the record on `topic` (a tombstone when `data` is nil) unless it was answered before, and answers its
    /// outcome, waiting up to `answerWithin`.
    public func submit(
        _ identity: Identity, topic: TopicDefinition, key: String, data: [UInt8]?, subject: String? = nil
    ) async throws -> Response {
        let digest = Self.digest(topic: topic, key: key, data: data)
        if let conflict = try await store.pool.read({ db in try Self.reused(identity.source, identity.id, digest, in: db) }) { return conflict }
        if let known = try await store.pool.read({ db in try outcome(identity.source, identity.id, db) }) { return response(known) }
        let trace = TraceContext.current
        try await store.pool.write { db in
            try Self.remember(identity.source, identity.id, digest, in: db)
            try Self.append(identity, topic: topic, key: key, data: data, subject: subject ?? key, trace: trace, in: db)
        }
        store.outboxChanged()
        let deadline = ContinuousClock.now + answerWithin
        while ContinuousClock.now < deadline {
            if let answer = try await store.pool.read({ db in try outcome(identity.source, identity.id, db) }) { return response(answer) }
            try await Task.sleep(for: .milliseconds(50))
        }
        let link = outcomeLink(source: identity.source, id: identity.id)
        return JSONResponse.make(.accepted, ErrorBody(error: "queued; not applied yet: ask GET \(link)"), headers: [.location: link])
    }

    /// Puts several records of one source on `topic` in one transaction, without waiting for their outcomes (a file
    /// import); a record answered or queued before is not put again. Returns, per record id, where to ask its outcome.
    /// Refused whole (409, the response) when an id was sent before with another record.
    public func enqueue(
        source: String, topic: TopicDefinition, records: [(id: String, key: String, data: [UInt8]?, subject: String)]
    ) async throws -> Result<[String: String], Refusal> {
        let digests = records.map { Self.digest(topic: topic, key: $0.key, data: $0.data) }
        let conflict = try await store.pool.read { db in
            try zip(records, digests).lazy.compactMap { record, digest in try Self.reused(source, record.id, digest, in: db) }.first
        }
        if let conflict { return .failure(Refusal(conflict)) }
        let trace = TraceContext.current
        try await store.pool.write { db in
            for (record, digest) in zip(records, digests) {
                try Self.remember(source, record.id, digest, in: db)
                guard try outcome(source, record.id, db) == nil else { continue }
                try Self.append(
                    Identity(id: record.id, source: source), topic: topic, key: record.key, data: record.data, subject: record.subject,
                    trace: trace, in: db)
            }
        }
        store.outboxChanged()
        return .success(Dictionary(uniqueKeysWithValues: records.map { ($0.id, outcomeLink(source: source, id: $0.id)) }))
    }

    /// Where a record's outcome is told: `<outcomePath>?source=…&id=…`.
    func outcomeLink(source: String, id: String) -> String { "\(outcomePath)?source=\(Self.escaped(source))&id=\(Self.escaped(id))" }

    /// Appends the record to the outbox, as its agency would have put it on the topic.
    static func append(
        _ identity: Identity, topic: TopicDefinition, key: String, data: [UInt8]?, subject: String, trace: TraceContext?, in db: Database
    ) throws {
        var attributes = CloudEventAttributes(
            id: identity.id, source: identity.source, type: topic.eventType ?? "", time: Timestamp.now(), subject: subject,
            dataschema: topic.eventType.map(EventTypes.schema), dataclassification: topic.personal ? "personal" : "none")
        attributes.correlationid = identity.correlationId
        try Outbox.append(OutboundEvent(topic: topic.name, key: key, attributes: attributes, data: data).caused(by: trace), in: db)
    }

    static func digest(topic: TopicDefinition, key: String, data: [UInt8]?) -> String {
        DeterministicID.make(parts: [topic.name, key, data.map { String(decoding: $0, as: UTF8.self) } ?? "(tombstone)"])
    }

    /// The refusal of a record whose id was sent before with another record, or nil.
    static func reused(_ source: String, _ id: String, _ digest: String, in db: Database) throws -> Response? {
        guard let held = try String.fetchOne(
            db.cachedStatement(sql: "SELECT digest FROM twin_submission WHERE source = ? AND id = ?"), arguments: [source, id]),
            held != digest
        else { return nil }
        return JSONResponse.error(
            .conflict, "not queued",
            [FieldError("ce-id", "'\(id.prefix(100))' was sent before with another record; give each record an id of its own")])
    }

    static func remember(_ source: String, _ id: String, _ digest: String, in db: Database) throws {
        try db.run("INSERT INTO twin_submission (source, id, digest) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [source, id, digest])
    }

    /// `GET <outcomePath>?source=…&id=…`: a stored outcome, 404 when none, 400 naming a missing parameter.
    public func lookup(_ request: Request) async throws -> Response {
        let source = request.uri.queryParameters.get("source") ?? ""
        let id = request.uri.queryParameters.get("id") ?? ""
        let missing = [("source", source), ("id", id)].filter { $0.1.isEmpty }.map { FieldError($0.0, "the record's \($0.0) is required") }
        guard missing.isEmpty else { return JSONResponse.error(.badRequest, "which record?", missing) }
        guard let known = try await store.pool.read({ db in try outcome(source, id, db) }) else {
            return JSONResponse.notFound("record \(id) from \(source)")
        }
        return response(known)
    }

    /// The same, asking the service's other instances (by `routing`) for an outcome not kept here: the record was
    /// applied by the instance holding its partition.
    public func lookup(_ request: Request, orAsk routing: OwnerRouting?) async throws -> Response {
        let here = try await lookup(request)
        guard here.status == .notFound, let routing, let elsewhere = await PartitionGather(routing: routing).askOthers(request) else { return here }
        return elsewhere.response
    }

    func response(_ outcome: Outcome) -> Response { JSONResponse.make(accepted(outcome) ? .ok : .unprocessableContent, outcome) }

    static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}

/// An answer that ends a request before it is submitted.
public struct Refusal: Error, Sendable {
    public let response: Response
    public init(_ response: Response) { self.response = response }
}
