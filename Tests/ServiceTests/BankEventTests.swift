import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
@testable import LoanReferral
import TestSupport
import Testing

/// The bank's events applied through the same batch machinery as the running consumers, on a real loan-referral store.
/// Expected values are the poor-household programme's, written by hand (docs/loan-programmes.md): cap 100,000,000 VND,
/// 120 months, 6.24 %/year from 1 Dec 2025.
@Suite struct BankEventTests {
    let store: ServiceStore
    let households: BatchApplier
    let bank: BatchApplier
    let referralId = ReferralRules.referralId("h1", "vbsp-poor-household")

    init() throws {
        store = try ServiceStore(
            path: "\(try TestEnvironment.temporaryDirectory("bank"))/loan-referral.sqlite", migrations: LoanReferralService.migrations)
        let catalogue = try ProgrammeCatalogue.bundled()
        households = BatchApplier(store: store, handler: ReferralHandler.make(catalogue), service: "loan-referral")
        bank = BatchApplier(
            store: store, handler: BankEventHandler(catalogue: catalogue, bankSources: .vbsp(), today: { "2026-12-05" }),
            service: "loan-referral")
    }

    /// A recognised household (decision of 5 Jan 2026) of the class given, placed in today's 05908, province 19.
    func classifiedMessage(
        _ cls: HouseholdClass, version: Int64, offset: Int64, source: String = "/giamngheo/eligibility"
    ) throws -> KafkaConsumerMessage {
        var c = classification(cls, surveyDate: "2025-12-15")
        (c.householdVersion, c.status) = (version, .recognised)
        var household = classified(c)
        household.recognition = RecognitionDecision(decisionNumber: "5/QĐ-UBND", decisionDate: "2026-01-05")
        household.place = HouseholdPlace(communeCode: "05908", provinceCode: "19", formerDistrictCode: "173")
        let attributes = CloudEventAttributes(
            id: "c-\(version)", source: source, type: EventTypes.classifiedHousehold, time: "2026-01-05T00:00:00.000Z",
            subject: "h1", sequence: version)
        return KafkaConsumerMessage(
            topic: Topics.classifiedHousehold.name, partition: 0, offset: offset, key: Array("h1".utf8), value: try EventJSON.encode(household),
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
    }

    func bankMessage(
        _ offset: Int64, id: String, _ kind: LoanEventKind, on date: String, amount: Int64? = nil, term: Int? = nil, rate: Double? = nil,
        point: String? = nil, reason: String? = nil, referral: String? = nil, key: String = "h1", source: String = "/vbsp/pgd/19-173",
        body: [UInt8]? = nil
    ) throws -> KafkaConsumerMessage {
        let event = BankLoanEvent(
            householdId: "h1", referralId: referral ?? referralId, kind: kind, occurredOn: date, amountVnd: amount, termMonths: term,
            annualRatePercent: rate, transactionPoint: point, reason: reason)
        let attributes = CloudEventAttributes(
            id: id, source: source, type: EventTypes.bankLoanEvent, time: "\(date)T09:00:00.000Z", subject: "h1")
        return KafkaConsumerMessage(
            topic: Topics.loanEvent.name, partition: 0, offset: offset, key: Array(key.utf8), value: try body ?? EventJSON.encode(event),
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
    }

    /// The five steps to a disbursement of 40,000,000 VND.
    func toDisbursement() throws -> [KafkaConsumerMessage] {
        [
            try bankMessage(0, id: "e1", .applicationReceived, on: "2026-01-12"),
            try bankMessage(1, id: "e2", .groupVetted, on: "2026-01-14"),
            try bankMessage(2, id: "e3", .communeConfirmed, on: "2026-01-15"),
            try bankMessage(3, id: "e4", .approved, on: "2026-01-19", amount: 50_000_000, term: 60),
            try bankMessage(4, id: "e5", .disbursed, on: "2026-01-26", amount: 40_000_000, rate: 6.24, point: "Điểm giao dịch xã Điềm Thụy"),
        ]
    }

    func outbox(_ topic: TopicDefinition) throws -> [Data] {
        try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [topic.name])
        }
    }

    func outcomes() throws -> [LoanEventOutcome] { try outbox(Topics.loanEventOutcome).map { try EventJSON.decode(LoanEventOutcome.self, from: $0) } }

