import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
@testable import Intake
import TestSupport
import Testing

/// Rounds derived from their ids and the calendar data, and how surveys are checked against them.
@Suite struct ReviewRoundTests {
    let calendar = ReviewCalendar.shipped

    @Test func theShippedCalendarIsSoundAndDerivesTheWindowsOfDecision24() throws {
        #expect(try ReviewCalendar.bundled().problems() == [])
        let periodic = try calendar.round(id: "2026-periodic")
        #expect((periodic.kind, periodic.opensOn, periodic.closesOn, periodic.month) == (.periodic, "2026-09-01", "2026-12-14", nil))
        #expect(periodic.name == "Rà soát định kỳ năm 2026")
        let november = try calendar.round(id: "2026-11-adhoc")
        #expect((november.kind, november.opensOn, november.closesOn, november.month) == (.adhoc, "2026-11-15", "2026-12-14", 11))
        #expect(november.name == "Rà soát thường xuyên tháng 11/2026")
        let december = try calendar.round(id: "2026-12-adhoc")
        #expect((december.opensOn, december.closesOn) == ("2026-12-15", "2027-01-14"), "an ad hoc round runs into the next month")
        let year = calendar.rounds(in: 2026)
        #expect(year.count == 13 && year.first?.roundId == "2026-01-adhoc" && year.last?.roundId == "2026-12-adhoc")
        #expect(year.map(\.opensOn) == year.map(\.opensOn).sorted())
    }

    /// Written by hand from Decision 24/2021/QĐ-TTg and Circular 07/2021 (a periodic review of year Y gives the lists of
    /// Y+1, an ad hoc one changes its own year's), Decree 07/2021 and Decree 351/2025 (docs/intake/review-rounds.md).
    @Test func aRoundEstablishesTheListsOfItsListYearUnderTheStandardTheCalendarNames() throws {
        let table: [(round: String, listYear: Int, standard: String?)] = [
            ("2021-periodic", 2022, "VN-2022-2025"),
            ("2025-periodic", 2026, "VN-2022-2025"),
            ("2026-periodic", 2027, "VN-2027-2030"),
            ("2026-11-adhoc", 2026, "VN-2022-2025"),
            ("2027-03-adhoc", 2027, "VN-2027-2030"),
            ("2029-periodic", 2030, "VN-2027-2030"),
            ("2021-11-adhoc", 2021, nil),
            ("2020-periodic", 2021, nil),
            ("2030-periodic", 2031, nil),
        ]
        for row in table {
            let round = try calendar.round(id: row.round)
            #expect(round.listYear == row.listYear && round.standardId == row.standard, "\(row.round)")
        }
        #expect(try calendar.round(id: "2026-periodic").listYearSource.contains("[U]"), "the 2027 mapping is uncertain and says so")
    }

    @Test func aCalendarWhoseListYearsOverlapIsRefused() {
        var broken = calendar
        broken.listYears.standards.append(.init(from: 2026, to: 2027, standardId: "VN-X", source: "test"))
        broken.listYears.periodicYearsAhead = 2
        let problems = broken.problems()
        #expect(problems.contains { $0.contains("2026–2027") && $0.contains("overlap") })
        #expect(problems.contains { $0.contains("own year (0) or of the next (1)") })
    }

    @Test func aSurveyOfTheLate2021ReviewIsForThe2022Lists() throws {
        var input = survey(communeCode: "01834")  // Phường Nguyễn Thị Minh Khai, Bắc Kạn city, until 30 Jun 2025
        input.surveyDate = "2021-11-15"
        let valid = try surveyRules.validate(input, today: today).get()
        #expect(valid.roundId == "2021-periodic" && valid.area.provinceCode == "06")
        let snapshot = valid.snapshot(version: 1, recordedAt: "2021-11-16T08:00:00.000Z")
        #expect(snapshot.listYear == 2022 && snapshot.standardId == "VN-2022-2025")
    }

