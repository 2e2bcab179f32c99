import ArgumentParser
import EventStore
import Foundation
import Kafka

/// Options every executable takes, each with an environment fallback, so operators can use either.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(help: "Kafka bootstrap servers (env KAFKA_BROKERS).")
    public var kafkaBrokers: String?

    @Option(help: "Folder for this service's SQLite store (env GIAMNGHEO_DATA_DIR).")
    public var dataDir: String?

    @Option(help: "HTTP port (env HTTP_PORT).")
    public var httpPort: Int?

    @Option(help: "HTTP bind address (env HTTP_HOST).")
    public var httpHost: String?

    @Option(help: "Instance id: names the store file and the static group membership (env INSTANCE_ID).")
    public var instanceId: String?

    @Option(help: "Partitions per topic when this service creates topics (env TOPIC_PARTITIONS).")
    public var topicPartitions: Int?

    @Option(
        name: .customLong("kafka-property"),
        help: "A librdkafka property as name=value, repeatable (also env KAFKA_PROPERTY_<NAME>, dots as underscores).")
    public var kafkaProperties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env LOG_LEVEL).")
    public var logLevel: String?

    @Option(help: "Days an applied event's id is kept in the inbox to drop its duplicates (env INBOX_RETENTION_DAYS, default 30).")
    public var inboxRetentionDays: Int?

    @Option(help: "Records a consumer applies in one transaction at most (env CONSUMER_BATCH_SIZE, default 1000).")
    public var consumerBatchSize: Int?

    public init() {}
}

/// The resolved configuration of one service process.
public struct RuntimeConfig: Sendable {
    public var service: String
    public var brokers: String
    public var dataDir: String
    public var httpHost: String
    public var httpPort: Int
    public var instanceId: String
    public var topicPartitions: Int
    /// librdkafka properties shared by every client of the process (security settings included).
    public var kafka: KafkaConfig
    public var logLevel: String
    /// How long the inbox remembers an applied event (``ServiceStore``'s pruning).
    public var inboxRetentionDays: Int
    /// Records a consumer applies in one transaction at most.
    public var consumerBatchSize: Int
    /// Whether the service may create the topology's missing topics, at start and when one disappears (`CREATE_TOPICS`;
    /// off where a platform team provisions topics and the service's principal has no `CREATE`).
    public var createTopics: Bool
    /// What a consumer does when its store's position lies past a partition's end (`OFFSETS_PAST_END`).
    public var pastEndPolicy: PastEndPolicy
    /// Whether consumers join their groups as static members (`group.instance.id`; `STATIC_MEMBERSHIP`, default false:
    /// the local broker keeps a static group's first assignment for good, docs/operations.md "Consumer groups").
    public var staticMembership: Bool
    /// Where other instances reach this one's HTTP API (`ADVERTISED_URL`; default: the bind address and port, with the
    /// host name for `0.0.0.0`).
    public var advertisedURL: String
    /// How often an instance announces which partitions it holds (`INSTANCE_ANNOUNCE_MS`, default 2000); a claim not
    /// repeated for three times this long is no longer believed.
    public var announceInterval: Duration
    /// How long a partition may have no live owner before readiness fails (`UNOWNED_PARTITION_GRACE_S`, default 30).
    public var unownedPartitionGrace: TimeInterval

