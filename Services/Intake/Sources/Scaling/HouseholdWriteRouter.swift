import EventContracts
import EventStore
import GRDB
import Foundation
import Hummingbird
import ServiceRuntime

/// Where each household write goes when intake runs as several instances: stored here when this instance writes the
/// household (``IntakeOwnership``), else sent to the instance that does, whose answer is the answer. A write whose
/// partition is moving waits for it to settle, up to `patience`, and is then refused with a 503 to retry.
struct HouseholdWriteRouter: Sendable {
    let ownership: IntakeOwnership
    let routing: OwnerRouting
    let store: ServiceStore
    var patience: Duration = .seconds(30)

    enum Writer: Sendable {
        case here
        case other(InstanceClaim)
        /// Nobody writes the household's partition now, and why.
        case nobody(String)
    }

    func writer(of householdId: String) -> Writer { writer(ofPartition: ownership.partition(of: householdId)) }

    func writer(ofPartition partition: Int32) -> Writer {
        switch routing.directory.owner(ofPartition: partition) {
        case .this: return .here
        case .other(let claim): return .other(claim)
        case .catchingUp: return .nobody("\(routing.directory.instanceId) took it over and is still reading its households")
        case .nobody: return .nobody("no intake instance writes it right now")
        }
    }

    /// A validated survey of a batch, CSV import or single request, with the id its household is stored under.
    struct Item: Sendable {
        var index: Int
        var householdId: String
        var input: SurveyInput
    }

    /// Sends the items other instances write to them, as batches, waiting for moving partitions as long as the
    /// patience; returns the items to store here and the others' answers by index.
    func route(_ items: [Item], like caller: HTTPFields) async -> (here: [Item], elsewhere: [Int: IntakeRoutes.BatchItemResult]) {
        var pending = items
        var here: [Item] = []
        var answers: [Int: IntakeRoutes.BatchItemResult] = [:]
        var why: [Int: String] = [:]
        let deadline = ContinuousClock.now + patience
        while true {
            var byOwner: [String: (claim: InstanceClaim, items: [Item])] = [:]
            var waiting: [Item] = []
            var writers: [Int32: Writer] = [:]  // asked once per partition and pass: each answer reads the store
            for item in pending {
                let partition = ownership.partition(of: item.householdId)
                let writer = writers[partition] ?? writer(ofPartition: partition)
                writers[partition] = writer
                switch writer {
                case .here: here.append(item)
                case .other(let claim): byOwner[claim.instanceId, default: (claim, [])].items.append(item)
                case .nobody(let reason):
                    why[item.index] = reason
                    waiting.append(item)
                }
            }
            for (claim, items) in byOwner.values {
                switch await send(items, to: claim, like: caller) {
                case .success(let results): for (index, result) in results { answers[index] = result }
                case .retry(let reason):
                    for item in items { why[item.index] = reason }
                    waiting += items
                case .refused(let errors):
                    for item in items { answers[item.index] = IntakeRoutes.BatchItemResult(index: item.index, errors: errors(item)) }
                }
            }
            pending = waiting
            if pending.isEmpty || ContinuousClock.now >= deadline { break }
            try? await Task.sleep(for: .milliseconds(500))
        }
        for item in pending {
            answers[item.index] = IntakeRoutes.BatchItemResult(index: item.index, errors: [moving(item, why: why[item.index] ?? "")])
        }
        return (here, answers)
    }

    /// The error of an item not stored because its partition is moving: nothing was stored, so sending it again is safe.
    func moving(_ item: Item, why: String) -> FieldError {
        FieldError(
            "[\(item.index)]",
            "household \(item.householdId) is on partition \(ownership.partition(of: item.householdId)) of intake, and \(why); nothing was stored, submit it again")
    }

    private enum Sent: Sendable {
        case success([Int: IntakeRoutes.BatchItemResult])
        /// Not stored there: sent again once the partition settles.
        case retry(String)
        /// Refused as a whole (the caller's token, say): the errors of each item.
        case refused(@Sendable (Item) -> [FieldError])
    }

