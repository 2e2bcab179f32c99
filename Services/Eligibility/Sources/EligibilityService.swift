import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceRuntime

/// Eligibility's own settings, beside the options every service takes.
public struct EligibilitySettings: Sendable {
    /// A standards catalogue file to use instead of the shipped `standards.json` (nil: the shipped one).
    public var standardsFile: String?
    /// Whether a new catalogue revision reclassifies the stored households at start, or waits for
    /// `POST /v1/reclassifications`.
    public var reclassifyAtStart: Bool

    /// Flags win over the environment (`STANDARDS_FILE`, `RECLASSIFY_AT_START` = true/false), which wins over the defaults.
    public init(
        standardsFile: String?, reclassifyAtStart: Bool?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.standardsFile = standardsFile ?? environment["STANDARDS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let reclassifyAtStart {
            self.reclassifyAtStart = reclassifyAtStart
        } else if let value = environment["RECLASSIFY_AT_START"] {
            guard let flag = Bool(value.lowercased()) else {
                throw StandardsCatalogueError(problems: ["RECLASSIFY_AT_START '\(value)' is neither true nor false"])
            }
            self.reclassifyAtStart = flag
        } else {
            self.reclassifyAtStart = true
        }
    }

    /// The catalogue to classify with: the file when one is given, else the shipped one.
    public func catalogue() throws -> StandardsCatalogue {
        try standardsFile.map(StandardsCatalogue.load(file:)) ?? StandardsCatalogue.bundled()
    }
}

/// Applies the multidimensional poverty standard in force on each survey date and publishes classifications;
/// reclassifies the stored households when the catalogue changes; runs shadow runs of candidate standards.
public enum EligibilityService {
    public static let name = "eligibility"
    public static let defaultPort = 8082

    public static func run(options: CommonOptions, settings: EligibilitySettings) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let catalogue = try settings.catalogue()
        app.logger.info(
            "standards catalogue",
            metadata: ["source": "\(settings.standardsFile ?? "bundled")", "revision": "\(catalogue.revision)",
                       "standards": "\(catalogue.standards.map { "\($0.id)@\($0.revision)" }.joined(separator: ","))",
                       "reclassifyAtStart": "\(settings.reclassifyAtStart)"])
        let store = try app.openStore(migrations: EligibilityStore.migrations)
        if let job = try await store.pool.write({ db in try CatalogueLedger.prepare(catalogue, start: settings.reclassifyAtStart, in: db) }) {
            app.logger.notice(
                "standards catalogue changed: reclassification \(job.status == .pending ? "pending (POST /v1/reclassifications)" : "will run")",
                metadata: ["job": "\(job.jobId)", "scope": "\(job.scope)", "changed": "\(job.changedStandardIds.joined(separator: ","))"])
        }
        let partitions = try app.ensureTopics()
        // CALENDAR_DAY pins the day announced (to replay a day in a test or after an outage); default: today in Vietnam.
        let pinnedDay = ProcessInfo.processInfo.environment["CALENDAR_DAY"]
        if let pinnedDay, CalendarDate(pinnedDay) == nil { throw FieldError("CALENDAR_DAY", "'\(pinnedDay)' is not a date (YYYY-MM-DD)") }
        let announcer = CalendarAnnouncer(
            store: store, partitionCount: Int32(partitions[Topics.classifiedHousehold.name] ?? 1),
            today: { pinnedDay ?? CalendarDate(Date()).description }, logger: app.logger)
        let place = CurrentPlace(areas: try app.areas())
        let consumer = app.consumer(
            group: "eligibility", topics: [Topics.household], handler: ClassificationHandler(catalogue: catalogue, place: place), store: store)
        let worker = ReclassificationWorker(reclassifier: Reclassifier(store: store, catalogue: catalogue, place: place), logger: app.logger)
        let runner = ShadowRunner(store: store, catalogue: catalogue, place: place, logger: app.logger)
        let router = try await app.securedRouter(
            table: EligibilityAccess.table, areas: place.areas, store: store, householdArea: EligibilityAccess.householdArea(store: store, areas: place.areas),
            directory: app.instanceDirectory(for: consumer, topics: [Topics.household], partitions: partitions))
        EligibilityRoutes(store: store, catalogue: catalogue).register(on: router)
        ShadowRunRoutes(store: store, runner: runner, gather: router.routing.map { PartitionGather(routing: $0) }).register(on: router)
        ReclassificationRoutes(store: store, catalogue: catalogue, worker: worker).register(on: router)
        try await app.run(
            store: store, consumers: [consumer], routes: router,
            extraServices: [
                ThreadService(name: "reclassification", body: { worker.runBlocking() }, stop: { worker.stop() }),
                ThreadService(name: "calendar", body: { announcer.runBlocking() }, stop: { announcer.stop() }),
            ])
    }
}
