import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import Kafka
import Logging
import Metrics
import ServiceLifecycle
import UnixSignals
import Synchronization

/// What every executable does around its own logic: configuration, logs and metrics, the store, topics,
/// consumers, the outbox relay, health endpoints, and a graceful shutdown on SIGTERM/SIGINT.
public struct ServiceApp: Sendable {
    /// The oldest librdkafka the services start with (docs/operations.md, "librdkafka").
    public static let minimumLibrdkafka = "2.10.0"

    public let config: RuntimeConfig
    public let logger: Logger
    /// Sends spans to the configured collector (``SpanExport``); `nil` when spans are not exported.
    let spanExport: (any Service)?

    /// Resolves configuration, bootstraps logging and metrics, and prints the configuration (secrets masked).
    public init(service: String, defaultPort: Int, options: CommonOptions) throws {
        config = try RuntimeConfig(service: service, defaultPort: defaultPort, options: options)
        Observability.bootstrap(service: service, level: config.logLevel)
        var logger = Logger(label: "giamngheo.\(service)")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        self.logger = logger
        let summary = config.summary.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        logger.info("configuration \(summary)")
        spanExport = try SpanExport.bootstrap(
            service: service, instanceId: config.instanceId, environment: ProcessInfo.processInfo.environment, logger: logger)
        // 2.10.0 is the first without the crash when a topic comes back with a new topic id (librdkafka#4964, #4778).
        guard librdkafkaVersion.compare(Self.minimumLibrdkafka, options: .numeric) != .orderedAscending else {
            throw KafkaError.client("librdkafka \(librdkafkaVersion) is too old (need \(Self.minimumLibrdkafka) or newer); run compose/setup")
        }
    }

    /// The area list (docs/areas.md): the operator's directory in `AREAS_DIR` when set, else the shipped data;
    /// which one is logged at start.
    public func areas() throws -> AreaRegistry {
        let (registry, source) = try AreaRegistry.configured()
        logger.info("areas", metadata: ["source": "\(source)", "communeCodes": "\(registry.communes.count)"])
        return registry
    }

    /// Opens the store and runs its migrations, before anything consumes.
    public func openStore(migrations: (inout DatabaseMigrator) -> Void) throws -> ServiceStore {
        try ServiceStore(
            path: config.storePath, inboxRetention: TimeInterval(config.inboxRetentionDays) * 86_400, migrations: migrations)
    }

    /// Creates the system's topics that do not exist yet and refuses to start when co-partitioned topics differ
    /// (``TopologySetup``); the reason is logged before the error ends the process.
    /// - Returns: each topic's partition count.
    @discardableResult
    public func ensureTopics() throws -> [String: Int] {
        do {
            return try TopologySetup.ensure(
                with: try KafkaProducer(config: config.kafka, logger: logger), partitions: config.topicPartitions, create: config.createTopics)
        } catch let error as TopologyError {
            logger.critical("\(error)")
            throw error
        }
    }

    /// For a store that has recorded nothing it published on `topics` (new, or rebuilt from empty): reads back what this
    /// service published there before, so that replaying its inputs republishes no older version (``PublishedVersions``).
    public func readBackPublished(_ store: ServiceStore, topics: [TopicDefinition]) throws {
        try PublishedVersions.bootstrap(
            store, topics: topics, source: EventSources.service(config.service), config: config.kafka, logger: logger)
    }

    /// A consumer-group member that applies `topics` with `handler` into `store`; `onRelease` is told of partitions it
    /// loses, before another member gets them (``ConsumerLoop``).
    public func consumer(
        group: String, topics: [TopicDefinition], handler: any EventHandler, store: ServiceStore,
        onRelease: (@Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void)? = nil
    ) -> ConsumerLoop {
        ConsumerLoop(
            name: group, config: config.consumerConfig(group: group), topics: topics.map(\.name),
            applier: BatchApplier(store: store, handler: handler, service: config.service), batchSize: config.consumerBatchSize,
            pastEnd: config.pastEndPolicy, recreateTopics: topicRecreator, onRelease: onRelease, logger: logger)
    }

