import EventStore
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// Exports spans with swift-otel over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set,
/// configured by the standard `OTEL_*` variables (docs/operations.md, "Tracing"); off otherwise. Only traces: metrics
/// stay on `/metrics` and logs on standard error.
enum SpanExport {
    /// Bootstraps the process's tracer when export is configured; the returned service sends the batches and flushes
    /// them at shutdown, and must run in the service group.
    static func bootstrap(service: String, instanceId: String, environment: [String: String], logger: Logger) throws -> (any Service)? {
        let endpoint = environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? ""
        guard !endpoint.isEmpty, environment["OTEL_SDK_DISABLED"]?.lowercased() != "true", environment["OTEL_TRACES_EXPORTER"] != "none" else {
            return nil
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.resourceAttributes = ["service.namespace": "giamngheo", "service.instance.id": instanceId]
        configuration.diagnosticLogger = .custom(Logger(label: logger.label, factory: { _ in HiddenSettingValues(logger.handler) }))
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        let backend = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(backend.factory)
        Spans.startExporting()
        logger.info("spans exported over OTLP/HTTP", metadata: ["endpoint": "\(endpoint.split(separator: "?").first ?? "")"])
        return backend.service
    }
}

/// swift-otel logs each `OTEL_*` variable it applies with its value; `OTEL_EXPORTER_OTLP_HEADERS` may hold the collector's
/// credentials, so its diagnostics name the variables and hide their values.
struct HiddenSettingValues: LogHandler {
    static let hidden: Set<String> = ["environment_value", "previous_value", "new_value"]
    private var base: any LogHandler

    init(_ base: any LogHandler) { self.base = base }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = Self.hide(newValue) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = Self.hidden.contains(key) && newValue != nil ? "(hidden)" : newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata.map(Self.hide)
        base.log(event: event)
    }

    static func hide(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.reduce(into: [:]) { result, entry in result[entry.key] = hidden.contains(entry.key) ? "(hidden)" : entry.value }
    }
}