    /// One batch to the instance that writes its households; each answer re-numbered to the item's own index.
    private func send(_ items: [Item], to owner: InstanceClaim, like caller: HTTPFields) async -> Sent {
        do {
            let answer = try await routing.send(
                .post, "/v1/household-batches", body: try EventJSON.encode(items.map(\.input)), like: caller,
                extraHeaders: [.contentType: "application/json"], to: owner)
            if answer.status == 503 { return .retry("\(owner.instanceId), which wrote it, let it go") }
            guard [200, 207].contains(answer.status) else {
                let body = (try? EventJSON.decode(ErrorBody.self, from: answer.body)).map { $0.error } ?? String(decoding: answer.body.prefix(200), as: UTF8.self)
                let reason = "\(owner.instanceId), which writes it, refused it: \(answer.status) \(body)"
                return .refused { item in [FieldError("[\(item.index)]", reason)] }
            }
            let result = try EventJSON.decode(IntakeRoutes.BatchResult.self, from: answer.body)
            var answers: [Int: IntakeRoutes.BatchItemResult] = [:]
            for sent in result.results where items.indices.contains(sent.index) {
                let index = items[sent.index].index
                answers[index] = IntakeRoutes.BatchItemResult(
                    index: index, outcome: sent.outcome,
                    errors: sent.errors?.map { FieldError($0.field.replacingOccurrences(of: "[\(sent.index)]", with: "[\(index)]", options: .anchored), $0.reason) })
            }
            return .success(answers)
        } catch {
            return .retry("\(owner.instanceId), which writes it, did not answer (\(error.localizedDescription))")
        }
    }
}

/// A write routed here whose partition was let go before its transaction: nothing stored.
struct NotTheWriter: Error {
    var householdId: String
}

extension HouseholdWriteRouter {
    /// A forwarded batch with a household this instance does not write (the partition moved again): nothing stored.
    struct Moving: Error {
        var response: Response
    }

    /// The ids the surveys' households are stored under (an id under a former key when that one is held).
    func ids(of surveys: [ValidSurvey]) async throws -> [String] {
        try await store.pool.read { db in try surveys.map { try IntakeStore.existingId(of: $0, in: db) } }
    }

    /// For a single survey: nil when this instance writes the household, else the answer of the instance that does (or
    /// a 503 when nobody does within the patience, or when the request was forwarded here already).
    func answerElsewhere(_ valid: ValidSurvey, input: SurveyInput, request: Request) async -> Response? {
        guard let id = try? await ids(of: [valid]).first else {
            return JSONResponse.error(.serviceUnavailable, "the registry could not read the household's id; retry")
        }
        let forwarded = request.headers[.forwardedBy] != nil
        let deadline = ContinuousClock.now + patience
        while true {
            switch writer(of: id) {
            case .here:
                return nil
            case .other(let claim) where !forwarded:
                var extra: [HTTPFields.Element.Name: String] = [.contentType: "application/json"]
                if let key = request.headers[.idempotencyKey] { extra[.idempotencyKey] = key }
                do {
                    let answer = try await routing.send(.post, "/v1/households", body: try EventJSON.encode(input), like: request.headers, extraHeaders: extra, to: claim)
                    if answer.status != 503 {
                        return answer.response
                    }
                } catch {}
                if ContinuousClock.now >= deadline {
                    return routing.moving(id, parameter: "householdId", why: "\(claim.instanceId), which writes it, did not take it")
                }
            case .other(let claim):
                return routing.moving(id, parameter: "householdId", why: "\(request.headers[.forwardedBy] ?? "") sent it here, but \(claim.instanceId) writes it now")
            case .nobody(let why):
                if forwarded || ContinuousClock.now >= deadline { return routing.moving(id, parameter: "householdId", why: why) }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// For a batch's valid surveys: those this instance writes, and the others' answers from the instances that write
    /// them. A forwarded batch is stored whole here or not at all (``Moving``).
    func route(batch valid: [(Int, ValidSurvey, SurveyInput)], request: Request) async throws
        -> (here: [(Int, ValidSurvey, SurveyInput)], elsewhere: [Int: IntakeRoutes.BatchItemResult])
    {
        let ids = try await ids(of: valid.map(\.1))
        let items = zip(valid, ids).map { Item(index: $0.0, householdId: $1, input: $0.2) }
        if request.headers[.forwardedBy] != nil {
            let notHere = Set(items.map { ownership.partition(of: $0.householdId) }).filter {
                if case .here = writer(ofPartition: $0) { false } else { true }
            }
            if let stray = items.first(where: { notHere.contains(ownership.partition(of: $0.householdId)) }) {
                throw Moving(response: routing.moving(stray.householdId, parameter: "[\(stray.index)]", why: "this instance does not write it now"))
            }
            return (valid, [:])
        }
        let routed = await route(items, like: request.headers)
        let here = Set(routed.here.map(\.index))
        return (valid.filter { here.contains($0.0) }, routed.elsewhere)
    }
}

extension HTTPFields.Element.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
}
