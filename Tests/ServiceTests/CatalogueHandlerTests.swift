import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import TestSupport
import Testing
@testable import TrainingMatch

/// The centres' catalogue records applied through the consumers' batch machinery on a real training-match store.
@Suite struct CatalogueHandlerTests {
    let store: ServiceStore
    let applier: BatchApplier
    var offset: Int64 = 0

    init() throws {
        store = try ServiceStore(
            path: "\(try TestEnvironment.temporaryDirectory("catalogue"))/training-match.sqlite", migrations: TrainingMatchService.migrations)
        applier = BatchApplier(
            store: store,
            handler: CatalogueHandler(validation: CatalogueValidation(areas: try .bundled(), minimumWorkingAge: 15), sources: .employmentCentres()),
            service: "training-match")
    }

    mutating func send(
        _ course: Course?, id: String, key: String = CatalogueValidationTests.tailoring.courseId, source: String = "/employment-centre/thai-nguyen",
        body: [UInt8]? = nil
    ) throws -> BatchOutcome {
        let attributes = CloudEventAttributes(id: id, source: source, type: EventTypes.course, time: "2026-12-01T02:00:00.000Z", subject: key)
        let message = KafkaConsumerMessage(
            topic: Topics.course.name, partition: 0, offset: offset, key: Array(key.utf8), value: try body ?? course.map { try EventJSON.encode($0) },
            headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        offset += 1
        return try applier.apply([message])
    }

    func outcomes() throws -> [CatalogueOutcome] {
        try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.catalogueOutcome.name])
        }.map { try EventJSON.decode(CatalogueOutcome.self, from: $0) }
    }

    func held() throws -> (version: Int, withdrawn: Bool)? {
        try store.pool.read { db in try CatalogueStore.held(.course, CatalogueValidationTests.tailoring.courseId, in: db) }.map { ($0.version, $0.withdrawn) }
    }

    @Test mutating func versionsReplaceEachOtherAndRefusalsChangeNothing() throws {
        var course = CatalogueValidationTests.tailoring
        _ = try send(course, id: "c-1")
        _ = try send(course, id: "c-1")  // the same record again: not answered twice
        _ = try send(course, id: "c-2")  // the same version and content under another id
        var changed = course
        changed.seats = 30
        _ = try send(changed, id: "c-3")  // the same version, other content
        changed.version = 2
        _ = try send(changed, id: "c-4")
        _ = try send(course, id: "c-5")  // version 1 after 2
        var bad = changed
        (bad.version, bad.seats, bad.costVnd) = (3, 0, -5)
        _ = try send(bad, id: "c-6")
        course.courseId = "OTHER-1"
        _ = try send(course, id: "c-7")  // keyed as another course
        let answers = try outcomes()
        #expect(answers.map(\.eventId) == ["c-1", "c-2", "c-3", "c-4", "c-5", "c-6", "c-7"])
        #expect(answers.map(\.status) == [.accepted, .accepted, .rejected, .accepted, .rejected, .rejected, .rejected])
        #expect(answers.map(\.standing) == [.open, .unchanged, nil, .open, nil, nil, nil])
        #expect(answers.map { $0.errors.map(\.field) } == [[], [], ["version"], [], ["version"], ["seats", "costVnd"], ["key"]])
        let held = try held()
        #expect(held?.version == 2 && held?.withdrawn == false)
        let listed = try store.pool.read { db in
            try CatalogueStore.entries(.course, .init(province: "19", commune: "01843", occupation: "75", open: true, day: "2026-12-06"), in: db)
        }
        #expect(try listed.map { try EventJSON.decode(Course.self, from: $0.payload).seats } == [30])
    }

    @Test mutating func aTombstoneWithdrawsAndOutsidersAndNonsenseAreDeadLettered() throws {
        _ = try send(CatalogueValidationTests.tailoring, id: "c-1")
        _ = try send(nil, id: "w-1")
        _ = try send(nil, id: "w-2", key: "NO-SUCH-COURSE")
        #expect(try outcomes().map(\.standing) == [.open, .withdrawn, nil])
        #expect(try outcomes().last?.errors.map(\.field) == ["key"])
        #expect(try held()?.withdrawn == true)
        let open = try store.pool.read { db in try CatalogueStore.entries(.course, .init(open: true, day: "2026-12-06"), in: db) }
        #expect(open.isEmpty)

        let outsider = try send(CatalogueValidationTests.tailoring, id: "x-1", source: "/giamngheo/intake")
        let notJSON = try send(nil, id: "x-2", body: Array("seats: 3".utf8))
        let badType = try send(nil, id: "x-3", body: Array(#"{"courseId": "TTDVVL-TN-2027-001", "seats": "many"}"#.utf8))
        #expect(outsider.deadLettered == 1 && notJSON.deadLettered == 1 && badType.deadLettered == 0)
        #expect(try outcomes().count == 4 && (try outcomes().last?.status) == .rejected)
        #expect(try held()?.withdrawn == true, "refusals change nothing")
    }
}
