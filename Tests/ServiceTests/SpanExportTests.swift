import Logging
@testable import ServiceRuntime
import Synchronization
import Testing

/// Span export's configuration (docs/operations.md, "Tracing").
struct SpanExportTests {
    @Test func withoutAnEndpointNothingIsExported() throws {
        for environment in [[:], ["OTEL_EXPORTER_OTLP_ENDPOINT": ""], ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"]] {
            #expect(try SpanExport.bootstrap(service: "eligibility", instanceId: "eligibility-1", environment: environment, logger: Logger(label: "t")) == nil)
        }
    }

    /// swift-otel logs each variable it applies, value included; the collector's headers may carry its credentials.
    @Test func theDiagnosticsNameTheSettingsAndHideTheirValues() {
        let sink = Sink()
        var logger = Logger(label: "t", factory: { _ in HiddenSettingValues(Capturing(sink: sink)) })
        logger[metadataKey: "environment_key"] = "OTEL_EXPORTER_OTLP_HEADERS"
        logger[metadataKey: "environment_value"] = "authorization=Bearer s3cret"
        logger.info("Configuration updated from environment", metadata: ["new_value": "[authorization: Bearer s3cret]", "previous_value": "[]"])
        let logged = sink.lines.withLock { $0 }
        #expect(logged.count == 1)
        #expect(logged.first?["environment_key"] == "OTEL_EXPORTER_OTLP_HEADERS")
        #expect(!logged.description.contains("s3cret"), "\(logged)")
    }
}

private final class Sink: Sendable {
    let lines = Mutex<[Logger.Metadata]>([])
}

/// Keeps each logged line's metadata (the handler's and the line's).
private struct Capturing: LogHandler {
    let sink: Sink
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        sink.lines.withLock { $0.append(merged) }
    }
}
