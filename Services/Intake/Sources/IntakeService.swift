import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceRuntime

/// The household registry: validates, de-duplicates and versions surveys (from officers over HTTP and CSV, and from
/// agencies over `giamngheo.intake.submission.v1`), and publishes household snapshots.
public enum IntakeService {
    public static let name = "intake"
    public static let defaultPort = 8081

    /// - Parameters:
    ///   - reviewCalendarFile: an operator's corrected review calendar (flag, else env `REVIEW_CALENDAR_FILE`);
    ///     nil: the shipped `review-calendar.json`.
    ///   - householdIdKeyFile: the deployment's household id keys (flag, else env `HOUSEHOLD_ID_KEY_FILE`); required.
    public static func run(options: CommonOptions, reviewCalendarFile: String? = nil, householdIdKeyFile: String? = nil) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: IntakeStore.migrations)
        let interrupted = try await store.pool.write { db in try ImportReportStore.closeInterrupted(at: Timestamp.now(), in: db) }
        if !interrupted.isEmpty {
            app.logger.warning("imports left running by the last process closed as interrupted", metadata: ["imports": "\(interrupted.joined(separator: ","))"])
        }
        let partitions = try app.ensureTopics()
        let areas = try app.areas()
        let environment = ProcessInfo.processInfo.environment
        let file = reviewCalendarFile ?? environment["REVIEW_CALENDAR_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let calendar = try file.map(ReviewCalendar.load(file:)) ?? ReviewCalendar.bundled()
        app.logger.info("review calendar", metadata: ["revision": "\(calendar.revision)", "file": "\(file ?? "shipped")"])
        guard let keyFile = householdIdKeyFile ?? environment["HOUSEHOLD_ID_KEY_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw FieldError(
                "HOUSEHOLD_ID_KEY_FILE", "is not set: intake needs the deployment's household id key file (docs/operations.md, \"Household id key\")")
        }
        let householdIds = try HouseholdIDKeys.load(file: keyFile)
        app.logger.info("household id key", metadata: ["fingerprint": "\(householdIds.fingerprint)"])
        let rules = SurveyRules(areas: areas, calendar: calendar, householdIds: householdIds)
        // One writer per household: the instance the group `intake` gives its partition, once its copy of the registry
        // (read whole from the household-state topic) is up to date; the others pass writes on to it.
        let writer = GroupCommitWriter(store: store)
        let ownership = try IntakeOwnership(
            store: store, writer: writer, kafka: app.config.kafka,
            partitionCount: partitions[Topics.intakeHouseholdCommand.name] ?? app.config.topicPartitions, logger: app.logger)
        let owners = app.consumer(
            group: IntakeOwnership.group, topics: [Topics.intakeHouseholdCommand],
            handler: AgencySubmissionHandler(rules: rules, today: { CalendarDate(Date()) }, ownership: ownership), store: store,
            onRelease: { ownership.release($0, lost: $1) })
        ownership.attach(owners)
        let registry = app.consumer(
            group: HouseholdStateHandler.group(instanceId: app.config.instanceId), topics: [Topics.intakeHouseholdState],
            handler: HouseholdStateHandler(logger: app.logger), store: store)
        let directory = app.instanceDirectory(
            group: IntakeOwnership.group, holder: ownership, topics: [Topics.intakeHouseholdCommand], partitions: partitions)
        ownership.attach(peers: { directory.othersClaimed(since: $0) })
        let router = try await app.securedRouter(
            table: IntakeAccess.table, areas: areas, store: store, householdArea: IntakeAccess.householdArea(store: store, areas: areas),
            directory: directory)
        IntakeRoutes(
            store: store, rules: rules, writer: writer, router: HouseholdWriteRouter(ownership: ownership, routing: OwnerRouting(directory: directory), store: store)
        ).register(on: router)
        let submissions = app.consumer(
            group: "intake-submissions", topics: [Topics.agencySubmission],
            handler: AgencySubmissionHandler(rules: rules, today: { CalendarDate(Date()) }, ownership: ownership), store: store)
        // Every instance keeps the whole access log, so that any of them answers `/v1/audit`.
        let accessLog = app.consumer(
            group: "intake-access-log-\(app.config.instanceId)", topics: [Topics.accessAudit], handler: AccessLogHandler(), store: store)
        try await app.run(store: store, consumers: [registry, owners, submissions, accessLog], routes: router)
    }
}
