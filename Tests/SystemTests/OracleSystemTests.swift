import EventContracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// The rules checked against outcomes worked out by hand from their sources (docs/standards.md, docs/loan-programmes.md,
/// docs/training-rules.md), not by the code under test: Fixtures/oracle-households.json gives each case's survey, the
/// expected class, deprivations, low-income-worker verdict, referrals and candidates, and the reasoning.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct OracleSystemTests {
    struct Fixture: Decodable {
        struct Case: Decodable {
            var name: String
            var expected: Expected
        }
        struct Expected: Decodable, Equatable {
            struct Candidate: Decodable, Equatable, Hashable {
                var memberIndex: Int
                var trainingSupportCapVnd: Int64
            }
            var householdClass: HouseholdClass
            var deprivationCount: Int
            var deprivedIndicators: [String]
            var lowIncomeWorkers: Bool?
            var referredProgrammes: [String]
            var candidates: [Candidate]
        }
        var cases: [Case]
    }

    struct Accepted: Decodable { var householdId: String }

    @Test func everyServiceDecidesAsTheRulesSourcesSay() async throws {
        let path = "\(TestEnvironment.root)/Tests/SystemTests/Fixtures/oracle-households.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let fixture = try JSONDecoder().decode(Fixture.self, from: data)
        let surveys = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["cases"] as? [[String: Any]])
            .map { try JSONSerialization.data(withJSONObject: $0["survey"]!) }
        #expect(fixture.cases.count == surveys.count && fixture.cases.count >= 20)

        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        var ids: [String] = []
        for (survey, oracleCase) in zip(surveys, fixture.cases) {
            let reply = try await system.intake.post("/v1/households", body: [UInt8](survey))
            #expect(reply.status == 201, "\(oracleCase.name): \(reply.text.prefix(500))")
            ids.append(try reply.decode(Accepted.self).householdId)
        }
        let wantReferrals = fixture.cases.filter { !$0.expected.referredProgrammes.isEmpty }.count
        let wantMatches = fixture.cases.filter { !$0.expected.candidates.isEmpty }.count
        var published = try await system.published()
        try await waitUntil("every case classified, referred and matched", timeout: .seconds(120), every: .milliseconds(500)) {
            published = try await system.published()
            return try published.latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self).count == ids.count
                && published.latest(EventTypes.loanReferral, as: LoanReferralSet.self).count >= wantReferrals
                && published.latest(EventTypes.trainingMatch, as: TrainingMatchSet.self).count >= wantMatches
        }
        let classified = try published.latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
        let referrals = try published.latest(EventTypes.loanReferral, as: LoanReferralSet.self)
        let matches = try published.latest(EventTypes.trainingMatch, as: TrainingMatchSet.self)
        for (id, oracleCase) in zip(ids, fixture.cases) {
            let c = try #require(classified[id]?.classification, "\(oracleCase.name)")
            let got = Fixture.Expected(
                householdClass: c.householdClass, deprivationCount: c.deprivationCount, deprivedIndicators: c.deprivedIndicators.sorted(),
                lowIncomeWorkers: c.lowIncomeWorkers,
                referredProgrammes: (referrals[id]?.referrals ?? []).map(\.programmeId).sorted(),
                candidates: (matches[id]?.candidates ?? []).map { candidate in
                    Fixture.Expected.Candidate(
                        memberIndex: (Int(candidate.memberId.dropFirst()) ?? 0) - 1, trainingSupportCapVnd: candidate.trainingSupportCapVnd)
                })
            var want = oracleCase.expected
            want.deprivedIndicators.sort()
            want.referredProgrammes.sort()
            #expect(got == want, "\(oracleCase.name)")
        }
        // Every case is a survey, so proposed: its referrals are candidates until the commune recognises it.
        #expect(referrals.values.flatMap(\.referrals).allSatisfy { $0.status == .candidate })
    }
}
