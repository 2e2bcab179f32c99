import BankOffice
import EventContracts
import Foundation
import Intake
import Kafka
import LoanReferral
import ServiceRuntime
import Synchronization
import TestSupport
import Testing

/// The whole bank loop at scale, over real processes: 300 households, the simulated VBSP office playing the bank on the
/// topics, loan-referral killed with `kill -9` while it applies the bank's events, one household reclassified between
/// its request and the bank's decision, and the bank's whole topic replayed.
extension SystemTests {
    /// A path set by hand for the office, and what it leaves, worked by hand from the office's conduct
    /// (docs/agencies/vbsp.md "The office simulator": quarterly instalments of the principal over the number of
    /// quarters, rounded down to 1,000 VND; the missed instalment reported overdue; an early repayment of the rest).
    struct Category {
        var script: LoanScript
        var stage: LoanStage
        var kinds: [String]
        var disbursedVnd: Int64?
        var outstandingVnd: Int64
        var overdueVnd: Int64?
    }

    static let requested = ["applicationReceived", "groupVetted", "communeConfirmed"]
    static let lent = requested + ["approved", "disbursed"]
    /// Poor household `i` takes category `i % 8`.
    static let categories: [Category] = [
        Category(script: LoanScript(path: .rejected), stage: .rejected, kinds: requested + ["rejected"], outstandingVnd: 0),
        Category(script: LoanScript(path: .awaitingDecision), stage: .confirmed, kinds: requested, outstandingVnd: 0),
        Category(script: LoanScript(path: .approved, amountVnd: 40_000_000, termMonths: 60), stage: .approved, kinds: requested + ["approved"], outstandingVnd: 0),
        // 60,000,000 over 20 quarters: 3,000,000 each; two paid leave 54,000,000.
        Category(
            script: LoanScript(path: .onSchedule, amountVnd: 60_000_000, termMonths: 60, instalments: 2), stage: .disbursed,
            kinds: lent + ["instalmentPaid", "instalmentPaid"], disbursedVnd: 60_000_000, outstandingVnd: 54_000_000),
        // One of 3,000,000 paid, the second missed: 57,000,000 owed, 3,000,000 of it overdue.
        Category(
            script: LoanScript(path: .overdue, amountVnd: 60_000_000, termMonths: 60, instalments: 1), stage: .overdue,
            kinds: lent + ["instalmentPaid", "overdue"], disbursedVnd: 60_000_000, outstandingVnd: 57_000_000, overdueVnd: 3_000_000),
        // 40,000,000 over 12 quarters: 3,333,000 paid, then the remaining 36,667,000 repaid.
        Category(
            script: LoanScript(path: .repaid, amountVnd: 40_000_000, termMonths: 36, instalments: 1), stage: .repaid,
            kinds: lent + ["instalmentPaid", "repaid"], disbursedVnd: 40_000_000, outstandingVnd: 0),
        Category(
            script: LoanScript(path: .onSchedule, amountVnd: 100_000_000, termMonths: 120, instalments: 0), stage: .disbursed, kinds: lent,
            disbursedVnd: 100_000_000, outstandingVnd: 100_000_000),
        // 20,000,000 over 20 quarters: the first instalment of 1,000,000 missed.
        Category(
            script: LoanScript(path: .overdue, amountVnd: 20_000_000, termMonths: 60, instalments: 0), stage: .overdue, kinds: lent + ["overdue"],
            disbursedVnd: 20_000_000, outstandingVnd: 20_000_000, overdueVnd: 1_000_000),
    ]