    /// The directory of `consumer`'s group: which instance holds which of its partitions (``InstanceDirectory``);
    /// `partitions` is ``ensureTopics()``'s answer.
    public func instanceDirectory(for consumer: ConsumerLoop, topics: [TopicDefinition], partitions: [String: Int]) -> InstanceDirectory {
        instanceDirectory(group: consumer.name, holder: consumer, topics: topics, partitions: partitions)
    }

    /// The directory of consumer group `group`, whose partitions this instance holds as `holder` says.
    public func instanceDirectory(group: String, holder: any PartitionHolder, topics: [TopicDefinition], partitions: [String: Int]) -> InstanceDirectory {
        InstanceDirectory(
            service: config.service, group: group, instanceId: config.instanceId, url: config.advertisedURL, topics: topics,
            partitionCount: topics.compactMap { partitions[$0.name] }.first ?? config.topicPartitions, consumer: holder, kafka: config.kafka,
            announceEvery: config.announceInterval, unownedGrace: config.unownedPartitionGrace, logger: logger)
    }

    /// Creates the topology's missing topics again (when the service may create topics), for a consumer or the relay
    /// that found one gone.
    var topicRecreator: (@Sendable () throws -> Void)? {
        guard config.createTopics else { return nil }
        let (config, logger) = (config, logger)
        return { try TopologySetup.ensure(with: try KafkaProducer(config: config.kafka, logger: logger), partitions: config.topicPartitions, create: true) }
    }