    func view() throws -> HouseholdReferrals? { try store.pool.read { db in try LoanRoutes.referrals(of: "h1", in: db) } }

    /// The latest credit tally of an area, as published.
    func credit(_ area: String) throws -> [String: Int] {
        let tallies = try outbox(Topics.areaTally).map { try EventJSON.decode(AreaTally.self, from: $0) }
        return tallies.last { $0.source == "loan-credit" && $0.areaCode == area }?.counts ?? [:]
    }

    @Test func aLoanGoesFromRequestToDisbursementAndItsHistoryAndCreditFiguresFollow() throws {
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        let outcome = try bank.apply(try toDisbursement())
        #expect(outcome.applied == 5 && outcome.deadLettered == 0)
        #expect(try outcomes().map(\.stage) == [.applied, .vetted, .confirmed, .approved, .disbursed])
        let loan = try #require(try view()?.loans.first)
        #expect(loan.stage == .disbursed && loan.outstandingVnd == 40_000_000 && loan.annualRatePercent == 6.24 && loan.dueOn == "2031-01-26")
        #expect(loan.history.map(\.kind) == ["applicationReceived", "groupVetted", "communeConfirmed", "approved", "disbursed"])
        #expect(loan.history.map(\.eventId) == ["e1", "e2", "e3", "e4", "e5"])
        for area in ["05908", "19", "173"] {
            let counts = try credit(area)
            #expect(counts["credit.households.disbursed"] == 1 && counts["credit.loans.disbursedVnd"] == 40_000_000, "\(area)")
            #expect(counts["credit.programme.vbsp-poor-household.outstandingVnd"] == 40_000_000 && counts["credit.loans.approved"] == 1)
        }
        // Part repaid, then overdue: the figures move with the balance.
        _ = try bank.apply([
            try bankMessage(5, id: "e6", .instalmentPaid, on: "2026-03-26", amount: 2_000_000),
            try bankMessage(6, id: "e7", .overdue, on: "2026-04-27", amount: 2_000_000),
        ])
        let counts = try credit("05908")
        #expect(counts["credit.loans.outstandingVnd"] == 38_000_000 && counts["credit.loans.overdueVnd"] == 2_000_000)
        #expect(counts["credit.households.overdue"] == 1 && counts["credit.loans.overdue"] == 1)
    }

