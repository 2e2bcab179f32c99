import Areas
import EventContracts
import EventStore
import Foundation
import Hummingbird
import Logging
import ServiceRuntime

/// The household registry: validates, de-duplicates and versions surveys (from officers over HTTP and CSV, and from
/// agencies over `giamngheo.intake.submission.v1`), and publishes household snapshots.
public enum IntakeService {
    public static let name = "intake"
    public static let defaultPort = 8081

    /// - Parameter reviewCalendarFile: an operator's corrected review calendar (flag, else env `REVIEW_CALENDAR_FILE`);
    ///   nil: the shipped `review-calendar.json`.
    public static func run(options: CommonOptions, reviewCalendarFile: String? = nil) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: IntakeStore.migrations)
        try app.ensureTopics()
        let areas = try app.areas()
        let file = reviewCalendarFile ?? ProcessInfo.processInfo.environment["REVIEW_CALENDAR_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let calendar = try file.map(ReviewCalendar.load(file:)) ?? ReviewCalendar.bundled()
        app.logger.info("review calendar", metadata: ["revision": "\(calendar.revision)", "file": "\(file ?? "shipped")"])
        let router = Router()
        IntakeRoutes(store: store, areas: areas, calendar: calendar).register(on: router)
        let submissions = app.consumer(
            group: "intake-submissions", topics: [Topics.agencySubmission],
            handler: AgencySubmissionHandler(areas: areas, today: { CalendarDate(Date()) }, calendar: calendar), store: store)
        try await app.run(store: store, consumers: [submissions], router: router)
    }
}
