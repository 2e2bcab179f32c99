import EventContracts
import Foundation
import Intake
import Kafka
import Logging
import ServiceRuntime
import TestSupport
import Testing

/// Intake's bulk channels over the real processes: an officer's CSV import of a commune review, and the agency topic.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct IntakeChannelTests {
    /// Issue 3's first "done when": 2,000 households from one CSV, bad rows reported at their row and column, the rest
    /// in every service's results; the same file again changes nothing.
    @Test func aReviewOfTwoThousandHouseholdsImportsFromCSVAndReachesEveryService() async throws {
        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        var households = try RunningSystem.demo(2_000, seed: 23)
        households[10].members[0].cccd = households[10].members[0].cccd.map { String($0.dropFirst()) } ?? "01234567890"
        households[700].communeCode = "99999"
        households[1_500].conditions.income.monthlyTotalVnd = -1
        households[1_500].conditions.income.perCapitaMonthlyVnd = nil
        let bad = [10: "cccd", 700: "communeCode", 1_500: "income.monthlyTotalVnd"]
        var text = HouseholdCSVWriter.headerLine
        var firstRow: [Int: Int] = [:]
        var row = 2
        for (index, household) in households.enumerated() {
            firstRow[index] = row
            let rows = HouseholdCSVWriter.rows(ref: "HH-\(index)", household)
            text += rows
            row += household.members.count
        }
        let file = Array(text.utf8)

        let report = try await upload(file, to: system)
        #expect(report.status == .completed)
        #expect(report.totals.households == 2_000 && report.totals.created == 1_997 && report.totals.rejected == 3)
        #expect(report.errors.map(\.householdRef) == bad.keys.sorted().map { "HH-\($0)" })
        for issue in report.errors {
            let index = Int(issue.householdRef!.dropFirst(3))!
            #expect(issue.column == bad[index], "\(issue)")
            #expect(issue.row >= firstRow[index]! && issue.row < firstRow[index]! + households[index].members.count, "\(issue)")
        }

        var problems: [String] = ["not checked yet"]
        try? await waitUntil("every service to agree on 1,997 households", timeout: .seconds(300), every: .seconds(1)) {
            problems = try await system.published().disagreements(expectedHouseholds: 1_997)
            return problems.isEmpty
        }
        #expect(problems == [])
        let snapshotsBefore = try await system.published().records.filter { $0.topic == Topics.household.name }.count

        // The same file again: nothing created, nothing published.
        let again = try await upload(file, to: system)
        #expect(again.totals.unchanged == 1_997 && again.totals.created == 0 && again.totals.updated == 0 && again.totals.rejected == 3)
        #expect(again.errors == report.errors)
        let snapshotsAfter = try await system.published().records.filter { $0.topic == Topics.household.name }.count
        #expect(snapshotsAfter == snapshotsBefore)
    }

    /// Issue 3's second "done when", for the agency topic: replaying submissions changes nothing, and each gets its
    /// outcome on the reply topic with its correlation id; a record that is not JSON goes to the dead-letter topic.
    @Test func replayingTheAgencyTopicChangesNothing() async throws {
        let system = try RunningSystem(["intake"])
        defer { system.stop() }
        try await system.start()
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": system.broker.address]), logger: Logger(label: "test"))
        let households = try RunningSystem.demo(20, seed: 5)
        var invalid = households[19]
        invalid.members[0].cccd = "12345"
        func submissions(_ round: Int) throws -> [KafkaProducerMessage] {
            try (households.prefix(19) + [invalid]).enumerated().map { index, survey in
                KafkaProducerMessage(
                    topic: Topics.agencySubmission.name, key: Array("agency-A/\(index)".utf8), value: try EventJSON.encode(survey),
                    headers: [
                        KafkaHeader(key: "ce_specversion", string: "1.0"), KafkaHeader(key: "ce_id", string: "agency-A-\(index)-\(round)"),
                        KafkaHeader(key: "ce_source", string: "urn:agency:A"), KafkaHeader(key: "ce_type", string: EventTypes.agencySubmission),
                        KafkaHeader(key: "ce_correlationid", string: "corr-\(index)"), KafkaHeader(key: "content-type", string: "application/json"),
                    ])
            }
        }
        let poison = KafkaProducerMessage(
            topic: Topics.agencySubmission.name, key: Array("agency-A/poison".utf8), value: Array("{not json".utf8),
            headers: [
                KafkaHeader(key: "ce_specversion", string: "1.0"), KafkaHeader(key: "ce_id", string: "agency-A-poison"),
                KafkaHeader(key: "ce_source", string: "urn:agency:A"), KafkaHeader(key: "ce_type", string: EventTypes.agencySubmission),
            ])
        // The first round; the same records again (a replay: same event ids); then the same households under new event
        // ids (an agency re-sending its batch). Each household's records share a key, so a partition takes them in that
        // order: when the third round's outcomes are in, the replay has been consumed, and it must have added nothing.
        #expect(try producer.send(try submissions(1) + [poison]).allSatisfy { $0.error == nil })
        #expect(try producer.send(try submissions(1)).allSatisfy { $0.error == nil })
        #expect(try producer.send(try submissions(2)).allSatisfy { $0.error == nil })

        var outcomes: [SubmissionOutcome] = []
        var deadLetters: [KafkaConsumerMessage] = []
        try await waitUntil("40 outcomes and a dead letter", timeout: .seconds(120), every: .milliseconds(500)) {
            outcomes = try await TopicReader.readAll([Topics.submissionOutcome.name], brokers: system.broker.address)
                .map { try EventJSON.decode(SubmissionOutcome.self, from: $0.value ?? []) }
            deadLetters = try await TopicReader.readAll([Topics.deadLetter("intake").name], brokers: system.broker.address)
            return outcomes.count >= 40 && deadLetters.count >= 1
        }
        #expect(outcomes.count == 40)
        #expect(deadLetters.count == 1 && deadLetters.first?.header("dlq_error_field") == "body")
        let byCorrelation = Dictionary(grouping: outcomes, by: \.correlationId)
        #expect(byCorrelation.count == 20)
        for index in 0..<19 {
            let pair = try #require(byCorrelation["corr-\(index)"])
            #expect(pair.count == 2 && pair.allSatisfy { $0.status == .accepted } && Set(pair.map(\.householdId)).count == 1, "\(pair)")
            #expect(pair.map(\.version) == [1, 1], "the replay matches version 1, it does not make a new one")
            #expect(Set(pair.compactMap(\.result)) == [.created, .unchanged])
        }
        let rejected = try #require(byCorrelation["corr-19"])
        #expect(rejected.allSatisfy { $0.status == .rejected && $0.errors.contains { $0.field.hasSuffix("cccd") } }, "\(rejected)")
        let snapshots = try await system.published().records.filter { $0.topic == Topics.household.name }
        #expect(snapshots.count == 19, "one snapshot per accepted household, none for the replay")
    }

    /// Uploads a CSV file; intake answers 207 when some households were rejected.
    private func upload(_ file: [UInt8], to system: RunningSystem) async throws -> ImportReport {
        // 2,000 households take well over a minute while other suites' systems share the two cores.
        let reply = try await system.intake.with(timeout: 600).post("/v1/household-imports", body: file, headers: ["Content-Type": "text/csv; charset=utf-8"])
        guard [200, 207].contains(reply.status) else { throw TestFailure("import answered \(reply.status): \(reply.text.prefix(500))") }
        return try reply.decode(ImportReport.self)
    }
}