    /// 300 households of today's Phường Bắc Kạn (01843) and Phường Đức Xuân (01840), both made only of communes of the
    /// former Thành phố Bắc Kạn (058), province 19; surveyed in the 2025 periodic review, recognised on 2025-11-20.
    /// Households 0–239 are poor (urban: referred to `vbsp-poor-household` only), 240–299 are not; household `i` lives
    /// in 01843 when `i / 8` is even, so each ward has 15 poor households of each category, and 01843 has 32 that are not
    /// poor and 01840 has 28.
    /// Household 1 (category 1, 01843) is reclassified above the line after its request was confirmed: its referral
    /// and loan are withdrawn, and the bank's approval is refused.
    ///
    /// By hand, per ward (15 households of each category; the withdrawn loan still counts as applied):
    /// applied 120 households and 120 loans; approved 6 × 15 = 90; rejected 15; disbursed 5 × 15 = 75 loans and
    /// households, 15 × (60 + 60 + 40 + 100 + 20) M = 4,200,000,000 VND; outstanding 15 × (54 + 57 + 100 + 20) M =
    /// 3,465,000,000 VND; overdue 30 loans and households, 15 × (3 + 1) M = 60,000,000 VND; repaid 15. Province 19 and
    /// former district 058 count both wards: twice each figure. Events: 15 × 2 × (4 + 3 + 4 + 7 + 7 + 7 + 5 + 6) = 1,290.
    @Test func aBankOfficeLendsTo300HouseholdsThroughACrashAndAReplay() async throws {
        let system = try RunningSystem(["intake", "eligibility", "loan-referral", "reporting"])
        defer { system.stop() }
        try await system.start()
        let wards = ["01843", "01840"]
        func ward(_ i: Int) -> String { wards[(i / 8) % 2] }
        let surveys = (0..<300).map { i -> SurveyInput in
            var survey = bacKanCityHousehold(serial: 2_000 + i, ward: ward(i), poor: i < 240)
            (survey.roundId, survey.surveyDate) = ("2025-periodic", "2025-10-15")
            return survey
        }
        let key = try HouseholdIDKeys.load(file: TestEnvironment.householdIdKeyFile)
        let ids = try surveys.map { try SurveyValidator.validate($0, areas: .bundled(), today: CalendarDate(Date()), householdIds: key).get().householdId }
        try await system.post(surveys)
        for (number, (code, surveyed)) in [("01843", 152), ("01840", 148)].enumerated() {
            let path = "/v1/review-rounds/2025-periodic/communes/\(code)"
            try await waitUntil("\(code)'s \(surveyed) surveys to be proposed", timeout: .seconds(90), every: .milliseconds(300)) {
                try await system.intake.get(path).decode(CommuneRoundSummary.self).proposed == surveyed
            }
            let recorded = try await system.chairman(code).post(
                "\(path)/recognition", json: RecognitionRequest(decisionNumber: "\(45 + number)/QĐ-UBND", decisionDate: "2025-11-20"))
            #expect(recorded.status == 201, "\(recorded.text)")
        }
        let bank = system["loan-referral"].client()
        func list(_ code: String) async throws -> ReferralList {
            try await bank.get("/v1/referral-lists/\(code)?round=2025-periodic&on=2026-01-15").decode(ReferralList.self)
        }
        try await waitUntil("120 referred households in each ward's list", timeout: .seconds(120), every: .milliseconds(500)) {
            for code in wards where (try? await list(code).rows.count) != 120 { return false }
            return true
        }
        // The referral ids the bank reconciles on, as the lists give them.
        var referralIds: [String: String] = [:]
        for code in wards {
            for row in try await list(code).rows { referralIds[row.householdId] = row.referralId }
        }
        // The office reads the referrals on the topic, which the store's outbox fills a moment after the lists.
        try await waitUntil("240 referred households on the referral topic", timeout: .seconds(60), every: .milliseconds(500)) {
            let records = try await TopicReader.readAll([Topics.loanReferral.name], brokers: system.broker.address)
            let sets = try TopicReader.latestByKey(records, type: EventTypes.loanReferral, as: LoanReferralSet.self)
            return sets.values.filter { $0.referrals.contains { $0.status == .referred } }.count == 240
        }

        // The office, with each poor household's path set by hand, on a fixed day so that the plans do not depend on
        // when the test runs. loan-referral is killed while it applies the office's events.
        let scripts = Dictionary(uniqueKeysWithValues: (0..<240).map { (ids[$0], Self.categories[$0 % 8].script) })
        let scriptPath = "\(system.dataDir)/office-script.json"
        try JSONEncoder().encode(scripts).write(to: URL(fileURLWithPath: scriptPath))
        let office = [
            "\(TestEnvironment.binDirectory)/giamngheo-admin", "vbsp-office", "--kafka-brokers", system.broker.address, "--today", "2026-09-30",
            "--script", scriptPath, "--source", "/vbsp/pgd/19-058", "--timeout", "300",
        ]
        let answered = Counter()
        let follower = TopicFollower(
            config: TestEnvironment.kafkaConfig(system.broker.address), topics: [Topics.loanEventOutcome.name], logger: TestEnvironment.logger
        ) { _ in answered.add() }
        defer { follower.stop() }
        let playing = Task { try await runOnThreadForTests { try run(office) } }
        try await waitUntil("loan-referral to answer the first 300 bank events", timeout: .seconds(120), every: .milliseconds(10)) {
            answered.value >= 300
        }
        system["loan-referral"].kill()
        print("bank office test: loan-referral killed after \(answered.value) answers")
        try system["loan-referral"].start()
        try await system["loan-referral"].waitReady()
        let played = try await playing.value
        #expect(played.contains("1290 bank events sent, 1290 answered: accepted 1290 "), "\(played)")
        #expect(played.contains("refused 0"), "\(played)")

        // Household 1 no longer qualifies: re-surveyed above the line before the office decided.
        var richer = bacKanCityHousehold(serial: 2_001, ward: "01843", poor: false)
        (richer.roundId, richer.surveyDate) = ("2025-periodic", "2025-10-15")
        try await system.post([richer])
        try await waitUntil("household 1's loan to be withdrawn", timeout: .seconds(60), every: .milliseconds(300)) {
            try await bank.get("/v1/households/\(ids[1])/referrals").decode(HouseholdReferrals.self).loans.first?.stage == .withdrawn
        }
        let referralOf1 = try #require(referralIds[ids[1]])
        let late = try await bank.post(
            "/v1/loan-events",
            json: BankLoanEvent(householdId: ids[1], referralId: referralOf1, kind: .approved, occurredOn: "2026-02-01", amountVnd: 30_000_000, termMonths: 60),
            headers: ["ce-id": "late-approval", "ce-source": "/vbsp/pgd/19-058"])
        let lateErrors = try late.decode(LoanEventOutcome.self).errors
        #expect(late.status == 422 && lateErrors.map(\.field) == ["kind"] && lateErrors[0].reason.contains("withdrawn"), "\(late.text)")

        // Every household's loan and history, as the bank reads them back.
        func loans() async throws -> [[Loan]] {
            try await Array(ids.prefix(240)).asyncMap { try await bank.get("/v1/households/\($0)/referrals").decode(HouseholdReferrals.self).loans }
        }
        let before = try await loans()
        for (i, loans) in before.enumerated() {
            let category = Self.categories[i % 8]
            let loan = try #require(loans.first, "household \(i)")
            #expect(loans.count == 1 && loan.referralId == referralIds[ids[i]] && loan.programmeId == "vbsp-poor-household")
            if i == 1 {
                #expect(loan.stage == .withdrawn && loan.history.map(\.kind) == Self.requested + ["withdrawn"])
                continue
            }
            #expect(loan.stage == category.stage, "household \(i)")
            #expect(loan.history.map(\.kind) == category.kinds, "household \(i)")
            #expect(loan.disbursedVnd == category.disbursedVnd && loan.outstandingVnd == category.outstandingVnd, "household \(i)")
            #expect(loan.stage != .overdue || loan.overdueVnd == category.overdueVnd, "household \(i)")
        }

        // Replaying the whole bank topic changes nothing: the office plays again (all but household 1, whose referral it
        // now reads as withdrawn: 1,287 events, each answered before), then a marker on each partition shows when
        // loan-referral has read past the replay.
        let replayed = try run(office)
        #expect(replayed.contains("1287 bank events sent, 1287 answered: accepted 1287 "), "\(replayed)")
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(system.broker.address), logger: TestEnvironment.logger)
        let partitions = try #require(try producer.partitionCounts()[Topics.loanEvent.name])
        let markers = try (0..<partitions).map { partition in
            KafkaProducerMessage(
                topic: Topics.loanEvent.name, partition: Int32(partition), key: Array(ids[299].utf8),
                value: try EventJSON.encode(BankLoanEvent(householdId: ids[299], referralId: "marker", kind: .applicationReceived, occurredOn: "2026-09-30")),
                headers: CloudEventAttributes(id: "marker-\(partition)", source: "/vbsp/pgd/19-058", type: EventTypes.bankLoanEvent,
                                              time: "2026-09-30T09:00:00.000Z", subject: ids[299]).headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        #expect(try producer.send(markers).allSatisfy { $0.error == nil })
        try await waitUntil("loan-referral to answer the markers", timeout: .seconds(60), every: .milliseconds(300)) {
            // Each marker names no referral: answered 422.
            for partition in 0..<partitions where try await bank.get("/v1/loan-events?source=%2Fvbsp%2Fpgd%2F19-058&id=marker-\(partition)").status != 422 {
                return false
            }
            return true
        }
        #expect(try await loans() == before, "the replay changed a loan")

        // Each event answered once: 1,290 from the office, the late approval and the markers, none twice with another id.
        let outcomes = try await TopicReader.readAll([Topics.loanEventOutcome.name], brokers: system.broker.address)
        var answers: [String: Set<[UInt8]>] = [:]
        for record in outcomes { answers[record.header("ce_id")!, default: []].insert(record.value ?? []) }
        #expect(answers.count == 1_290 + 1 + partitions && answers.values.allSatisfy { $0.count == 1 })

        // The commune lists: the recognised households still referred.
        let listed = try await list("01843").rows.map(\.householdId)
        #expect(listed.count == 119 && !listed.contains(ids[1]))
        #expect(try await list("01840").rows.count == 120)
        // The same lists on the bank's topic: the latest per commune and round, rates as on the decision's day.
        var published: [String: ReferralList] = [:]
        try? await waitUntil("the lists on the topic", timeout: .seconds(30), every: .milliseconds(300)) {
            for record in try await TopicReader.readAll([Topics.referralList.name], brokers: system.broker.address) {
                published[String(decoding: record.key ?? [], as: UTF8.self)] = try EventJSON.decode(ReferralList.self, from: record.value ?? [])
            }
            return published["01843/2025-periodic"]?.rows.count == 119
        }
        #expect(published.keys.sorted() == ["01840/2025-periodic", "01843/2025-periodic"])
        #expect(published["01843/2025-periodic"]?.rows.count == 119 && published["01840/2025-periodic"]?.rows.count == 120)
        #expect(published.values.allSatisfy { $0.on == "2025-11-20" && $0.rows.allSatisfy { $0.annualRatePercent == 6.6 } })

        // Credit in the reports of each ward, the province and the former district.
        let reporting = system["reporting"].client()
        let perWard = [120, 75, 30, 120, 90, 15, 75, 30, 15, 4_200_000_000, 3_465_000_000, 60_000_000]
        let expected = ["01843": perWard, "01840": perWard, "19": perWard.map { $0 * 2 }, "058": perWard.map { $0 * 2 }]
        var seen: [String: [Int]] = [:]
        try? await waitUntil("the credit figures to reach the reports", timeout: .seconds(90), every: .milliseconds(500)) {
            for code in expected.keys {
                guard let c = try? await reporting.get("/v1/reports/\(code)").decode(AreaReport.self).credit else { return false }
                seen[code] = [
                    c.householdsApplied, c.householdsDisbursed, c.householdsOverdue, c.loans.applied, c.loans.approved, c.loans.rejected,
                    c.loans.disbursed, c.loans.overdue, c.loans.repaid, c.loans.disbursedVnd, c.loans.outstandingVnd, c.loans.overdueVnd,
                ]
            }
            return seen == expected
        }
        #expect(seen == expected)
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