    /// Resolves flags, then environment, then defaults.
    public init(service: String, defaultPort: Int, options: CommonOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.service = service
        brokers = options.kafkaBrokers ?? environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        dataDir = options.dataDir ?? environment["GIAMNGHEO_DATA_DIR"] ?? ".data"
        httpHost = options.httpHost ?? environment["HTTP_HOST"] ?? "127.0.0.1"
        httpPort = try options.httpPort ?? environment["HTTP_PORT"].map { value in
            guard let port = Int(value), (0...65_535).contains(port) else {
                throw ValidationError("HTTP_PORT '\(value)' is not a port number")
            }
            return port
        } ?? defaultPort
        instanceId = options.instanceId ?? environment["INSTANCE_ID"] ?? "\(service)-1"
        topicPartitions = options.topicPartitions ?? environment["TOPIC_PARTITIONS"].flatMap { Int($0) } ?? 6
        logLevel = options.logLevel ?? environment["LOG_LEVEL"] ?? "info"
        let retention = options.inboxRetentionDays.map(String.init) ?? environment["INBOX_RETENTION_DAYS"]
            ?? String(ServiceStore.defaultInboxRetentionDays)
        guard let days = Int(retention), days >= 1 else {
            throw ValidationError("INBOX_RETENTION_DAYS '\(retention)' must be a whole number of days, at least 1")
        }
        inboxRetentionDays = days
        let batch = options.consumerBatchSize.map(String.init) ?? environment["CONSUMER_BATCH_SIZE"] ?? "1000"
        guard let batchSize = Int(batch), (1...100_000).contains(batchSize) else {
            throw ValidationError("CONSUMER_BATCH_SIZE '\(batch)' must be a whole number from 1 to 100000")
        }
        consumerBatchSize = batchSize
        let create = environment["CREATE_TOPICS"] ?? "true"
        guard let createFlag = Bool(create) else { throw ValidationError("CREATE_TOPICS '\(create)' must be true or false") }
        createTopics = createFlag
        let policy = environment["OFFSETS_PAST_END"] ?? PastEndPolicy.stop.rawValue
        guard let pastEnd = PastEndPolicy(rawValue: policy) else {
            throw ValidationError("OFFSETS_PAST_END '\(policy)' must be one of: \(PastEndPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        pastEndPolicy = pastEnd
        let membership = environment["STATIC_MEMBERSHIP"] ?? "false"
        guard let isStatic = Bool(membership) else { throw ValidationError("STATIC_MEMBERSHIP '\(membership)' must be true or false") }
        staticMembership = isStatic
        let host = httpHost == "0.0.0.0" || httpHost == "::" ? ProcessInfo.processInfo.hostName : httpHost
        let advertised = environment["ADVERTISED_URL"] ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(httpPort)"
        guard let url = URL(string: advertised), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ValidationError("ADVERTISED_URL '\(advertised)' must be an http or https URL with a host")
        }
        advertisedURL = advertised.hasSuffix("/") ? String(advertised.dropLast()) : advertised
        let announce = environment["INSTANCE_ANNOUNCE_MS"] ?? "2000"
        guard let announceMs = Int(announce), (100...60_000).contains(announceMs) else {
            throw ValidationError("INSTANCE_ANNOUNCE_MS '\(announce)' must be a whole number of milliseconds from 100 to 60000")
        }
        announceInterval = .milliseconds(announceMs)
        let grace = environment["UNOWNED_PARTITION_GRACE_S"] ?? "30"
        guard let graceSeconds = Int(grace), (1...3_600).contains(graceSeconds) else {
            throw ValidationError("UNOWNED_PARTITION_GRACE_S '\(grace)' must be a whole number of seconds from 1 to 3600")
        }
        unownedPartitionGrace = TimeInterval(graceSeconds)
        var properties: [String: String] = [
            "bootstrap.servers": brokers,
            "client.id": "\(service)-\(instanceId)",
            "allow.auto.create.topics": "false",
            "client.software.name": "giamngheo",
            "client.software.version": "0.1.0-librdkafka-\(librdkafkaVersion)",
        ]
        properties.merge(Self.kafkaProperties(from: environment)) { _, new in new }
        for entry in options.kafkaProperties {
            guard let equals = entry.firstIndex(of: "=") else {
                throw ValidationError("--kafka-property '\(entry)' must be name=value")
            }
            properties[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        kafka = KafkaConfig(properties)
    }

    /// librdkafka properties given as `KAFKA_PROPERTY_<NAME>` variables (dots written as underscores), such as
    /// `KAFKA_PROPERTY_SECURITY_PROTOCOL=SASL_SSL`; shared by the services and the admin tool.
    public static func kafkaProperties(from environment: [String: String]) -> [String: String] {
        environment.reduce(into: [:]) { result, entry in
            guard entry.key.hasPrefix("KAFKA_PROPERTY_") else { return }
            result[entry.key.dropFirst("KAFKA_PROPERTY_".count).lowercased().replacingOccurrences(of: "_", with: ".")] = entry.value
        }
    }

    /// Path of the service's SQLite store.
    public var storePath: String { "\(dataDir)/\(instanceId).sqlite" }

    /// Consumer settings for a group (static membership when configured: it keeps partitions through a quick restart on
    /// Apache Kafka). Every start position
    /// comes from the store, so `auto.offset.reset` only acts when the broker says a position is outside the log:
    /// `error` reports it to the loop, which applies ``pastEndPolicy``, rather than letting librdkafka jump silently.
    public func consumerConfig(group: String) -> KafkaConfig {
        var settings = ["group.id": group, "auto.offset.reset": "error"]
        if staticMembership { settings["group.instance.id"] = "\(instanceId)-\(group)" }
        return kafka.merging(settings)
    }

    /// What the process prints at start: everything but secrets.
    public var summary: [String: String] {
        var result = kafka.redacted.reduce(into: [String: String]()) { $0["kafka.\($1.key)"] = $1.value }
        result["service"] = service
        result["dataDir"] = dataDir
        result["store"] = storePath
        result["http"] = "\(httpHost):\(httpPort)"
        result["instanceId"] = instanceId
        result["topicPartitions"] = String(topicPartitions)
        result["inboxRetentionDays"] = String(inboxRetentionDays)
        result["consumerBatchSize"] = String(consumerBatchSize)
        result["createTopics"] = String(createTopics)
        result["offsetsPastEnd"] = pastEndPolicy.rawValue
        result["advertisedURL"] = advertisedURL
        result["librdkafka"] = librdkafkaVersion
        return result
    }
}
