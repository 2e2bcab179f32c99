import Foundation
import Logging
import Metrics
import Prometheus
import Synchronization

/// Process-wide logging and metrics, bootstrapped once per executable.
public enum Observability {
    private static let registryBox = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The Prometheus registry backing swift-metrics (created on first use).
    public static var registry: PrometheusCollectorRegistry {
        registryBox.withLock { box in
            if let box { return box }
            let registry = PrometheusCollectorRegistry()
            box = registry
            return registry
        }
    }

    /// Logs go to standard output, one line per event; metrics to the Prometheus registry.
    public static func bootstrap(service: String, level: String) {
        let logLevel = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = logLevel
            handler[metadataKey: "service"] = .string(service)
            return handler
        }
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5].map { .seconds($0) }
        // How old an event is when a consumer applies it: from milliseconds to an hour behind.
        factory.durationHistogramBuckets["giamngheo_event_age_seconds"] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600].map { .seconds($0) }
        MetricsSystem.bootstrap(factory)
    }

    /// The Prometheus text exposition of every metric.
    public static func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
