import EventContracts
import EventStore
import Foundation
import GRDB
@testable import Intake
import TestSupport
import Testing

/// Intake's household-state records (issue 18): what another instance's store does with them, written by hand from the
/// rule in docs/events/README.md ("Intake's household versions"): a newer version is stored; the same version with the
/// same content and status is the instance's own record read back; an older one changes nothing; the same version with
/// other content or status is two writers of one version, a conflict.
struct HouseholdStateTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var why: String
        var held: (version: Int64, contentHash: String, status: String?)?
        var expected: HouseholdStateApplication
        var testDescription: String { why }
    }

    // The record: version 3, content "c3", proposed.
    static let rows: [Row] = [
        Row(why: "nothing held", held: nil, expected: .store),
        Row(why: "version 2 held", held: (2, "c2", "proposed"), expected: .store),
        Row(why: "version 4 held", held: (4, "c4", "proposed"), expected: .older),
        Row(why: "version 3 held, same content and status", held: (3, "c3", "proposed"), expected: .same),
        Row(why: "version 3 held with other content", held: (3, "c3b", "proposed"), expected: .conflict),
        Row(why: "version 3 held, recognised", held: (3, "c3", "recognised"), expected: .conflict),
    ]

    @Test(arguments: rows) func decides(_ row: Row) {
        #expect(HouseholdStateApplication.of(record: 3, contentHash: "c3", status: .proposed, held: row.held) == row.expected)
    }

    /// What one instance stored, applied to another's empty store, makes the second hold the household as the first:
    /// the same answer to a read, `unchanged` for the same survey again, the first answer for the same Idempotency-Key,
    /// the next version for a correction, and a CCCD warning for another household listing the head's CCCD.
    @Test func anotherInstancesRecordsMakeItsStoreHoldTheHouseholdAlike() async throws {
        let directory = try TestEnvironment.temporaryDirectory("household-state")
        let first = try ServiceStore(path: "\(directory)/intake-1.sqlite", migrations: IntakeStore.migrations)
        let second = try ServiceStore(path: "\(directory)/intake-2.sqlite", migrations: IntakeStore.migrations)
        var generator = DemoHouseholds(seed: 5, communes: DemoHouseholds.demoCommunes(areas))
        let survey = generator.next(serial: 0)
        let valid = try surveyRules.validate(survey, today: today).get()
        let created = try await first.pool.write { db in try IntakeStore.accept(valid, input: survey, idempotencyKey: "key-1", in: db) }
        #expect(created.result == .created && created.version == 1)

        let records = try await first.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.intakeHouseholdState.name])
                .map { try EventJSON.decode(HouseholdStateRecord.self, from: $0) }
        }
        #expect(records.count == 1 && records.first?.request?.idempotencyKey == "key-1")
        let applied = try await second.pool.write { db in try records.map { try IntakeStore.applyState($0, in: db) } }
        #expect(applied == [.store])
        #expect(try await second.pool.write { db in try IntakeStore.applyState(records[0], in: db) } == .same, "read back again")

        let (one, two) = try await (
            first.pool.read { db in try IntakeStore.household(created.householdId, in: db) },
            second.pool.read { db in try IntakeStore.household(created.householdId, in: db) })
        #expect(try EventJSON.encode(one?.survey) == EventJSON.encode(two?.survey))
        #expect(one?.snapshot == two?.snapshot && one?.history == two?.history)

        let again = try await second.pool.write { db in try IntakeStore.accept(valid, input: survey, idempotencyKey: nil, in: db) }
        #expect(again.result == .unchanged && again.version == 1)
        let retried = try await second.pool.write { db in try IntakeStore.accept(valid, input: survey, idempotencyKey: "key-1", in: db) }
        #expect(retried == created)

        var correcting = survey
        correcting.conditions.income.monthlyTotalVnd = (survey.conditions.income.monthlyTotalVnd ?? 0) + 500_000
        let corrected = correcting
        let correction = try await second.pool.write { db in
            try IntakeStore.accept(try surveyRules.validate(corrected, today: today).get(), input: corrected, idempotencyKey: nil, in: db)
        }
        #expect(correction.result == .updated && correction.version == 2)

        // Another commune's household headed by the same person: its own id, and a warning naming the first.
        var sharing = generator.next(serial: 1)
        while sharing.communeCode == survey.communeCode { sharing = generator.next(serial: 1) }
        sharing.members[0] = survey.members[0]
        let other = sharing
        let warned = try await second.pool.write { db in
            try IntakeStore.accept(try surveyRules.validate(other, today: today).get(), input: other, idempotencyKey: nil, in: db)
        }
        #expect(warned.warnings.map(\.field) == ["members[0].cccd"], "\(warned.warnings)")
    }
}