    /// Runs the relay, the consumers and the HTTP server until SIGTERM/SIGINT, then stops them in reverse order:
    /// HTTP first, then the consumers (finishing their batch and leaving the group), then the relay (draining the outbox).
    public func run(
        store: ServiceStore, consumers: [ConsumerLoop], routes secured: SecuredRouter, extraServices: [any Service] = []
    ) async throws {
        let unregistered = secured.unregistered
        guard unregistered.isEmpty else {
            throw FieldError("accessTable", "has entries no route serves: \(unregistered.joined(separator: ", "))")
        }
        let router = secured.router
        let probe = BrokerProbe(config: config.kafka, logger: logger)
        addHealthRoutes(to: router, store: store, consumers: consumers, probe: probe, directory: secured.routing?.directory)
        let relay = OutboxRelay(store: store, config: config.kafka, recreateTopics: topicRecreator, logger: logger)
        let app = Application(
            router: router,
            server: .http1(additionalChannelHandlers: [MalformedRequestResponder()]),
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: config.service),
            logger: logger)
        var services: [any Service] = [ThreadService(name: "outbox-relay", body: { try relay.runBlocking() }, stop: { relay.stop() })]
        services += consumers.map { loop in
            ThreadService(name: "consumer-\(loop.name)", body: { try loop.runBlocking() }, stop: { loop.stop() })
        }
        if let directory = secured.routing?.directory {
            services.append(ThreadService(name: "instance-directory", body: { try directory.runBlocking() }, stop: { directory.stop() }))
        }
        services += extraServices
        services.append(app)
        // First in, last out: the spans of the shutdown itself are flushed.
        if let spanExport { services.insert(spanExport, at: 0) }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        logger.info("listening", metadata: ["url": "http://\(config.httpHost):\(config.httpPort)"])
        try await group.run()
        logger.info("stopped")
    }

    /// The service's router: every request's bearer token verified against the configured issuer
    /// (``AuthenticationSettings``), and routes registered through `table` (``SecuredRouter``).
    /// - Parameter directory: the household consumer's directory, when the household routes may be answered by another
    ///   instance (``OwnerRouting``).
    public func securedRouter(
        table: AccessTable, areas: AreaRegistry, store: ServiceStore, householdArea: HouseholdAreaLookup? = nil,
        directory: InstanceDirectory? = nil
    ) async throws -> SecuredRouter {
        let settings = try AuthenticationSettings()
        let verifier = try await settings.verifier()
        logger.info("authentication", metadata: ["issuer": "\(settings.issuer)", "audience": "\(settings.audience)", "keys": "\(settings.keySource)"])
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: HTTPMetricsMiddleware())
        router.add(middleware: CallerMiddleware(verifier: verifier, auditor: AccessAuditor(store: store, service: config.service)))
        return SecuredRouter(
            router: router, table: table, areas: areas, householdArea: householdArea, limiter: try WriteRateLimiter.configured(),
            routing: directory.map { OwnerRouting(directory: $0) })
    }

    private func addHealthRoutes(
        to router: Router<ServiceRequestContext>, store: ServiceStore, consumers: [ConsumerLoop], probe: BrokerProbe, directory: InstanceDirectory?
    ) {
        router.get("/healthz") { _, _ in JSONResponse.make(.ok, ["status": "alive"]) }
        router.get("/readyz") { _, _ in
            var problems: [String] = []
            do {
                _ = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
            } catch {
                problems.append("store: \(error)")
            }
            if let brokerProblem = await probe.check() { problems.append("broker: \(brokerProblem)") }
            for loop in consumers {
                if let failure = loop.failure {
                    problems.append("consumer \(loop.name) failed: \(failure)")
                } else if loop.assignment.isEmpty {
                    problems.append("consumer \(loop.name): no partitions assigned")
                }
                problems += loop.problems.map { "consumer \(loop.name): \($0)" }
            }
            if let directory, case let unowned = directory.unownedTooLong, !unowned.isEmpty {
                problems.append(
                    "consumer \(directory.group): partitions \(unowned.map(String.init).joined(separator: ", ")) held by no live instance for over "
                        + "\(Int(directory.unownedGrace)) s (UNOWNED_PARTITION_GRACE_S); start an instance or check the group")
            }
            return JSONResponse.make(
                problems.isEmpty ? .ok : .serviceUnavailable,
                ReadinessBody(ready: problems.isEmpty, problems: problems,
                              partitions: consumers.flatMap { $0.assignment.map(\.description) }.sorted()))
        }
        let backlogGauges = (depth: Gauge(label: "giamngheo_outbox_depth"), age: Gauge(label: "giamngheo_outbox_oldest_age_seconds"))
        router.get("/metrics") { _, _ -> Response in
            // Read from the store at each scrape: true while the relay is stuck sending to a paused broker.
            if let backlog = try? store.outboxBacklog() {
                backlogGauges.depth.record(backlog.depth)
                backlogGauges.age.record(OutboxAge.seconds(since: backlog.oldestQueuedAt, now: Date()))
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: Observability.exposition())))
        }
    }
}

struct ReadinessBody: Codable, Sendable {
    var ready: Bool
    var problems: [String]
    var partitions: [String]
}

/// Checks that the broker answers a metadata request, on its own client handle and thread, cached for a second.
final class BrokerProbe: Sendable {
    private let config: KafkaConfig
    private let logger: Logger
    private let state = Mutex<(producer: KafkaProducer?, checkedAt: Date, problem: String?)>((nil, .distantPast, nil))

    init(config: KafkaConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// `nil` when the broker answered, otherwise why not (the answer is reused for a second).
    func check() async -> String? {
        if let cached = state.withLock({ Date().timeIntervalSince($0.checkedAt) < 1 ? Optional($0.problem) : nil }) {
            return cached
        }
        let result: String?
        do {
            result = try await runOnThread(name: "broker-probe") { [self] () -> String? in
                do {
                    let producer = try state.withLock { s in
                        if let p = s.producer { return p }
                        let p = try KafkaProducer(config: config, logger: logger)
                        s.producer = p
                        return p
                    }
                    _ = try producer.partitionCounts(timeoutMs: 2_000)
                    return nil
                } catch {
                    return "\(error)"
                }
            }
        } catch {
            result = "\(error)"
        }
        state.withLock {
            $0.checkedAt = Date()
            $0.problem = result
        }
        return result
    }
}
