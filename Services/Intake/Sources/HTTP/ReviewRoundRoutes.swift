import Access
import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Review rounds (đợt rà soát) and the commune chairman's recognition decision on a round (docs/intake/review-rounds.md).
struct ReviewRoundRoutes: IntakeRouteGroup {
    let context: IntakeContext

    /// `GET /v1/review-rounds`: a year's rounds with the calendar data they come from.
    struct RoundList: Codable, Sendable {
        var year: Int
        var calendarRevision: Int
        var rounds: [ReviewRound]
    }

    func register(on router: SecuredRouter) {
        router.get("/v1/review-rounds") { request, _ in
            let text = request.uri.queryParameters.get("year")
            guard let year = text.map({ Int($0) }) ?? today().year, (2016...2100).contains(year) else {
                return HTTPInputError(.badRequest, FieldError("year", "'\(text ?? "")' is not a year from 2016 to 2100")).response
            }
            return JSONResponse.make(.ok, RoundList(year: year, calendarRevision: calendar.revision, rounds: calendar.rounds(in: year)))
        }
        router.get("/v1/review-rounds/:roundId") { _, context in
            switch round(context) {
            case .success(let round): JSONResponse.make(.ok, round)
            case .failure(let error): error.response
            }
        }
        router.get("/v1/review-rounds/:roundId/communes/:communeCode") { _, context in
            let round: ReviewRound
            switch self.round(context) {
            case .success(let found): round = found
            case .failure(let error): return error.response
            }
            let code = context.parameters.get("communeCode") ?? ""
            do throws(FieldError) {
                _ = try areas.commune(code, on: round.closesOn)
            } catch {
                return HTTPInputError(.notFound, error).response
            }
            let summary = try await store.pool.read { db in try RecognitionStore.summary(round, communeCode: code, in: db) }
            return JSONResponse.make(.ok, summary)
        }
        router.post("/v1/review-rounds/:roundId/communes/:communeCode/recognition") { request, context in
            await recognise(request, roundId: context.parameters.get("roundId") ?? "", communeCode: context.parameters.get("communeCode") ?? "")
        }
    }

    func round(_ context: ServiceRequestContext) -> Result<ReviewRound, HTTPInputError> {
        do {
            return .success(try calendar.round(id: context.parameters.get("roundId") ?? ""))
        } catch {
            return .failure(HTTPInputError(.badRequest, error))
        }
    }

