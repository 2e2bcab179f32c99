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
        configuration.diagnosticLogger = .custom(logger)
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
