import Areas
import EventContracts
import Foundation
import Intake
import ServiceRuntime
import TestSupport
import Testing

/// In the serialized system suite: intake and eligibility as processes; a commune's recognition posted over HTTP.
extension SystemTests {
    @Test func aCommunesRecognitionDecisionReachesTheClassificationsOverRealProcesses() async throws {
        let system = try RunningSystem(["intake", "eligibility"])
        defer { system.stop() }
        try await system.start()
        let households = try RunningSystem.demo(24, seed: 5, perProvince: 1)
        let today = CalendarDate(Date())
        let ids = try households.map { try SurveyValidator.validate($0, areas: .bundled(), today: today, householdIds: try .load(file: TestEnvironment.householdIdKeyFile)).get().householdId }
        let commune = households[0].communeCode
        let ours = Set(households.indices.filter { households[$0].communeCode == commune }.map { ids[$0] })
        let excluded = try #require(ours.sorted().first)
        try #require(ours.count >= 3)
        try await system.post(households)
        try await waitUntil("24 households classified", timeout: .seconds(90), every: .milliseconds(300)) {
            try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).count == 24
        }

        let path = "/v1/review-rounds/2025-periodic/communes/\(commune)"
        #expect(try await system.intake.get(path).decode(CommuneRoundSummary.self).proposed == ours.count)
        let decision = RecognitionRequest(decisionNumber: "123/QĐ-UBND", decisionDate: "2025-11-20", excludedHouseholdIds: [excluded])
        let recorded = try await system.chairman(commune).post("\(path)/recognition", json: decision)
        #expect(recorded.status == 201, "\(recorded.text)")
        let replayed = try await system.chairman(commune).post("\(path)/recognition", json: decision)
        #expect(replayed.status == 200 && replayed.body == recorded.body, "the same decision again answers the same")
        let other = try await system.chairman(commune).post("\(path)/recognition", json: RecognitionRequest(decisionNumber: "124/QĐ-UBND", decisionDate: "2025-11-21"))
        #expect(other.status == 409 && other.text.contains("123/QĐ-UBND"))
        let outcome = try recorded.decode(RecognitionOutcome.self)
        #expect(Set(outcome.recognised.map(\.householdId)) == ours.subtracting([excluded]))

        // Eligibility classifies the recognised versions: recognised, with the decision; the rest stay proposed.
        let official = RecognitionDecision(decisionNumber: "123/QĐ-UBND", decisionDate: "2025-11-20")
        var classifications: [String: ClassifiedHousehold] = [:]
        try await waitUntil("the recognised households classified again", timeout: .seconds(60), every: .milliseconds(300)) {
            classifications = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
            return classifications.values.filter { $0.status == .recognised }.count == ours.count - 1
        }
        for (id, classification) in classifications {
            let recognised = ours.contains(id) && id != excluded
            #expect(classification.status == (recognised ? .recognised : .proposed), "\(id)")
            #expect(classification.recognition == (recognised ? official : nil), "\(id)")
            #expect(classification.householdVersion == (recognised ? 2 : 1))
        }
        let one = try #require(outcome.recognised.first?.householdId)
        let eligibility = system["eligibility"].client()
        #expect(try await eligibility.get("/v1/households/\(one)/classification").decode(Classification.self).recognition == official)
        let versions = try await system.intake.get("/v1/households/\(one)/versions").text
        #expect(versions.contains(#""status":"proposed""#) && versions.contains(#""decisionNumber":"123/QĐ-UBND""#))
        #expect(try await system.intake.get(path).decode(CommuneRoundSummary.self).recognised == ours.count - 1)

        // An officer can no longer mark a survey recognised; the field says why.
        var claimed = households[0]
        claimed.status = .recognised
        let refused = try await system.intake.post("/v1/households", json: claimed)
        #expect(refused.status == 422)
        #expect(try refused.decode(ErrorBody.self).errors.map(\.field) == ["status"])

        let validation = try await system.published().schemaValidation(in: system.dataDir)
        #expect(validation.contains(" 0 failed"), "\(validation.suffix(2_000))")
    }
}
