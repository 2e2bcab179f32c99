import Eligibility
import EventContracts
import Foundation
import GRDB
import Testing

/// Catalogue corrections as an operator makes them: change a value, raise the standard's and the catalogue's revision.
enum Correction {
    /// `standardId` with `change` applied, its revision and the catalogue's raised by one.
    static func corrected(_ catalogue: StandardsCatalogue, _ standardId: String, _ change: (inout PovertyStandard) -> Void) -> StandardsCatalogue {
        catalogue.correcting(standardId, change)!
    }

    /// Households per person below `m2` count as deprived on housing area (the [M] value is 8).
    static func housingArea(_ m2: Double) -> (inout PovertyStandard) -> Void {
        { standard in
            let index = standard.indicators.firstIndex { $0.id == "housingArea" }!
            standard.indicators[index].rule = .housingArea(HousingAreaRule(deprivedWhenM2PerPersonBelow: m2))
        }
    }

    /// Whether the rules decide a household differently under the two standards (class, income verdict, indicators).
    static func decidesDifferently(_ snapshot: HouseholdSnapshot, _ old: PovertyStandard, _ new: PovertyStandard) -> Bool {
        let a = Classifier.classify(snapshot, under: old), b = Classifier.classify(snapshot, under: new)
        return a.householdClass != b.householdClass || a.income.atOrBelowPovertyLine != b.income.atOrBelowPovertyLine
            || a.indicators.map { [$0.id: $0.deprived] } != b.indicators.map { [$0.id: $0.deprived] }
    }
}

@Suite("Eligibility: reclassification when the catalogue changes")
struct ReclassificationTests {
    /// Runs the job `prepare` creates for `catalogue` to its end (or until `stopAfter` chunks); returns it.
    @discardableResult
    static func reclassify(_ fixture: EligibilityStoreFixture, _ catalogue: StandardsCatalogue, chunkSize: Int = 40, stopAfter: Int? = nil) throws -> ReclassificationJob? {
        guard let job = try fixture.store.pool.write({ db in try CatalogueLedger.prepare(catalogue, start: true, in: db) }) else { return nil }
        var reclassifier = Reclassifier(store: fixture.store, catalogue: catalogue, place: CurrentPlace(areas: fixture.areas))
        reclassifier.chunkSize = chunkSize
        var chunks = 0
        return try reclassifier.run(job.jobId, shouldStop: { stopAfter.map { chunks >= $0 } ?? false }) { _ in chunks += 1 }
    }

