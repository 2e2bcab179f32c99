import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
@testable import Intake
import Kafka
import TestSupport
import Testing

/// Agency submissions applied through the same batch machinery as the running consumer, on a real intake store.
@Suite struct AgencySubmissionTests {
    let store: ServiceStore
    let applier: BatchApplier

    init() throws {
        store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("agency"))/intake.sqlite", migrations: IntakeStore.migrations)
        applier = BatchApplier(
            store: store, handler: AgencySubmissionHandler(rules: surveyRules, today: { today }), service: "intake")
    }

    func submission(_ offset: Int64, id: String, body: [UInt8]?, correlation: String? = nil) -> KafkaConsumerMessage {
        let attributes = CloudEventAttributes(
            id: id, source: "/agency/vbsp-thai-nguyen", type: EventTypes.agencySubmission, time: "2026-11-01T00:00:00.000Z",
            subject: "", correlationid: correlation)
        return KafkaConsumerMessage(
            topic: Topics.agencySubmission.name, partition: 0, offset: offset, key: Array(id.utf8), value: body,
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
    }

    /// The outbox rows of a topic, oldest first, as (key, headers, decoded payload).
    func queued(_ topic: TopicDefinition) throws -> [(key: String, payload: Data?)] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT message_key, payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [topic.name])
                .map { (String(decoding: $0["message_key"] as Data, as: UTF8.self), $0["payload"] as Data?) }
        }
    }

    func outcomes() throws -> [SubmissionOutcome] {
        try queued(Topics.submissionOutcome).map { try EventJSON.decode(SubmissionOutcome.self, from: $0.payload!) }
    }

    @Test func acceptsRejectsAndDeadLettersEachAsItShould() throws {
        let valid = try EventJSON.encode(survey())
        var invalid = survey(headCCCD: "01908000001")
        invalid.surveyDate = "2026-13-01"
        let outcome = try applier.apply([
            submission(0, id: "s-1", body: valid, correlation: "case-77"),
            submission(1, id: "s-2", body: try EventJSON.encode(invalid)),
            submission(2, id: "s-3", body: Array(#"{"communeCode": 5}"#.utf8)),
            submission(3, id: "s-4", body: Array("not json".utf8)),
        ])
        #expect(outcome.applied == 3 && outcome.deadLettered == 1)

        let answers = try outcomes()
        #expect(answers.map(\.submissionId) == ["s-1", "s-2", "s-3"])
        #expect(answers[0].status == .accepted && answers[0].result == .created && answers[0].version == 1)
        #expect(answers[0].correlationId == "case-77")
        #expect(try queued(Topics.submissionOutcome).first?.key == "case-77")
        #expect(answers[1].status == .rejected)
        #expect(Set(answers[1].errors.map(\.field)) == ["surveyDate", "members[0].cccd"])
        #expect(answers[1].correlationId == "s-2")  // no correlation id: the submission's own id
        #expect(answers[2].status == .rejected && answers[2].errors.first?.field == "communeCode")
        #expect(try queued(Topics.deadLetter("intake")).count == 1)
        #expect(try queued(Topics.household).count == 1)
    }

    @Test func replayingTheTopicOrResubmittingTheSameHouseholdChangesNothing() throws {
        let body = try EventJSON.encode(survey())
        _ = try applier.apply([submission(0, id: "s-1", body: body)])
        // The same records again (a replay from the beginning): recognised by source and id.
        let replay = try applier.apply([submission(0, id: "s-1", body: body)])
        #expect(replay.duplicates == 1 && replay.applied == 0)
        // The same household under a new submission id: answered, but no new version and no new snapshot.
        _ = try applier.apply([submission(1, id: "s-2", body: body)])
        let answers = try outcomes()
        #expect(answers.map(\.result) == [.created, .unchanged])
        #expect(answers[0].householdId == answers[1].householdId && answers[1].version == 1)
        #expect(try queued(Topics.household).count == 1)
    }
}