    /// The commune's list on the bank's topic: published when a recognised household is referred, not again for the
    /// same version, published empty when the household leaves the list, and not again while it stays empty.
    @Test func theCommuneListIsPublishedWhenItChanges() throws {
        let stage = ListStage(store: store, catalogue: try ProgrammeCatalogue.bundled())
        func lists() throws -> [ReferralList] { try stage.lists() }
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        let first = try lists()
        #expect(first.count == 1)
        #expect(first.first?.communeCode == "05908" && first.first?.roundId == "2026-periodic" && first.first?.on == "2026-01-05")
        #expect(first.first?.rows.map(\.householdId).allSatisfy { $0 == "h1" } == true)
        #expect(first.first?.rows.contains { $0.programmeId == "vbsp-poor-household" && $0.decisionNumber == "5/QĐ-UBND" } == true)
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 1)])
        #expect(try lists().count == 1, "a replayed version changes no list")
        _ = try households.apply([try classifiedMessage(.none, version: 2, offset: 2)])
        #expect(try lists().count == 2 && (try lists().last?.rows.isEmpty) == true, "the household left the list")
        _ = try households.apply([try classifiedMessage(.none, version: 3, offset: 3)])
        #expect(try lists().count == 2, "an empty list is not published again")
    }

    /// With several instances each holds some partitions of the households: the list is made of every partition's
    /// latest share, and a share older than the one held (an instance replaying a partition it took over) changes nothing.
    @Test func theListIsMadeOfEveryPartitionsLatestShare() throws {
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        let h1 = try #require(try outbox(Topics.loanReferral).last.map { try EventJSON.decode(LoanReferralSet.self, from: $0) })
        var h2 = h1
        h2.householdId = "h2"
        h2.head.fullName = "Lò Văn Hai"
        let assembler = BatchApplier(store: store, handler: ReferralListAssembler(try ProgrammeCatalogue.bundled()), service: "loan-referral")
        var offset: Int64 = 100
        func share(_ partition: Int32, version: Int64, _ sets: [LoanReferralSet]) throws -> KafkaConsumerMessage {
            offset += 1
            let part = ReferralListPart(communeCode: "05908", roundId: "2026-periodic", partition: partition, version: version, time: "2026-01-05T00:00:00.000Z", sets: sets)
            let attributes = CloudEventAttributes(
                id: "share-\(offset)", source: "/giamngheo/loan-referral", type: EventTypes.referralListPart, time: part.time, subject: part.listKey)
            return KafkaConsumerMessage(
                topic: Topics.referralListPart.name, partition: 0, offset: offset, key: Array(part.key.utf8), value: try EventJSON.encode(part),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        func lists() throws -> [ReferralList] { try outbox(Topics.referralList).map { try EventJSON.decode(ReferralList.self, from: $0) } }
        let before = try lists().count
        _ = try assembler.apply([try share(0, version: 5, [h1]), try share(3, version: 3, [h2])])
        #expect(try lists().count == before + 1)
        #expect(try lists().last.map { Set($0.rows.map(\.householdId)) } == ["h1", "h2"], "both partitions' households, one list")
        _ = try assembler.apply([try share(3, version: 2, [])])
        #expect(try lists().count == before + 1, "an older share of partition 3 is not taken")
        _ = try assembler.apply([try share(3, version: 4, [])])
        #expect(try lists().last.map { $0.rows.map(\.householdId) } == ["h1"], "partition 3's household left the list")
        let poison = try assembler.apply([try share(-1, version: 6, [h2])])
        #expect(try poison.deadLettered == 1 && lists().last?.rows.count == 1)
    }

    /// loan-referral reads a household's bank events in one consumer with its classifications (so that one instance
    /// holds both): in one batch the household is referred, then its loan moves to disbursement; the same records
    /// again change nothing and answer nothing twice, each topic guarded as when it was read alone.
    @Test func bankEventsAndClassificationsReadInOneConsumerAreEachAppliedOnce() throws {
        let catalogue = try ProgrammeCatalogue.bundled()
        let together = BatchApplier(
            store: store,
            handler: TopicHandlers([
                (Topics.classifiedHousehold, ReferralHandler.make(catalogue)),
                (Topics.loanEvent, BankEventHandler(catalogue: catalogue, bankSources: .vbsp(), today: { "2026-12-05" })),
            ]), service: "loan-referral")
        let records = [try classifiedMessage(.poor, version: 1, offset: 0)] + (try toDisbursement())
        let first = try together.apply(records)
        #expect(first.applied == 6 && first.deadLettered == 0)
        let loan = try #require(try view()?.loan(referralId))
        #expect(loan.stage == .disbursed && loan.history.count == 5)
        let (outcomes, sets) = (try outbox(Topics.loanEventOutcome).count, try outbox(Topics.loanReferral).count)
        #expect(outcomes == 5 && sets == 1)
        _ = try together.apply(records)
        #expect(try outbox(Topics.loanEventOutcome).count == outcomes && outbox(Topics.loanReferral).count == sets, "nothing answered or published twice")
        #expect(try view()?.loan(referralId) == loan)
        let stray = try together.apply([
            KafkaConsumerMessage(topic: Topics.trainingMatch.name, partition: 0, offset: 0, key: Array("h1".utf8), value: records[0].value, headers: records[0].headers)
        ])
        #expect(stray.deadLettered == 1, "a topic the consumer does not read is not applied")
    }

    @Test func badBankEventsAreRefusedNamingTheFieldAndChangeNothing() throws {
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        _ = try bank.apply(Array(try toDisbursement().prefix(3)))  // confirmed by the commune
        let before = try view()
        let outcome = try bank.apply([
            try bankMessage(3, id: "b1", .approved, on: "2026-01-19", amount: 150_000_000, term: 60),
            try bankMessage(4, id: "b2", .disbursed, on: "2026-01-20", amount: 40_000_000, rate: 6.24, point: "x"),
            try bankMessage(5, id: "b3", .groupVetted, on: "2026-01-20", referral: "r-unknown"),
            try bankMessage(6, id: "b4", .approved, on: "2026-01-19", amount: 50_000_000, term: 60, key: "h2"),
            try bankMessage(7, id: "b5", .approved, on: "2026-01-19", body: Array(#"{"householdId":"h1","referralId":"r","kind":"paidOut","occurredOn":"2026-01-19"}"#.utf8)),
            try bankMessage(8, id: "b6", .approved, on: "2026-01-19", amount: 50_000_000, term: 60, source: "/giamngheo/intake"),
            try bankMessage(9, id: "b7", .approved, on: "2026-01-19", body: Array("not json".utf8)),
        ])
        #expect(outcome.applied == 5 && outcome.deadLettered == 2, "an outsider's record and a non-JSON record go to the dead-letter topic")
        let answers = try outcomes().suffix(5)
        #expect(answers.allSatisfy { $0.status == .rejected })
        #expect(answers.map { $0.errors.map(\.field) } == [["amountVnd"], ["kind"], ["referralId"], ["key"], ["kind"]])
        #expect(try view() == before, "nothing accepted changed")
        #expect(try outbox(Topics.deadLetter("loan-referral")).count == 2)
    }

    @Test func replayingTheBankTopicChangesNothing() throws {
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        let events = try toDisbursement() + [try bankMessage(5, id: "e6", .approved, on: "2026-01-27", amount: 1, term: 1)]  // refused
        _ = try bank.apply(events)
        let (loan, answers, tallies) = (try view(), try outcomes().count, try outbox(Topics.areaTally).count)
        _ = try bank.apply(events)
        let after = (try view(), try outcomes().count, try outbox(Topics.areaTally).count)
        #expect(after.0 == loan && after.1 == answers && after.2 == tallies)
    }

    /// Eligibility changes move referrals: before approval the request is withdrawn with the reason; an approved loan
    /// goes on after the household leaves the list.
    @Test func aHouseholdThatLeavesTheListKeepsAnApprovedLoanButNotAPendingRequest() throws {
        _ = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0)])
        _ = try bank.apply(Array(try toDisbursement().prefix(3)))
        _ = try households.apply([try classifiedMessage(.averageLiving, version: 2, offset: 1)])
        let pending = try #require(try view())
        #expect(pending.set.referrals.map(\.status) == [.withdrawn] && pending.loans.map(\.stage) == [.withdrawn])
        #expect(pending.loans.first?.history.last?.reason == pending.set.referrals.first?.withdrawnReason)
        // Back on the list, a new request; approved, then the household leaves again: the loan goes on.
        _ = try households.apply([try classifiedMessage(.poor, version: 3, offset: 2)])
        _ = try bank.apply([
            try bankMessage(3, id: "n1", .applicationReceived, on: "2026-02-02"), try bankMessage(4, id: "n2", .groupVetted, on: "2026-02-03"),
            try bankMessage(5, id: "n3", .communeConfirmed, on: "2026-02-04"),
            try bankMessage(6, id: "n4", .approved, on: "2026-02-05", amount: 30_000_000, term: 36),
        ])
        _ = try households.apply([try classifiedMessage(.averageLiving, version: 4, offset: 3)])
        let approved = try #require(try view())
        #expect(approved.set.referrals.map(\.status) == [.withdrawn] && approved.loans.first?.stage == .approved)
        #expect(approved.loans.first?.cycle == 2)
        // ...and is paid out: the approval stands.
        let outcome = try bank.apply([try bankMessage(7, id: "n5", .disbursed, on: "2026-02-09", amount: 30_000_000, rate: 6.24, point: "x")])
        let stage = try outcomes().last?.stage
        #expect(outcome.applied == 1 && stage == .disbursed)
    }

    /// Only eligibility writes classified households: an outsider's record on that topic is dead-lettered, unapplied.
    @Test func aClassifiedHouseholdFromAnOutsiderIsNotApplied() throws {
        let outcome = try households.apply([try classifiedMessage(.poor, version: 1, offset: 0, source: "/agency/someone")])
        #expect(outcome.applied == 0 && outcome.deadLettered == 1)
        let (held, published) = (try view(), try outbox(Topics.loanReferral))
        #expect(held == nil && published.isEmpty)
    }
}
