import EventContracts
import Foundation
import Intake
import LoanReferral
import ServiceRuntime
import TestSupport
import Testing

extension SystemTests {
    /// The newly-escaped window ends on schedule, over real processes. A household of today's Phường Bắc Kạn (01843)
    /// is recognised poor in the 2025 periodic review (decision of 2025-11-20), then above the line in an ad hoc review
    /// of January 2026 (surveyed 2026-01-20, decision of 2026-02-05): it escaped poverty on 2026-02-05, so its referral
    /// to `vbsp-newly-escaped` applies for 36 months, until 2029-02-05 (Decision 28/2015/QĐ-TTg). Eligibility announces
    /// 2029-02-05 first: the referral stands. Restarted to announce 2029-02-06, the referral is withdrawn with its
    /// reason, with no new survey; the day reached every partition of the classified-household topic.
    @Test func theNewlyEscapedWindowEndsOnItsDay() async throws {
        let system = try RunningSystem(["intake", "eligibility", "loan-referral"], environment: ["eligibility": ["CALENDAR_DAY": "2029-02-05"]])
        defer { system.stop() }
        try await system.start()
        var poor = bacKanCityHousehold(serial: 950, ward: "01843", poor: true)
        (poor.roundId, poor.surveyDate) = ("2025-periodic", "2025-10-15")
        var escaped = bacKanCityHousehold(serial: 950, ward: "01843", poor: false)
        (escaped.reviewKind, escaped.roundId, escaped.surveyDate) = (.adhoc, "2026-01-adhoc", "2026-01-20")
        let id = try SurveyValidator.validate(
            poor, areas: .bundled(), today: CalendarDate(Date()), householdIds: try .load(file: TestEnvironment.householdIdKeyFile)
        ).get().householdId
        for (survey, decision) in [(poor, RecognitionRequest(decisionNumber: "45/QĐ-UBND", decisionDate: "2025-11-20")),
                                   (escaped, RecognitionRequest(decisionNumber: "3/QĐ-UBND", decisionDate: "2026-02-05"))] {
            try await system.post([survey])
            let path = "/v1/review-rounds/\(survey.roundId!)/communes/01843"
            try await waitUntil("the survey to be proposed in \(survey.roundId!)", timeout: .seconds(60), every: .milliseconds(300)) {
                try await system.intake.get(path).decode(CommuneRoundSummary.self).proposed == 1
            }
            let recorded = try await system.chairman("01843").post("\(path)/recognition", json: decision)
            #expect(recorded.status == 201, "\(recorded.text)")
        }
        let bank = system["loan-referral"].client()
        func referral() async throws -> LoanReferral? {
            try? await bank.get("/v1/households/\(id)/referrals").decode(HouseholdReferrals.self).set.referrals
                .first { $0.programmeId == "vbsp-newly-escaped" }
        }
        var held: LoanReferral?
        try await waitUntil("the newly-escaped referral", timeout: .seconds(60), every: .milliseconds(300)) {
            held = try await referral()
            return held?.status == .referred
        }
        #expect(held?.validUntil == "2029-02-05" && held?.referredOn == "2026-02-05")

        system["eligibility"].stop()
        try system["eligibility"].start(overriding: ["CALENDAR_DAY": "2029-02-06"])
        try await system["eligibility"].waitReady()
        try await waitUntil("the referral to be withdrawn on 2029-02-06", timeout: .seconds(60), every: .milliseconds(300)) {
            held = try await referral()
            return held?.status == .withdrawn
        }
        #expect(held?.referredOn == "2029-02-06")
        #expect(held?.withdrawnReason?.hasPrefix("the window of vbsp-newly-escaped ended on 2029-02-05") == true, "\(held?.withdrawnReason ?? "")")

        let records = try await TopicReader.readAll([Topics.classifiedHousehold.name], brokers: system.broker.address)
        let days = records.filter { $0.header("ce_type") == EventTypes.calendarDay }
            .compactMap { try? EventJSON.decode(CalendarDay.self, from: $0.value ?? []) }
        let partitions = Set(records.map(\.partition)).union(days.map(\.partition))
        for day in ["2029-02-05", "2029-02-06"] {
            let announced = days.filter { $0.day == day }
            #expect(announced.count == 6 && Set(announced.map(\.partition)) == Set(0..<6), "\(day): \(announced.map(\.partition))")
        }
        #expect(days.allSatisfy { day in records.contains { $0.partition == day.partition } } && partitions.count == 6)
    }
}
