import EventContracts
import Foundation
import Intake
import Kafka
import LoanReferral
import ServiceRuntime
import TestSupport
import Testing

/// The bank's loop over real processes: recognised poor households referred to VBSP, the bank's events over HTTP and
/// over the topic, the loans they make, and credit in the reports.
extension SystemTests {
    /// Three poor households of today's Phường Bắc Kạn (01843, an urban ward of province 19 made only of communes of
    /// the former Thành phố Bắc Kạn, 058), surveyed in the 2025 periodic review and recognised on 2025-11-20: each is
    /// referred to `vbsp-poor-household` (urban, so no water and sanitation loan). By hand, from the bank's path
    /// (docs/agencies/vbsp.md) and the programme's figures (cap 100,000,000 VND; 6.24 %/year from 2025-12-01):
    /// - A: request, vetting, certification, approval of 50,000,000 for 60 months, disbursement of 40,000,000 → disbursed;
    /// - B: request, vetting, certification, rejection → rejected;
    /// - C (on the topic): request, vetting, certification; an approval of 150,000,000 is refused naming `amountVnd`;
    ///   one of 100,000,000 is approved → approved.
    /// So commune 01843, province 19 and former district 058 each count 3 households that applied, 1 lent, none
    /// overdue; loans: 3 applied, 2 approved, 1 rejected, 1 disbursed; 40,000,000 VND disbursed and outstanding.
    @Test func theBanksEventsMakeLoansAndCreditFiguresOverRealProcesses() async throws {
        let system = try RunningSystem(["intake", "eligibility", "loan-referral", "reporting"])
        defer { system.stop() }
        try await system.start()
        let surveys = (0..<3).map { serial -> SurveyInput in
            var survey = bacKanCityHousehold(serial: 700 + serial, ward: "01843", poor: true)
            (survey.roundId, survey.surveyDate) = ("2025-periodic", "2025-10-15")
            return survey
        }
        let ids = try surveys.map {
            try SurveyValidator.validate($0, areas: .bundled(), today: CalendarDate(Date()), householdIds: try .load(file: TestEnvironment.householdIdKeyFile))
                .get().householdId
        }
        try await system.post(surveys)
        let path = "/v1/review-rounds/2025-periodic/communes/01843"
        try await waitUntil("the three surveys to be proposed in the commune", timeout: .seconds(60), every: .milliseconds(300)) {
            try await system.intake.get(path).decode(CommuneRoundSummary.self).proposed == 3
        }
        let recorded = try await system.chairman("01843").post(
            "\(path)/recognition", json: RecognitionRequest(decisionNumber: "45/QĐ-UBND", decisionDate: "2025-11-20"))
        #expect(recorded.status == 201, "\(recorded.text)")

        let bank = system["loan-referral"].client()
        var referralIds: [String] = []
        try await waitUntil("the three households to be referred", timeout: .seconds(90), every: .milliseconds(300)) {
            referralIds = []
            for id in ids {
                guard let set = try? await bank.get("/v1/households/\(id)/referrals").decode(HouseholdReferrals.self).set,
                    set.referrals.map(\.programmeId) == ["vbsp-poor-household"], set.referrals[0].status == .referred
                else { return false }
                referralIds.append(set.referrals[0].referralId)
            }
            return true
        }
        func event(_ household: Int, _ kind: LoanEventKind, _ date: String, amount: Int64? = nil, term: Int? = nil, rate: Double? = nil,
                   point: String? = nil, reason: String? = nil) -> BankLoanEvent {
            BankLoanEvent(
                householdId: ids[household], referralId: referralIds[household], kind: kind, occurredOn: date, amountVnd: amount,
                termMonths: term, annualRatePercent: rate, transactionPoint: point, reason: reason)
        }
        func send(_ id: String, _ event: BankLoanEvent, source: String = "/vbsp/pgd/19-058") async throws -> JSONHTTPClient.Reply {
            try await bank.post("/v1/loan-events", json: event, headers: ["ce-id": id, "ce-source": source])
        }
        func stage(_ reply: JSONHTTPClient.Reply) throws -> LoanStage? { try reply.decode(LoanEventOutcome.self).stage }

        // A, over HTTP.
        let a = [
            event(0, .applicationReceived, "2025-12-01"), event(0, .groupVetted, "2025-12-03"), event(0, .communeConfirmed, "2025-12-05"),
            event(0, .approved, "2025-12-08", amount: 50_000_000, term: 60),
            event(0, .disbursed, "2025-12-15", amount: 40_000_000, rate: 6.24, point: "Điểm giao dịch phường Bắc Kạn"),
        ]
        var stages: [LoanStage?] = []
        for (index, step) in a.enumerated() { stages.append(try stage(try await send("a-\(index)", step))) }
        #expect(stages == [.applied, .vetted, .confirmed, .approved, .disbursed])
        // The same event again: the same answer, nothing changes. An outsider: refused.
        let again = try await send("a-4", a[4])
        let againStage = try stage(again)
        #expect(again.status == 200 && againStage == .disbursed)
        let outsider = try await send("x-1", event(0, .repaid, "2025-12-20"), source: "/giamngheo/intake")
        #expect(outsider.status == 403 && outsider.text.contains("ce-source"))

        // B, over HTTP: rejected with the reason.
        for (index, step) in [event(1, .applicationReceived, "2025-12-01"), event(1, .groupVetted, "2025-12-03"),
                              event(1, .communeConfirmed, "2025-12-05")].enumerated() {
            _ = try await send("b-\(index)", step)
        }
        #expect(try stage(try await send("b-3", event(1, .rejected, "2025-12-08", reason: "thiếu phương án sản xuất"))) == .rejected)

        // C, on the topic as a bank office with Kafka sends it, then over HTTP.
        let producer = try KafkaProducer(config: TestEnvironment.kafkaConfig(system.broker.address), logger: TestEnvironment.logger)
        let onTopic = try [event(2, .applicationReceived, "2025-12-02"), event(2, .groupVetted, "2025-12-04"), event(2, .communeConfirmed, "2025-12-06")]
            .enumerated().map { index, step in
                KafkaProducerMessage(
                    topic: Topics.loanEvent.name, key: Array(ids[2].utf8), value: try EventJSON.encode(step),
                    headers: CloudEventAttributes(
                        id: "c-\(index)", source: "/vbsp/pgd/19-058", type: EventTypes.bankLoanEvent, time: "\(step.occurredOn)T08:00:00.000Z",
                        subject: ids[2]).headers.map { KafkaHeader(key: $0.0, string: $0.1) })
            }
        #expect(try producer.send(onTopic).allSatisfy { $0.error == nil })
        try await waitUntil("the topic's events to be answered", timeout: .seconds(30), every: .milliseconds(300)) {
            try await bank.get("/v1/loan-events?source=%2Fvbsp%2Fpgd%2F19-058&id=c-2").status == 200
        }
        let overCap = try await send("c-3", event(2, .approved, "2025-12-09", amount: 150_000_000, term: 60))
        let refused = try overCap.decode(LoanEventOutcome.self).errors.map(\.field)
        #expect(overCap.status == 422 && refused == ["amountVnd"])
        #expect(try stage(try await send("c-4", event(2, .approved, "2025-12-09", amount: 100_000_000, term: 120))) == .approved)

        // Each household's loan and history, as the bank reads them back.
        let loans = try await ids.asyncMap { try await bank.get("/v1/households/\($0)/referrals").decode(HouseholdReferrals.self).loans }
        #expect(loans.map { $0.map(\.stage) } == [[.disbursed], [.rejected], [.approved]])
        #expect(loans[0].first?.history.map(\.eventId) == ["a-0", "a-1", "a-2", "a-3", "a-4"])
        #expect(loans[0].first?.outstandingVnd == 40_000_000 && loans[0].first?.dueOn == "2030-12-15")
        #expect(loans[2].first?.history.count == 4, "the refused approval is not in the history")

        // The commune's list for its groups: the three recognised households, with the terms in force on 2026-01-15.
        let list = try await bank.get("/v1/referral-lists/01843?round=2025-periodic&on=2026-01-15").decode(ReferralList.self)
        #expect(list.rows.map(\.village) == ["Tổ 1", "Tổ 2", "Tổ 3"] && Set(list.rows.map(\.householdId)) == Set(ids))
        for row in list.rows {
            #expect(row.headName == "Hoàng Văn An" && row.householdClass == .poor && row.programmeId == "vbsp-poor-household")
            #expect(row.decisionNumber == "45/QĐ-UBND" && row.decisionDate == "2025-11-20")
            #expect(row.maxLoanVnd == 100_000_000 && row.annualRatePercent == 6.24 && row.maxTermMonths == 120)
        }
        let csv = try await bank.get("/v1/referral-lists/01843?round=2025-periodic&on=2026-01-15", headers: ["Accept": "text/csv"]).text
        let lines = csv.split(separator: "\r\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0] == ReferralList.csvHeader.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ","))
        #expect(lines[1].hasPrefix("1,Hoàng Văn An,") && lines[1].contains(",Tổ 1,Hộ nghèo,45/QĐ-UBND,2025-11-20,Cho vay hộ nghèo,100000000,6.24,120,"))
        let noRound = try await bank.get("/v1/referral-lists/01843")
        let noRoundFields = try noRound.decode(ErrorBody.self).errors.map(\.field)
        #expect(noRound.status == 400 && noRoundFields == ["round"])

        // Credit in the reports of the commune, its province and its former district.
        let reporting = system["reporting"].client()
        var credit: [String: CreditCounts] = [:]
        try await waitUntil("the credit figures to reach the reports", timeout: .seconds(60), every: .milliseconds(500)) {
            for code in ["01843", "19", "058"] {
                credit[code] = try? await reporting.get("/v1/reports/\(code)").decode(AreaReport.self).credit
            }
            return credit.values.allSatisfy { $0.loans.approved == 2 && $0.loans.applied == 3 }
        }
        for code in ["01843", "19", "058"] {
            let c = try #require(credit[code])
            let households: [Int] = [c.householdsApplied, c.householdsDisbursed, c.householdsOverdue]
            let loans: [Int] = [c.loans.applied, c.loans.approved, c.loans.rejected, c.loans.disbursed, c.loans.overdue]
            let amounts: [Int] = [c.loans.disbursedVnd, c.loans.outstandingVnd, c.loans.overdueVnd]
            #expect(households == [3, 1, 0], "\(code)")
            #expect(loans == [3, 2, 1, 1, 0], "\(code)")
            #expect(amounts == [40_000_000, 40_000_000, 0], "\(code)")
            #expect(c.byProgramme.keys.sorted() == ["vbsp-poor-household"] && c.byProgramme["vbsp-poor-household"] == c.loans)
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
