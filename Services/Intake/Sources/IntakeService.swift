import Areas
import EventContracts
import EventStore
import Foundation
import Hummingbird
import ServiceRuntime

/// The household registry: validates, de-duplicates and versions surveys (from officers over HTTP and CSV, and from
/// agencies over `giamngheo.intake.submission.v1`), and publishes household snapshots.
public enum IntakeService {
    public static let name = "intake"
    public static let defaultPort = 8081

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: IntakeStore.migrations)
        try app.ensureTopics()
        let areas = try AreaRegistry.bundled()
        let router = Router()
        IntakeRoutes(store: store, areas: areas).register(on: router)
        let submissions = app.consumer(
            group: "intake-submissions", topics: [Topics.agencySubmission],
            handler: AgencySubmissionHandler(areas: areas, today: { CalendarDate(Date()) }), store: store)
        try await app.run(store: store, consumers: [submissions], router: router)
    }
}