    /// 201 with the outcome when recorded now, 200 with the same outcome for the same decision again, 409 for another
    /// decision on a recognised round and commune, 422 for field errors. When intake runs as several instances, the
    /// instance taking the decision has each writer recognise its partitions' households (``HouseholdWriteRouter``).
    func recognise(_ request: Request, roundId: String, communeCode: String) async -> Response {
        let forwarded = request.headers[.forwardedBy] != nil
        if let router, forwarded, request.headers[.recognitionWhole] != nil { return await adopt(request, router: router) }
        let body: RecognitionRequest
        do {
            body = try await request.decodeJSON(RecognitionRequest.self)
        } catch {
            return error.response
        }
        let valid: ValidRecognition
        switch RecognitionValidator.validate(roundId: roundId, communeCode: communeCode, body, areas: areas, calendar: calendar, today: today()) {
        case .success(let recognition): valid = recognition
        case .failure(let failure): return HTTPInputError(.unprocessableContent, errors: failure.errors).response
        }
        guard let router else { return await recognisePart(valid, writes: nil) }
        if forwarded {
            let partitions = Set((request.headers[.recognitionPart] ?? "").split(separator: ",").compactMap { Int32($0) })
            let held = router.routing.directory.held
            guard partitions.isSubset(of: held) else {
                return router.routing.moving(
                    communeCode, parameter: "communeCode",
                    why: "partitions \(partitions.subtracting(held).sorted()) are no longer written by \(router.routing.directory.instanceId)")
            }
            let ownership = router.ownership
            return await recognisePart(valid) { id in partitions.contains(ownership.partition(of: id)) && ownership.stillAssigned(id) }
        }
        do {
            _ = try await store.pool.read { db in try RecognitionStore.check(valid, in: db) }
        } catch {
            return refusal(error, roundId: roundId, communeCode: valid.communeCode)
        }
        guard let writers = await router.awaitWriters() else {
            return JSONResponse.error(.serviceUnavailable, "some of intake's household partitions are moving between instances; post the decision again")
        }
        let ownership = router.ownership
        var parts: [HouseholdWriteRouter.PartAnswer] = []
        do {
            let (outcome, created) = try await recogniseHere(valid) { id in writers.mine.contains(ownership.partition(of: id)) && ownership.stillAssigned(id) }
            parts.append(.recognised(outcome, created: created))
        } catch {
            return refusal(error, roundId: valid.round.roundId, communeCode: valid.communeCode)
        }
        for (claim, partitions) in writers.others {
            parts.append(await router.recognisePart(body, partitions: partitions, request: request, to: claim))
        }
        var whole = RecognitionOutcome(
            roundId: valid.round.roundId, communeCode: valid.communeCode, decision: valid.decision, excludedHouseholdIds: valid.excludedHouseholdIds,
            recognised: [], recordedAt: "")
        var created = false
        for part in parts {
            switch part {
            case .recognised(let outcome, let made):
                whole.recognised += outcome.recognised
                if whole.recordedAt.isEmpty { whole.recordedAt = outcome.recordedAt }
                created = created || made
            case .refused(let status, let headers, let body):
                return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
            case .retry(let why):
                return JSONResponse.error(
                    .serviceUnavailable, "part of the decision is recorded and \(why); post the same decision again to finish it")
            }
        }
        whole.recognised.sort { $0.householdId < $1.householdId }
        let kept = whole
        _ = try? await writer.write { db in try RecognitionStore.adopt(kept, in: db) }
        for (claim, _) in writers.others { await router.shareWhole(kept, request: request, with: claim) }
        return JSONResponse.make(created ? .created : .ok, whole)
    }

    /// Recognises here the households `writes` allows (all when nil), and answers with the outcome.
    private func recognisePart(_ valid: ValidRecognition, writes: (@Sendable (String) -> Bool)?) async -> Response {
        do {
            let (outcome, created) = try await recogniseHere(valid, writes: writes)
            return JSONResponse.make(created ? .created : .ok, outcome)
        } catch {
            return refusal(error, roundId: valid.round.roundId, communeCode: valid.communeCode)
        }
    }

    private func recogniseHere(_ valid: ValidRecognition, writes: (@Sendable (String) -> Bool)?) async throws -> (RecognitionOutcome, Bool) {
        let trace = TraceContext.current
        return try await writer.write { db in try RecognitionStore.recognise(valid, trace: trace, writes: writes, in: db) }
    }

    /// A whole outcome sent by the instance that took the decision, kept in place of this instance's part.
    private func adopt(_ request: Request, router: HouseholdWriteRouter) async -> Response {
        do {
            let outcome = try await request.decodeJSON(RecognitionOutcome.self)
            try await writer.write { db in try RecognitionStore.adopt(outcome, in: db) }
            return JSONResponse.make(.ok, outcome)
        } catch let failure as ValidationFailure {
            return HTTPInputError(.unprocessableContent, errors: failure.errors).response
        } catch let error as HTTPInputError {
            return error.response
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry could not keep the decision's outcome; post it again")
        }
    }

    private func refusal(_ error: any Error, roundId: String, communeCode: String) -> Response {
        switch error {
        case let conflict as RecognitionConflict:
            let recorded = conflict.recorded.decision
            return JSONResponse.error(
                .conflict,
                "round \(roundId) of commune \(communeCode) was already recognised by decision \(recorded.decisionNumber) of \(recorded.decisionDate)",
                [FieldError("decisionNumber", "another decision (\(recorded.decisionNumber), \(recorded.decisionDate)) is on record for this round and commune; "
                    + "households corrected since are reviewed in a later round")])
        case let failure as ValidationFailure:
            return HTTPInputError(.unprocessableContent, errors: failure.errors).response
        default:
            return JSONResponse.error(.serviceUnavailable, "the registry could not record the decision; post it again")
        }
    }
}
