import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
@testable import LoanReferral
import TestSupport
import Testing

/// The newly-escaped window ends on schedule: a referral to `vbsp-newly-escaped` applies for 36 months from the escape
/// decision (Decision 28/2015/QĐ-TTg, docs/loan-programmes.md), so one escaped on 2024-03-15 applies until 2027-03-15
/// and is withdrawn by the calendar day 2027-03-16, whether or not the household is surveyed again.
@Suite struct ReferralWindowTests {
    static let programmes = try! ProgrammeCatalogue.bundled().programmes
    /// Urban, so that no water and sanitation referral comes along.
    static let escaped = classified(classification(.averageLiving, areaType: .urban, escapedOn: "2024-03-15", surveyDate: "2025-10-15"))

    @Test func theWindowIsThirtySixMonthsFromTheEscapeDecision() {
        let referrals = ReferralRules.referrals(for: Self.escaped, programmes: Self.programmes)
        #expect(referrals.map(\.programmeId) == ["vbsp-newly-escaped"] && referrals.first?.validUntil == "2027-03-15")
        #expect(ReferralRules.referrals(for: Self.escaped, programmes: Self.programmes, on: "2027-03-15").map(\.status) == [.candidate])
    }

    @Test func aDayAfterTheWindowWithdrawsAReferralTheBankSawAndStartsNoNewOne() {
        let open = ReferralRules.referrals(for: Self.escaped, programmes: Self.programmes)
        let later = ReferralRules.referrals(for: Self.escaped, programmes: Self.programmes, previous: open, on: "2027-03-16")
        #expect(later.map(\.status) == [.withdrawn] && later.first?.referredOn == "2027-03-16")
        #expect(later.first?.withdrawnReason?.hasPrefix("the window of vbsp-newly-escaped ended on 2027-03-15") == true)
        #expect(ReferralRules.referrals(for: Self.escaped, programmes: Self.programmes, on: "2027-03-16") == [], "never offered, not withdrawn")
        #expect(ReferralRules.expire(open, on: "2027-03-16") == later)
        #expect(ReferralRules.expire(open, on: "2027-03-15") == open)
    }

    /// Through the consumer's batch machinery on a real store: the calendar day withdraws the referral and the pending
    /// loan request, changes the counts and the commune list, and a replayed day changes nothing.
    @Test func aCalendarDayRecordWithdrawsTheReferralTheLoanAndTheCounts() throws {
        let store = try ServiceStore(
            path: "\(try TestEnvironment.temporaryDirectory("window"))/loan-referral.sqlite", migrations: LoanReferralService.migrations)
        let catalogue = try ProgrammeCatalogue.bundled()
        let households = BatchApplier(store: store, handler: ReferralHandler.make(catalogue), service: "loan-referral")
        let bank = BatchApplier(
            store: store, handler: BankEventHandler(catalogue: catalogue, bankSources: .vbsp(), today: { "2026-12-05" }),
            service: "loan-referral")
        var household = Self.escaped
        (household.status, household.recognition) = (.recognised, RecognitionDecision(decisionNumber: "9/QĐ-UBND", decisionDate: "2025-11-20"))
        household.place = HouseholdPlace(communeCode: "01843", provinceCode: "19", formerDistrictCode: "058")
        let stage = ListStage(store: store, catalogue: catalogue)
        _ = try households.apply([try record(household, type: EventTypes.classifiedHousehold, offset: 0)])
        _ = try stage.lists()
        let referralId = ReferralRules.referralId("h1", "vbsp-newly-escaped")
        let request = BankLoanEvent(householdId: "h1", referralId: referralId, kind: .applicationReceived, occurredOn: "2025-12-01")
        let requested = try bank.apply([try record(request, type: EventTypes.bankLoanEvent, offset: 0, topic: Topics.loanEvent, source: "/vbsp/pgd/19")])
        #expect(requested.applied == 1)

        func outbox(_ topic: TopicDefinition) throws -> [Data] {
            try store.pool.read { db in try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [topic.name]) }
        }
        func day(_ day: String, partition: Int32 = 0, offset: Int64) throws -> KafkaConsumerMessage {
            try record(CalendarDay(day: day, partition: partition), type: EventTypes.calendarDay, offset: offset, partition: partition, key: "calendar")
        }
        let published = try outbox(Topics.loanReferral).count
        _ = try households.apply([try day("2027-03-15", offset: 1), try day("2027-03-17", partition: 1, offset: 0)])
        #expect(try outbox(Topics.loanReferral).count == published, "the window is still open on its last day; partition 1 has no such household")

        _ = try households.apply([try day("2027-03-16", offset: 2)])
        let sets = try outbox(Topics.loanReferral).map { try EventJSON.decode(LoanReferralSet.self, from: $0) }
        #expect(sets.count == published + 1 && sets.last?.referrals.map(\.status) == [.withdrawn] && sets.last?.householdVersion == 1)
        let loan = try store.pool.read { db in try LoanStore.loan(referralId, in: db) }
        #expect(loan?.stage == .withdrawn && loan?.history.last?.occurredOn == "2027-03-16")
        let tallies = try outbox(Topics.areaTally).map { try EventJSON.decode(AreaTally.self, from: $0) }
        let commune = tallies.last { $0.source == "loan-referral" && $0.areaCode == "01843" }
        #expect(commune?.counts["referral.programme.vbsp-newly-escaped"] == nil && commune?.counts["referral.households"] == nil)
        #expect(commune?.version == 3, "versioned by the calendar record's offset")
        let lists = try stage.lists()
        #expect(lists.count == 2 && lists.first?.rows.count == 1 && lists.last?.rows.isEmpty == true)

        let before = try outbox(Topics.loanReferral).count + outbox(Topics.areaTally).count
        _ = try households.apply([try day("2027-03-16", offset: 3), try day("2027-03-18", offset: 4)])
        #expect(try outbox(Topics.loanReferral).count + outbox(Topics.areaTally).count == before, "a day again, or a later one, changes nothing more")
    }

    func record<T: Encodable>(
        _ payload: T, type: String, offset: Int64, partition: Int32 = 0, key: String = "h1", topic: TopicDefinition = Topics.classifiedHousehold,
        source: String = "/giamngheo/eligibility"
    ) throws -> KafkaConsumerMessage {
        let attributes = CloudEventAttributes(
            id: "\(type)-\(partition)-\(offset)", source: source, type: type, time: "2026-01-05T00:00:00.000Z", subject: key,
            sequence: type == EventTypes.classifiedHousehold ? 1 : nil)
        return KafkaConsumerMessage(
            topic: topic.name, partition: partition, offset: offset, key: Array(key.utf8), value: try EventJSON.encode(payload),
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
    }
}
