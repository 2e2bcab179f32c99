import ArgumentParser
import Areas
import Eligibility
import EventContracts
import Foundation
import Intake

/// CPU cost of the hot payloads' JSON and of classification, per household, in one process (no broker, no disk).
struct CodecBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codec-bench", abstract: "Microseconds per household to encode/decode the snapshot and classification.")
    @Option(help: "Households to generate.") var households = 2_000
    @Option(help: "Passes over them per measurement.") var passes = 5

    func run() throws {
        let areas = try AreaRegistry.bundled()
        var generator = DemoHouseholds(seed: 7, communes: DemoHouseholds.demoCommunes(areas, perProvince: 25))
        let today = CalendarDate("2026-11-22")!
        let householdIds = HouseholdIDKeys.random()  // generated households only
        let snapshots: [HouseholdSnapshot] = (0..<households).compactMap { serial in
            guard case .success(let valid) = SurveyValidator.validate(generator.next(serial: serial), areas: areas, today: today, householdIds: householdIds) else { return nil }
            return valid.snapshot(version: 1, recordedAt: "2026-11-22T00:00:00Z")
        }
        let catalogue = try StandardsCatalogue.bundled()
        let classifications = snapshots.compactMap { ClassificationBuilder.build($0, catalogue: catalogue) }
        let snapshotBytes = try snapshots.map { try EventJSON.encode($0) }
        let classificationBytes = try classifications.map { try EventJSON.encode($0) }
        let classified = zip(snapshots, classifications).map { ClassifiedHousehold($0, $1) }
        let classifiedBytes = try classified.map { try EventJSON.encode($0) }

        func measure(_ name: String, _ body: () throws -> Void) rethrows {
            let start = ContinuousClock.now
            for _ in 0..<passes { try body() }
            let micros = (ContinuousClock.now - start).inSeconds * 1e6
            print(String(format: "codec.%@_us %.1f", name, micros / Double(passes * snapshots.count)))
        }
        var sink = 0
        try measure("snapshot_encode") { for s in snapshots { sink &+= try EventJSON.encode(s).count } }
        try measure("snapshot_decode") { for b in snapshotBytes { sink &+= try EventJSON.decode(HouseholdSnapshot.self, from: b).members.count } }
        measure("classify") { for s in snapshots { sink &+= ClassificationBuilder.build(s, catalogue: catalogue)?.deprivationCount ?? 0 } }
        try measure("classification_encode") { for c in classifications { sink &+= try EventJSON.encode(c).count } }
        try measure("classification_decode") {
            for b in classificationBytes { sink &+= try EventJSON.decode(Classification.self, from: b).deprivationCount }
        }
        try measure("classified_household_encode") { for c in classified { sink &+= try EventJSON.encode(c).count } }
        try measure("classified_household_decode") {
            for b in classifiedBytes { sink &+= try EventJSON.decode(ClassifiedHousehold.self, from: b).members.count }
        }
        let snapshotSize = snapshotBytes.reduce(0) { $0 + $1.count } / max(1, snapshotBytes.count)
        let classificationSize = classificationBytes.reduce(0) { $0 + $1.count } / max(1, classificationBytes.count)
        print("codec.snapshot_bytes \(snapshotSize)")
        print("codec.classification_bytes \(classificationSize)")
        print("codec.classified_household_bytes \(classifiedBytes.reduce(0) { $0 + $1.count } / max(1, classifiedBytes.count))")
        if sink == 42 { print("") }  // keeps the work observable to the optimiser
    }
}