    @Test func aSurveyWhoseListYearHasNoStandardIsRefusedAtEntry() {
        var input = survey()
        input.surveyDate = "2020-10-15"
        #expect(errors(input).contains(FieldError(
            "surveyDate", "round 2020-periodic establishes the lists of 2021, for which the review calendar declares no national "
                + "poverty standard (listYears.standards); it cannot be classified")))
        input.roundId = "2020-periodic"
        #expect(errors(input).contains { $0.field == "roundId" && $0.reason.contains("lists of 2021") })
    }

    @Test func malformedRoundIdsNameTheFieldAndSayWhy() {
        for id in ["2026-periodic-đợt-2", "periodic", "26-periodic", "2026-11-periodic", "2026-1-adhoc", "1999-periodic"] {
            #expect(throws: FieldError.self, "\(id)") { try calendar.round(id: id) }
            if case .failure(let error) = ReviewRoundID.parse(id) { #expect(error.field == "roundId" && error.reason.contains("2026-11-adhoc")) }
        }
        #expect(ReviewRoundID.parse("2026-13-adhoc").failure == FieldError("roundId", "'2026-13-adhoc': month 13 is not 01 to 12"))
    }

    @Test func aSurveyBelongsToTheRoundWhoseWindowHoldsItsDate() {
        func round(_ kind: ReviewKind, _ date: String) -> String? { calendar.round(of: kind, containing: CalendarDate(date)!)?.roundId }
        #expect(round(.periodic, "2026-10-15") == "2026-periodic")
        #expect(round(.periodic, "2026-12-15") == nil)
        #expect(round(.adhoc, "2026-11-16") == "2026-11-adhoc")
        #expect(round(.adhoc, "2026-11-05") == "2026-10-adhoc", "before the 15th: the round opened last month")
        #expect(round(.adhoc, "2027-01-14") == "2026-12-adhoc")
    }

    @Test func anOperatorsCorrectionMovesOneRoundsWindow() throws {
        var corrected = calendar
        corrected.revision = 2
        corrected.overrides = [.init(roundId: "2026-periodic", opensOn: "2026-09-01", closesOn: "2026-12-20", reason: "Province extended the round")]
        let file = "\(try TestEnvironment.temporaryDirectory("calendar"))/calendar.json"
        try JSONEncoder().encode(corrected).write(to: URL(fileURLWithPath: file))
        let loaded = try ReviewCalendar.load(file: file)
        #expect(try loaded.round(id: "2026-periodic").closesOn == "2026-12-20")
        #expect(try loaded.round(id: "2026-periodic").source == "Province extended the round")
        #expect(try loaded.round(id: "2025-periodic").closesOn == "2025-12-14")
        corrected.overrides[0].closesOn = "2026-08-01"
        #expect(corrected.problems() == ["override of 2026-periodic: opensOn and closesOn must be YYYY-MM-DD dates, opensOn first"])
    }

    @Test func aSurveysRoundMustBeWellFormedOfItsKindAndHoldItsDate() throws {
        var input = survey()
        input.roundId = "2026-11-adhoc"
        #expect(errors(input) == [FieldError("roundId", "'2026-11-adhoc' is a adhoc round but reviewKind is 'periodic'")])
        input.roundId = "2026-periodic-đợt-2"
        #expect(errors(input).map(\.field) == ["roundId"])
        input.roundId = "2025-periodic"
        #expect(errors(input) == [FieldError("surveyDate", "2026-10-15 is outside round 2025-periodic (2025-09-01 – 2025-12-14)")])
        input.roundId = nil
        input.surveyDate = "2026-03-10"
        #expect(errors(input).first?.reason.hasPrefix("2026-03-10 is outside the periodic review of 2026 (2026-09-01 – 2026-12-14)") == true)
        input.reviewKind = .adhoc
        #expect(try surveyRules.validate(input, today: today).get().roundId == "2026-02-adhoc")
    }

    @Test func officersCannotRecogniseTheirOwnSurvey() {
        var input = survey()
        input.status = .recognised
        #expect(errors(input).map(\.field) == ["status"])
        #expect(errors(input).first?.reason.contains("/recognition") == true)
        input.status = .proposed
        #expect(errors(input) == [])
    }

    @Test func aRecognitionRequestIsCheckedFieldByField() {
        func problems(_ body: RecognitionRequest, round: String = "2026-periodic", commune: String = "01840") -> [FieldError] {
            switch RecognitionValidator.validate(roundId: round, communeCode: commune, body, areas: areas, calendar: calendar, today: today) {
            case .success: []
            case .failure(let failure): failure.errors
            }
        }
        let good = RecognitionRequest(decisionNumber: " 123/QĐ-UBND ", decisionDate: "2026-11-20", excludedHouseholdIds: [])
        #expect(problems(good) == [])
        #expect(problems(RecognitionRequest(decisionNumber: "1/QĐ-UBND", decisionDate: "2026-08-31")) == [
            FieldError("decisionDate", "2026-08-31 is before round 2026-periodic opened (2026-09-01)")
        ])
        #expect(problems(RecognitionRequest(decisionNumber: "1/QĐ-UBND", decisionDate: "2026-11-23")) == [FieldError("decisionDate", "2026-11-23 is in the future")])
        #expect(problems(good, commune: "99999").map(\.field) == ["communeCode"])
        #expect(problems(good, round: "2026-x").map(\.field) == ["roundId"])
        #expect(problems(RecognitionRequest(decisionNumber: " ", decisionDate: "20/11/2026", excludedHouseholdIds: ["x"])).map(\.field) == [
            "decisionNumber", "decisionDate", "excludedHouseholdIds[0]",
        ])
    }
}

