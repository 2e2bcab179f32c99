import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Intake's HTTP API: submit surveys one by one, in batches (officers' tablets syncing a day's work) or as a CSV
/// import, read a household and its versions; review rounds and the commune's recognition decisions.
public struct IntakeRoutes: IntakeRouteGroup {
    let context: IntakeContext

    public static let maxBatch = 1_000

    /// - Parameters:
    ///   - writer: the store's one group-commit writer (made here when not given).
    ///   - router: where each household is written when intake runs as several instances (nil: every household here).
    init(
        store: ServiceStore, rules: SurveyRules, today: @escaping @Sendable () -> CalendarDate = { CalendarDate(Date()) }, writer: GroupCommitWriter? = nil,
        router: HouseholdWriteRouter? = nil
    ) {
        context = IntakeContext(store: store, writer: writer ?? GroupCommitWriter(store: store), rules: rules, today: today, router: router)
    }

    public init(store: ServiceStore, rules: SurveyRules, today: @escaping @Sendable () -> CalendarDate = { CalendarDate(Date()) }) {
        self.init(store: store, rules: rules, today: today, writer: nil, router: nil)
    }

    public func register(on router: SecuredRouter) {
        router.post("/v1/households") { request, context in await submit(request, context) }
        router.post("/v1/household-batches") { request, context in await submitBatch(request, context) }
        HouseholdImportRoutes(context: context).register(on: router)
        ReviewRoundRoutes(context: context).register(on: router)
        AuditRoutes(store: store).register(on: router)
        router.get("/v1/households/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let record = try await store.pool.read({ db in try IntakeStore.household(id, in: db) }) else {
                return JSONResponse.notFound("household \(id)")
            }
            return JSONResponse.make(.ok, record)
        }
        router.get("/v1/households/:id/versions") { _, context in
            let id = context.parameters.get("id") ?? ""
            let versions = try await store.pool.read { db in try IntakeStore.versions(id, in: db) }
            guard !versions.isEmpty else { return JSONResponse.notFound("household \(id)") }
            return JSONResponse.make(.ok, HouseholdVersions(householdId: id.lowercased(), versions: versions))
        }
    }

    static func outsideAreas(_ commune: String) -> String {
        "commune \(commune) is outside the areas your token gives"
    }

    /// `GET /v1/households/{id}/versions`: the household's history, oldest first.
    struct HouseholdVersions: Codable, Sendable {
        var householdId: String
        var versions: [HouseholdRecord.VersionEntry]
    }

    func submit(_ request: Request, _ caller: ServiceRequestContext) async -> Response {
        let key = request.headers.first { $0.name.canonicalName == "idempotency-key" }?.value
        if let key, key.isEmpty || key.count > 200 {
            return HTTPInputError(.badRequest, FieldError("Idempotency-Key", "must be 1 to 200 characters")).response
        }
        let input: SurveyInput
        do {
            input = try await request.decodeJSON(SurveyInput.self)
        } catch {
            return error.response
        }
        let valid: ValidSurvey
        switch rules.validate(input, today: today()) {
        case .success(let survey): valid = survey
        case .failure(let failure): return HTTPInputError(.unprocessableContent, errors: failure.errors).response
        }
        if let refusal = caller.authorize(.householdWrite, in: areas.requestArea(of: valid.area)) { return refusal }
        if let router, let elsewhere = await router.answerElsewhere(valid, input: input, request: request) { return elsewhere }
        let permits = caller.permits(.householdWrite, areas: areas)
        let (actor, trace, ownership) = (caller.actor, TraceContext.current, router?.ownership)
        do {
            let outcome = try await writer.write { db in
                try IntakeStore.accept(
                    valid, input: input, idempotencyKey: key, permits: permits, actor: actor, trace: trace, writes: ownership?.stillAssigned, in: db)
            }
            return JSONResponse.make(outcome.result == .created ? HTTPResponse.Status.created : .ok, outcome)
        } catch let moved as NotTheWriter {
            return router!.routing.moving(moved.householdId, parameter: "householdId", why: "it was let go to another intake instance; nothing was stored")
        } catch let outside as OutsideScope {
            return AccessResponses.forbidden(outside.fieldError.reason)
        } catch let conflict as IdempotencyConflict {
            return JSONResponse.error(
                .unprocessableContent, "Idempotency-Key reused with a different body",
                [FieldError("Idempotency-Key", "'\(conflict.key)' was already used for another submission")])
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry could not store the household; retry with the same Idempotency-Key")
        }
    }

    /// One result per submitted household, in order: its outcome, or its field errors.
    struct BatchItemResult: Codable, Sendable {
        var index: Int
        var outcome: AcceptOutcome?
        var errors: [FieldError]?
    }

    struct BatchResult: Codable, Sendable {
        var accepted: Int
        var rejected: Int
        var results: [BatchItemResult]
    }

    func submitBatch(_ request: Request, _ caller: ServiceRequestContext) async -> Response {
        let inputs: [SurveyInput]
        do {
            inputs = try await request.decodeJSON([SurveyInput].self, limit: 64 << 20)
        } catch {
            return error.response
        }
        guard inputs.count <= Self.maxBatch else {
            return HTTPInputError(.badRequest, FieldError("body", "has \(inputs.count) households; at most \(Self.maxBatch) per batch")).response
        }
        let date = today()
        var results = [BatchItemResult?](repeating: nil, count: inputs.count)
        var valid: [(Int, ValidSurvey, SurveyInput)] = []
        let permits = caller.permits(.householdWrite, areas: areas)
        let actor = caller.actor
        for (index, input) in inputs.enumerated() {
            switch rules.validate(input, today: date) {
            case .success(let survey) where !permits(survey.area.communeCode):
                results[index] = BatchItemResult(index: index, errors: [FieldError("[\(index)].area.communeCode", Self.outsideAreas(survey.area.communeCode))])
            case .success(let survey): valid.append((index, survey, input))
            case .failure(let failure):
                results[index] = BatchItemResult(index: index, errors: failure.errors.map { FieldError("[\(index)].\($0.field)", $0.reason) })
            }
        }
        if let router {
            let routed: (here: [(Int, ValidSurvey, SurveyInput)], elsewhere: [Int: BatchItemResult])
            do {
                routed = try await router.route(batch: valid, request: request)
            } catch let moving as HouseholdWriteRouter.Moving {
                return moving.response
            } catch {
                return JSONResponse.error(.serviceUnavailable, "the registry could not read the households' ids; retry the batch")
            }
            valid = routed.here
            for (index, result) in routed.elsewhere { results[index] = result }
        }
        let (toStore, trace, ownership) = (valid, TraceContext.current, router?.ownership)
        do {
            let outcomes = try await writer.write { db in
                try toStore.map { item -> Result<AcceptOutcome, any Error> in
                    do {
                        return .success(
                            try IntakeStore.accept(
                                item.1, input: item.2, idempotencyKey: nil, permits: permits, actor: actor, trace: trace, writes: ownership?.stillAssigned, in: db))
                    } catch let refused as OutsideScope {
                        return .failure(refused)
                    } catch let refused as NotTheWriter {
                        return .failure(refused)
                    }
                }
            }
            for (item, outcome) in zip(toStore, outcomes) {
                switch outcome {
                case .success(let accepted): results[item.0] = BatchItemResult(index: item.0, outcome: accepted)
                case .failure(let outside as OutsideScope):
                    results[item.0] = BatchItemResult(index: item.0, errors: [FieldError("[\(item.0)].\(outside.fieldError.field)", outside.fieldError.reason)])
                case .failure(let moved):
                    let household = (moved as? NotTheWriter)?.householdId ?? item.1.householdId
                    results[item.0] = BatchItemResult(
                        index: item.0, errors: [router!.moving(.init(index: item.0, householdId: household, input: item.2), why: "it was let go to another intake instance")])
                }
            }
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry could not store the batch; retry it")
        }
        let all = results.compactMap { $0 }
        let rejected = all.filter { $0.errors != nil }.count
        return JSONResponse.make(rejected == 0 ? .ok : HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"), BatchResult(accepted: all.count - rejected, rejected: rejected, results: all))
    }
}

/// What every group of intake's routes works with: one store and its group-commit writer, what surveys are checked
/// against (area list, review calendar, household id keys) and today's date (a function, so tests can fix it).
struct IntakeContext: Sendable {
    let store: ServiceStore
    let writer: GroupCommitWriter
    let rules: SurveyRules
    let today: @Sendable () -> CalendarDate
    let router: HouseholdWriteRouter?
}

/// A group of intake's routes, reading its dependencies from the shared ``IntakeContext``.
protocol IntakeRouteGroup: Sendable {
    var context: IntakeContext { get }
}

extension IntakeRouteGroup {
    var store: ServiceStore { context.store }
    var writer: GroupCommitWriter { context.writer }
    var rules: SurveyRules { context.rules }
    var areas: AreaRegistry { context.rules.areas }
    var today: @Sendable () -> CalendarDate { context.today }
    var calendar: ReviewCalendar { context.rules.calendar }
    var router: HouseholdWriteRouter? { context.router }
}
