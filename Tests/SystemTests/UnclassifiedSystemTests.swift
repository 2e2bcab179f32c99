import Eligibility
import EventContracts
import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// Nothing classified in silence, over real processes.
extension SystemTests {
    /// An operator runs eligibility with a catalogue that lacks VN-2027-2030, which the review calendar names for the
    /// 2027 lists: a survey of the 2026 periodic review is accepted by intake (the calendar has its standard) but no
    /// standard of eligibility's catalogue classifies it. It must end with a visible outcome: published as
    /// unclassified with the reason, answered at GET …/classification, counted in its commune's report, and referred
    /// nowhere; an ad hoc survey of 2026 (the 2026 lists, VN-2022-2025) beside it is classified as usual.
    @Test func aSurveyEligibilityCannotClassifyEndsWithAVisibleOutcome() async throws {
        let bundled = try StandardsCatalogue.bundled()
        let without2027 = StandardsCatalogue(revision: bundled.revision, standards: bundled.standards.filter { $0.id != "VN-2027-2030" })
        let file = try TestEnvironment.temporaryDirectory("catalogue") + "/standards-without-2027.json"
        try Data(EventJSON.encode(without2027)).write(to: URL(fileURLWithPath: file))

        let system = try RunningSystem(
            ["intake", "eligibility", "loan-referral", "reporting"], environment: ["eligibility": ["STANDARDS_FILE": file]])
        defer { system.stop() }
        try await system.start()
        var periodic = bacKanCityHousehold(serial: 1, ward: "01840", poor: true)
        (periodic.roundId, periodic.surveyDate) = ("2026-periodic", "2026-10-15")
        var adhoc = bacKanCityHousehold(serial: 2, ward: "01840", poor: true)
        (adhoc.reviewKind, adhoc.roundId, adhoc.surveyDate) = (.adhoc, "2026-11-adhoc", "2026-11-16")
        struct Accepted: Decodable { var householdId: String }
        let unclassifiedId = try await system.intake.post("/v1/households", json: periodic).decode(Accepted.self).householdId
        let classifiedId = try await system.intake.post("/v1/households", json: adhoc).decode(Accepted.self).householdId

        var published: [String: ClassifiedHousehold] = [:]
        try await waitUntil("both households published by eligibility", timeout: .seconds(90), every: .milliseconds(300)) {
            published = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
            return published.count == 2
        }
        let unclassified = try #require(published[unclassifiedId])
        #expect(unclassified.classification == nil && unclassified.listYear == 2027)
        #expect(unclassified.unclassified?.field == "standardId")
        #expect(unclassified.unclassified?.reason.contains("VN-2027-2030") == true)
        #expect(published[classifiedId]?.classification?.householdClass == .poor)

        let eligibility = system["eligibility"].client()
        let answer = try await eligibility.get("/v1/households/\(unclassifiedId)/classification")
        #expect(answer.status == 200)
        #expect(try answer.decode(UnclassifiedVersion.self).unclassified == unclassified.unclassified)

        let reporting = system["reporting"].client()
        var report: AreaReport?
        try await waitUntil("the commune's report to count both", timeout: .seconds(90), every: .milliseconds(300)) {
            let reply = try await reporting.get("/v1/reports/01840")
            report = reply.status == 200 ? try reply.decode(AreaReport.self) : nil
            return report?.unclassified == 1 && report?.households.total == 1 && report?.loanCandidates?.households == 1
        }
        #expect(report?.households.poor == 1)
        let referrals = try await system.published().latest(EventTypes.loanReferral, as: LoanReferralSet.self)
        #expect(referrals[unclassifiedId] == nil, "nothing is referred for a household no standard classified")
        #expect(referrals[classifiedId]?.referrals.map(\.status) == [.candidate])
    }
}
