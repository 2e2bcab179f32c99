import Areas
import EventContracts
import EventStore
import Foundation
@testable import Intake
import TestSupport
import Testing

/// Household ids are a keyed hash of commune and head CCCD: recognisable by intake, not reversible by anyone else.
@Suite struct HouseholdIDTests {
    let currentKey = "5c1d0e7a9b3f48d2a6e0c4b8f1d29e7a3b5c7d9e1f20436587a9bcdef0123456"
    let formerKey = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"

    func keys(_ hex: String...) throws -> HouseholdIDKeys {
        let path = "\(try TestEnvironment.temporaryDirectory("household-id-keys"))/keys"
        try Data(hex.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        return try HouseholdIDKeys.load(file: path)
    }

    @Test func theIdIsTheFirstSixteenBytesOfTheKeyedHashAsAVersion8UUID() throws {
        // Worked out with Python's hmac module: HMAC-SHA-256(currentKey, "household|01840|019080000001")[:16],
        // version nibble 8, variant bits 10.
        #expect(try keys(currentKey).householdId(communeCode: "01840", headCCCD: "019080000001") == "1d528ea1-3acb-8249-9d69-1465d0238d93")
    }

    @Test func withoutTheKeyTheIdCannotBeRecomputedFromCommuneAndCCCD() throws {
        let id = try keys(currentKey).householdId(communeCode: "01840", headCCCD: "019080000001")
        #expect(id != DeterministicID.make("household", "01840", "019080000001"))  // the former, published derivation
        #expect(id != (try keys(formerKey).householdId(communeCode: "01840", headCCCD: "019080000001")))
    }

    @Test func theKeyFileNamesTheLineAtFaultAndNeverItsContent() throws {
        func problem(_ text: String) throws -> String {
            let path = "\(try TestEnvironment.temporaryDirectory("household-id-keys"))/keys"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            do {
                _ = try HouseholdIDKeys.load(file: path)
                return "accepted"
            } catch let error as FieldError {
                #expect(error.field == "HOUSEHOLD_ID_KEY_FILE")
                return error.reason.replacingOccurrences(of: path, with: "FILE")
            }
        }
        #expect(try problem("# comment only\n\n") == "FILE holds no key")
        #expect(try problem("\(currentKey)\nzz\(formerKey.dropFirst(2))") == "line 2 of FILE is not hexadecimal digits")
        #expect(try problem("abcdef0123") == "line 1 of FILE has 5 bytes; at least 32 are required")
        #expect(try problem("# current\n\(currentKey)\n\(formerKey)\n") == "accepted")
        #expect(throws: FieldError("HOUSEHOLD_ID_KEY_FILE", "cannot read /nonexistent/keys")) { try HouseholdIDKeys.load(file: "/nonexistent/keys") }
    }

    /// The same names in another Unicode form (decomposed, as some keyboards type Vietnamese) or with extra spaces are
    /// the same survey: `unchanged`, no new version; the stored and published names are in NFC.
    @Test func aNameInAnotherUnicodeFormOrSpacingIsTheSameName() throws {
        let store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("names"))/intake.sqlite", migrations: IntakeStore.migrations)
        func accept(_ input: SurveyInput) throws -> AcceptOutcome {
            let valid = try surveyRules.validate(input, today: today).get()
            return try store.pool.write { db in try IntakeStore.accept(valid, input: input, idempotencyKey: nil, in: db) }
        }
        let entered = survey()
        #expect(try accept(entered).result == .created)
        var retyped = entered
        // "Hoàng Văn An" with "à" and "ă" decomposed (a + U+0300, a + U+0306), a leading space and a doubled one.
        retyped.members[0].fullName = " Hoa\u{0300}ng  Va\u{0306}n An "
        #expect(retyped.members[0].fullName.unicodeScalars.count != entered.members[0].fullName.unicodeScalars.count)
        let again = try accept(retyped)
        #expect(again.result == .unchanged && again.version == 1)
        let published = try store.pool.read { db in try IntakeStore.household(again.householdId, in: db) }
        #expect(published?.snapshot.head.fullName.unicodeScalars.elementsEqual("Hoàng Văn An".precomposedStringWithCanonicalMapping.unicodeScalars) == true)
    }

    /// After a rotation the new key makes new ids, and a household registered under the former key keeps its id.
    @Test func aHouseholdRegisteredUnderAFormerKeyKeepsItsIdAfterRotation() throws {
        let store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("rotation"))/intake.sqlite", migrations: IntakeStore.migrations)
        func accept(_ input: SurveyInput, keys: HouseholdIDKeys) throws -> AcceptOutcome {
            let valid = try SurveyRules(areas: areas, householdIds: keys).validate(input, today: today).get()
            return try store.pool.write { db in try IntakeStore.accept(valid, input: input, idempotencyKey: nil, in: db) }
        }
        let registered = survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 1))
        let before = try accept(registered, keys: try keys(formerKey))
        #expect(before.result == .created)

        let rotated = try keys(currentKey, formerKey)
        let again = try accept(registered, keys: rotated)
        #expect(again.householdId == before.householdId)
        #expect(again.result == .unchanged)
        let changed = try accept(survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 1), income: 900_000), keys: rotated)
        #expect(changed.householdId == before.householdId)
        #expect(changed.result == .updated)
        #expect(changed.version == 2)

        let newcomer = try accept(survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 2)), keys: rotated)
        #expect(newcomer.householdId == rotated.householdId(communeCode: "01840", headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 2)))
    }
}