    @Test func correctingAValuePublishesExactlyTheHouseholdsItJudgesDifferently() throws {
        let fixture = try EligibilityStoreFixture()
        let snapshots = try EligibilityStoreFixture.demoSnapshots(recognisedEvery: 3)
        try fixture.apply(snapshots)
        let corrected = Correction.corrected(fixture.catalogue, "VN-2022-2025", Correction.housingArea(10))
        let old = try #require(fixture.catalogue.standard(id: "VN-2022-2025")), new = try #require(corrected.standard(id: "VN-2022-2025"))
        let expected = Set(snapshots.filter { Correction.decidesDifferently($0, old, new) }.map(\.householdId))
        #expect(!expected.isEmpty && expected.count < snapshots.count, "the correction must affect some households, not all")

        let job = try #require(try Self.reclassify(fixture, corrected))
        #expect(job.status == .completed)
        #expect(job.jobId == "rev1-to-rev2" && job.scope == "changed" && job.changedStandardIds == ["VN-2022-2025"])
        #expect(job.examined == 300 && job.evaluated == 300 && job.published == expected.count)

        let events = try fixture.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold)
        #expect(Set(events.map(\.key)) == expected)
        #expect(events.count == expected.count)
        for (_, id, household) in events {
            let classification = try #require(household.classification)
            #expect(household.householdVersion == 1 && household.rulesRevision == 2)
            #expect(classification.standard == new.ref)
            #expect(id == DeterministicID.make("classified-household", household.householdId, "1", "2"))
            let snapshot = try #require(snapshots.first { $0.householdId == household.householdId })
            #expect(classification.householdClass == Classifier.classify(snapshot, under: new).householdClass)
            // The household was recognised in its first review: still its first official class, not "unchanged" against itself.
            #expect(classification.transition == .first)
        }
        // The store holds what was published: the new classification where it changed, the old one elsewhere.
        try fixture.store.pool.read { db in
            for snapshot in snapshots {
                let stored = try #require(try EligibilityStore.classification(snapshot.householdId, in: db))
                #expect(stored.rulesRevision == (expected.contains(snapshot.householdId) ? 2 : 1))
                if snapshot.status == .recognised {
                    let official = try String.fetchOne(db, sql: "SELECT household_class FROM official_class WHERE household_id = ?", arguments: [snapshot.householdId])
                    #expect(official == stored.householdClass.rawValue)
                }
            }
        }
        // The same catalogue at the next start: nothing to do.
        #expect(try Self.reclassify(fixture, corrected) == nil)
    }

    @Test func aJobInterruptedBetweenChunksResumesAndPublishesTheSameEventsOnce() throws {
        let corrected = { (c: StandardsCatalogue) in Correction.corrected(c, "VN-2022-2025", Correction.housingArea(10)) }
        let snapshots = try EligibilityStoreFixture.demoSnapshots(count: 200, recognisedEvery: 4)
        let whole = try EligibilityStoreFixture()
        try whole.apply(snapshots)
        try Self.reclassify(whole, corrected(whole.catalogue))

        let interrupted = try EligibilityStoreFixture()
        try interrupted.apply(snapshots)
        let paused = try #require(try Self.reclassify(interrupted, corrected(interrupted.catalogue), chunkSize: 30, stopAfter: 2))
        #expect(paused.status == .running && paused.examined == 60)
        // The next start finds the unfinished job and resumes it from its cursor.
        let resumed = try #require(try Self.reclassify(interrupted, corrected(interrupted.catalogue), chunkSize: 30))
        #expect(resumed.jobId == paused.jobId && resumed.status == .completed && resumed.examined == 200)

        let expected = try whole.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold)
        let got = try interrupted.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold)
        #expect(got.map(\.id) == expected.map(\.id))
        #expect(got.map(\.value) == expected.map(\.value))
    }

    @Test func aCorrectionOfAStandardNoStoredHouseholdFallsUnderPublishesNothing() throws {
        let fixture = try EligibilityStoreFixture()
        try fixture.apply(try EligibilityStoreFixture.demoSnapshots(count: 100))
        let corrected = Correction.corrected(fixture.catalogue, "VN-2027-2030") { standard in
            let index = standard.indicators.firstIndex { $0.id == "wasteTreatment" }!
            standard.indicators[index].rule = .wasteTreatment(WasteTreatmentRule(acceptedTreatments: [.collected]))
        }
        let job = try #require(try Self.reclassify(fixture, corrected))
        #expect(job.status == .completed && job.examined == 100 && job.evaluated == 0 && job.published == 0)
        #expect(try fixture.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold).isEmpty)
        #expect(try fixture.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT MAX(revision) FROM applied_catalogue") } == 2)
    }

    @Test func householdsTheConsumerAlreadyClassifiedUnderTheNewRevisionAreLeftAlone() throws {
        let fixture = try EligibilityStoreFixture()
        var snapshots = try EligibilityStoreFixture.demoSnapshots(count: 50)
        try fixture.apply(snapshots)
        let corrected = Correction.corrected(fixture.catalogue, "VN-2022-2025", Correction.housingArea(30))
        _ = try fixture.store.pool.write { db in try CatalogueLedger.prepare(corrected, start: true, in: db) }
        // The service restarted with the corrected catalogue; a new version arrives before the job reaches it.
        snapshots[7].version = 2
        let handler = ClassificationHandler(catalogue: corrected, place: CurrentPlace(areas: fixture.areas))
        let fromConsumer = try fixture.store.pool.write { db in try handler.apply(snapshots[7], bytes: try EventJSON.encode(snapshots[7]), in: db) }
        #expect(fromConsumer?.classification?.householdVersion == 2 && fromConsumer?.classification?.rulesRevision == 2)

        let job = try #require(try Self.reclassify(fixture, corrected))
        let events = try fixture.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold)
        #expect(!events.isEmpty)
        #expect(!events.contains { $0.key == snapshots[7].householdId }, "the consumer's classification of version 2 stands")
        let stored = try fixture.store.pool.read { db in try EligibilityStore.classification(snapshots[7].householdId, in: db) }
        #expect(stored == fromConsumer?.classification)
        #expect(job.evaluated == 49)
    }

    @Test func aRecognisedVersionIsJudgedAgainstTheOfficialClassBeforeIt() throws {
        let fixture = try EligibilityStoreFixture()
        var household = try EligibilityStoreFixture.demoSnapshots(count: 1)[0]
        household.recognise(by: EligibilityStoreFixture.decision)
        household.area.areaType = .rural
        household.conditions.income = Income(method: .declared, perCapitaMonthlyVnd: 500_000)
        household.conditions.water = .surfaceWater
        household.conditions.latrine = .none
        household.conditions.housing = Housing(walls: .bamboo, columns: .bamboo, roof: .thatch, floorAreaM2: 100)
        try fixture.apply([household])  // version 1: poor, recognised
        household.version = 2
        household.conditions.income = Income(method: .declared, perCapitaMonthlyVnd: 1_550_000)
        try fixture.apply([household])  // version 2: above the 1,500,000 rural line: escaped poverty
        let escaped = try #require(try fixture.store.pool.read { db in try EligibilityStore.classification(household.householdId, in: db) })
        #expect(escaped.previousClass == .poor && escaped.transition == .escapedPoverty)
        #expect(escaped.escapedOn == EligibilityStoreFixture.decision.decisionDate, "dated by the recognition decision, not the survey")

        // A correction of the rural line to 1,600,000 puts version 2 below it again: still poor, against version 1.
        let corrected = Correction.corrected(fixture.catalogue, "VN-2022-2025") { $0.incomeLinesVnd.rural = 1_600_000 }
        try Self.reclassify(fixture, corrected)
        let again = try #require(try fixture.outbox(ClassifiedHousehold.self, topic: Topics.classifiedHousehold).first?.value)
        #expect(again.householdVersion == 2 && again.classification?.householdClass == .poor)
        #expect(again.classification?.previousClass == .poor && again.classification?.transition == .unchanged && again.classification?.escapedOn == nil)
        let official = try fixture.store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT household_class, ever_escaped_poverty, prior_class FROM official_class WHERE household_id = ?", arguments: [household.householdId])
        }
        #expect(official?["household_class"] == "poor")
        #expect(official?["ever_escaped_poverty"] == 0)
        #expect(official?["prior_class"] == "poor")
    }

    @Test func revisionsOnlyGoUp() throws {
        let fixture = try EligibilityStoreFixture()
        try fixture.apply(try EligibilityStoreFixture.demoSnapshots(count: 10))
        var sameRevision = fixture.catalogue
        sameRevision.standards[0].incomeLinesVnd.urban = 2_100_000
        #expect(throws: CatalogueLedger.Refusal.self) { try fixture.store.pool.write { db in try CatalogueLedger.prepare(sameRevision, start: true, in: db) } }
        let raised = Correction.corrected(fixture.catalogue, "VN-2022-2025", Correction.housingArea(9))
        try Self.reclassify(fixture, raised)
        #expect(throws: CatalogueLedger.Refusal.self) { try fixture.store.pool.write { db in try CatalogueLedger.prepare(fixture.catalogue, start: true, in: db) } }
    }
}

@Suite("Eligibility: what a reclassification compares")
struct ClassificationDecisionTests {
    @Test func echoesOfTheStandardsDataDoNotCountButTheDecisionDoes() throws {
        let snapshot = try EligibilityStoreFixture.demoSnapshots(count: 1)[0]
        let catalogue = try StandardsCatalogue.bundled()
        let base = try #require(ClassificationBuilder.build(snapshot, catalogue: catalogue))
        var echo = base
        echo.rulesRevision += 1
        echo.standard.revision += 1
        echo.income.povertyLineVnd += 100_000
        echo.indicators[0].reason = "Not deprived (Việc làm): reworded."
        echo.notes = ["a note"]
        #expect(base.hasSameDecision(as: echo))
        var decision = base
        decision.indicators[0].deprived.toggle()
        #expect(!base.hasSameDecision(as: decision))
        decision = base
        decision.income.atOrBelowPovertyLine.toggle()
        #expect(!base.hasSameDecision(as: decision))
    }
}
