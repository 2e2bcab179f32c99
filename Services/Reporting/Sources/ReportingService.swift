import Areas
import Foundation
import EventContracts
import EventStore
import Hummingbird
import ServiceRuntime

/// Aggregates household results per commune and province, publishes area reports and serves the dashboard.
public enum ReportingService {
    public static let name = "reporting"
    public static let defaultPort = 8085

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: ReportingStore.migrations)
        let partitions = try app.ensureTopics()
        try app.readBackPublished(store, topics: Topics.readBack[name] ?? [])
        let households = app.consumer(
            group: "reporting-households", topics: [Topics.classifiedHousehold], handler: ClassTallyHandler(), store: store)
        let registry = try app.areas()
        let statistics = AgencySources.statistics(prefix: ProcessInfo.processInfo.environment["STATISTICS_SOURCE_PREFIX"])
        let figures = app.consumer(
            group: "reporting-figures", topics: [Topics.areaFigure], handler: AreaFigureHandler(areas: registry, sources: statistics), store: store)
        let feed = ReportChangeFeed()
        let areas = app.consumer(
            group: "reporting-areas", topics: [Topics.areaTally], handler: AreaReportHandler(areas: registry, onChange: feed.reportsChanged),
            store: store)
        let replica = app.consumer(
            group: ReportReplicaHandler.group(instanceId: app.config.instanceId), topics: [Topics.report],
            handler: ReportReplicaHandler(onChange: feed.reportsChanged), store: store)
        // Who holds which areas' tallies (readiness, groupings' sums) and which areas' figures (their routes).
        let areaDirectory = app.instanceDirectory(for: areas, topics: [Topics.areaTally], partitions: partitions)
        let figureDirectory = app.instanceDirectory(for: figures, topics: [Topics.areaFigure], partitions: partitions)
        let router = try await app.securedRouter(table: ReportingAccess.table, areas: registry, store: store, directory: areaDirectory)
        let reports = AreaReports(store: store, gather: router.routing.map { PartitionGather(routing: $0) })
        let groupingRules = GroupingRules(areas: registry)
        let groupings = app.consumer(
            group: GroupingReplicaHandler.group(instanceId: app.config.instanceId), topics: [Topics.grouping],
            handler: GroupingReplicaHandler(rules: groupingRules), store: store)
        ReportingRoutes(store: store, reports: reports).register(on: router)
        FormRoutes(store: store, reports: reports).register(on: router)
        GroupingRoutes(store: store, rules: groupingRules).register(on: router)
        ReportEventRoutes(feed: feed).register(on: router)
        try DashboardRoutes().register(on: router)
        AreaFigureRoutes(store: store, sources: statistics, areas: registry, routing: OwnerRouting(directory: figureDirectory)).register(on: router)
        try await app.run(
            store: store, consumers: [households, figures, areas, replica, groupings], routes: router,
            extraServices: [ThreadService(name: "figure-directory", body: { try figureDirectory.runBlocking() }, stop: { figureDirectory.stop() })])
    }
}