/// The commune's recognition on a real intake store file (every migration), as the HTTP route runs it.
@Suite struct RecognitionStoreTests {
    let store: ServiceStore
    let decision = RecognitionRequest(decisionNumber: "123/QĐ-UBND", decisionDate: "2026-11-20")

    init() throws {
        store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("recognition"))/intake.sqlite", migrations: IntakeStore.migrations)
    }

    /// Households of commune 01840 (heads with serials 1…count) and one of 06001, all in round 2026-periodic.
    func submit(count: Int) throws -> [String] {
        var inputs = (1...count).map { survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: $0)) }
        inputs.append(survey(communeCode: "06001", headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 99)))
        return try inputs.map { try accept($0).householdId }
    }

    @discardableResult
    func accept(_ input: SurveyInput) throws -> AcceptOutcome {
        let valid = try surveyRules.validate(input, today: today).get()
        return try store.pool.write { db in try IntakeStore.accept(valid, input: input, idempotencyKey: nil, in: db) }
    }

    func recognise(_ request: RecognitionRequest, commune: String = "01840") throws -> (outcome: RecognitionOutcome, created: Bool) {
        let valid = try RecognitionValidator.validate(
            roundId: "2026-periodic", communeCode: commune, request, areas: areas, calendar: .shipped, today: today).get()
        return try store.pool.write { db in try RecognitionStore.recognise(valid, in: db) }
    }

    /// Household versions and queued events: what a recognition writes.
    func written() throws -> (versions: Int, events: [HouseholdSnapshot]) {
        try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM household_version")!,
             try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.household.name]).map {
                 try EventJSON.decode(HouseholdSnapshot.self, from: $0)
             })
        }
    }

    func summary(_ commune: String = "01840") throws -> CommuneRoundSummary {
        try store.pool.read { db in try RecognitionStore.summary(try ReviewCalendar.shipped.round(id: "2026-periodic"), communeCode: commune, in: db) }
    }

    @Test func aDecisionRecognisesTheRoundsProposedHouseholdsOfTheCommuneButTheExcluded() throws {
        let ids = try submit(count: 3)
        #expect(try summary().proposed == 3 && summary().recognised == 0 && summary().recognition == nil)
        var request = decision
        request.excludedHouseholdIds = [ids[2].uppercased()]
        let (outcome, created) = try recognise(request)
        #expect(created)
        #expect(outcome.recognised.map(\.householdId) == ids[0...1].sorted() && outcome.recognised.allSatisfy { $0.version == 2 })
        #expect(outcome.excludedHouseholdIds == [ids[2]])

        let (versions, events) = try written()
        #expect(versions == 4 + 2)
        let published = events.filter { $0.version == 2 }
        #expect(Set(published.map(\.householdId)) == Set(ids[0...1]))
        let recognition = RecognitionDecision(decisionNumber: "123/QĐ-UBND", decisionDate: "2026-11-20")
        #expect(published.allSatisfy { $0.status == .recognised && $0.recognition == recognition && $0.roundId == "2026-periodic" })
        let before = try #require(events.first { $0.householdId == ids[0] && $0.version == 1 })
        var expected = before
        expected.version = 2
        expected.recognise(by: recognition)
        expected.recordedAt = published.first { $0.householdId == ids[0] }!.recordedAt
        #expect(published.first { $0.householdId == ids[0] } == expected, "the same facts, now official")
        #expect(try summary().proposed == 1 && summary().recognised == 2 && summary().recognition == outcome)
        #expect(try summary("06001").proposed == 1, "another commune's households are not touched")
    }

    @Test func theSameDecisionAgainAnswersTheSameAndCreatesNothingAnotherIsAConflict() throws {
        _ = try submit(count: 2)
        let first = try recognise(decision)
        let after = try written()
        let again = try recognise(decision)
        #expect(!again.created && again.outcome == first.outcome)
        #expect(try written().versions == after.versions && written().events.count == after.events.count)

        let other = RecognitionRequest(decisionNumber: "124/QĐ-UBND", decisionDate: "2026-11-21")
        let conflict = try #require(throws: RecognitionConflict.self) { try recognise(other) }
        #expect(conflict.recorded == first.outcome)
        #expect(try written().versions == after.versions && written().events.count == after.events.count)
    }

    @Test func unknownExclusionsAndCommunesWithoutProposedHouseholdsChangeNothing() throws {
        let ids = try submit(count: 2)
        var request = decision
        request.excludedHouseholdIds = [ids[2], "0b7e4a3c-5d2f-4e1a-9b8c-7d6e5f4a3b2c"]  // 06001's household, and nobody
        let failure = try #require(throws: ValidationFailure.self) { try recognise(request) }
        #expect(failure.errors.map(\.field) == ["excludedHouseholdIds[0]", "excludedHouseholdIds[1]"])
        #expect(failure.errors[0].reason == "household \(ids[2]) is not in round 2026-periodic of commune 01840")
        let empty = try #require(throws: ValidationFailure.self) { try recognise(decision, commune: "06004") }
        #expect(empty.errors == [FieldError("communeCode", "no household of commune 06004 is proposed in round 2026-periodic")])
        #expect(try written().versions == 3 && summary().recognition == nil)
    }

    @Test func aCorrectionAfterRecognitionIsProposedAgainWithItsHistoryKept() throws {
        let ids = try submit(count: 1)
        _ = try recognise(decision)
        let unchanged = try accept(survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 1)))
        #expect(unchanged.result == .unchanged && unchanged.version == 2, "the same survey again is no correction")
        let corrected = try accept(survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: 1), income: 3_000_000))
        #expect(corrected.result == .updated && corrected.version == 3)

        let versions = try store.pool.read { db in try IntakeStore.versions(ids[0].uppercased(), in: db) }
        #expect(versions.map(\.version) == [1, 2, 3])
        #expect(versions.map(\.status) == [.proposed, .recognised, .proposed])
        #expect(versions.map(\.recognition) == [nil, RecognitionDecision(decisionNumber: "123/QĐ-UBND", decisionDate: "2026-11-20"), nil])
        #expect(versions.allSatisfy { $0.roundId == "2026-periodic" })
        let record = try #require(try store.pool.read { db in try IntakeStore.household(ids[0], in: db) })
        #expect(record.snapshot.status == .proposed && record.snapshot.recognition == nil && record.history == versions)
        #expect(try summary().proposed == 1 && summary().recognised == 0, "the decision stays on record; the household awaits the next")
    }

    @Test func householdsStoredBeforeRoundsWereKeptGetTheirRoundAndStatus() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("recognition-migration"))/intake.sqlite"
        var before = DatabaseMigrator()
        IntakeStore.migrations(&before)
        let queue = try DatabaseQueue(path: path)
        try before.migrate(queue, upTo: "intake-v2-cccd-by-household")
        let snapshot = try surveyRules.validate(survey(), today: today).get().snapshot(version: 1, recordedAt: "2026-10-16T08:00:00.000Z")
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO household (household_id, version, commune_code, content_hash, updated_at) VALUES (?, 1, '01840', 'h', 'now')",
                arguments: [snapshot.householdId])
            try db.execute(
                sql: "INSERT INTO household_version (household_id, version, survey, snapshot, recorded_at) VALUES (?, 1, x'7b7d', ?, 'now')",
                arguments: [snapshot.householdId, Data(try EventJSON.encode(snapshot))])
        }
        try queue.close()
        let migrated = try ServiceStore(path: path, migrations: IntakeStore.migrations)
        let summary = try migrated.pool.read { db in try RecognitionStore.summary(try ReviewCalendar.shipped.round(id: "2026-periodic"), communeCode: "01840", in: db) }
        #expect(summary.proposed == 1)
    }
}
