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
    /// decision on a recognised round and commune, 422 for field errors.
    func recognise(_ request: Request, roundId: String, communeCode: String) async -> Response {
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
        do {
            let trace = TraceContext.current
            let (outcome, created) = try await writer.write { db in try RecognitionStore.recognise(valid, trace: trace, in: db) }
            return JSONResponse.make(created ? .created : .ok, outcome)
        } catch let conflict as RecognitionConflict {
            let recorded = conflict.recorded.decision
            return JSONResponse.error(
                .conflict,
                "round \(roundId) of commune \(valid.communeCode) was already recognised by decision \(recorded.decisionNumber) of \(recorded.decisionDate)",
                [FieldError("decisionNumber", "another decision (\(recorded.decisionNumber), \(recorded.decisionDate)) is on record for this round and commune; "
                    + "households corrected since are reviewed in a later round")])
        } catch let failure as ValidationFailure {
            return HTTPInputError(.unprocessableContent, errors: failure.errors).response
        } catch {
            return JSONResponse.error(.serviceUnavailable, "the registry could not record the decision; post it again")
        }
    }
}
