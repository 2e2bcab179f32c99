import EventContracts
import Synchronization
import Tracing

/// Spans sent to a collector, when the process exports them (``ServiceApp`` bootstraps swift-otel's tracer when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` is set, docs/operations.md "Tracing"). Without export nothing is recorded and a trace
/// lives in the events' `ce_traceparent` alone.
///
/// An exported span is the parent of what it causes: the events written while it runs name it in their `traceparent`
/// (``OutboundEvent/caused(by:)``), so a consumer's span of an event is the child of the span that wrote the event, and
/// a collector shows one tree from the intake request to the report.
public enum Spans {
    private static let exportingNow = Atomic<Bool>(false)

    /// Whether a tracer that exports was bootstrapped in this process.
    public static var exporting: Bool { exportingNow.load(ordering: .relaxed) }

    /// Called once the process's tracer exports (after `InstrumentationSystem.bootstrap`).
    public static func startExporting() { exportingNow.store(true, ordering: .relaxed) }

    /// Starts a span `name` of `kind`, the child of `parent` (a new trace's root when `nil`); `nil` when spans are not
    /// exported. The caller ends it.
    ///
    /// The name and attributes are only made when spans are exported: a consumer starts one per record.
    public static func start(
        _ name: @autoclosure () -> String, kind: SpanKind, parent: TraceContext?, attributes: @autoclosure () -> [String: String] = [:]
    ) -> ExportedSpan? {
        guard exporting else { return nil }
        let tracer = InstrumentationSystem.tracer
        var context = ServiceContext.topLevel
        if let parent { tracer.extract(["traceparent": parent.traceparent], into: &context, using: TraceparentCarrier()) }
        let span: any Span = tracer.startSpan(name(), context: context, ofKind: kind)
        for (key, value) in attributes() { span.attributes[key] = value }
        var carrier: [String: String] = [:]
        tracer.inject(span.context, into: &carrier, using: TraceparentCarrier())
        guard let own = carrier["traceparent"].flatMap(TraceContext.init(traceparent:)) else {
            // A sampler that dropped the span leaves no context to name: what it causes stays in the parent's trace.
            return ExportedSpan(span: span, context: parent)
        }
        return ExportedSpan(span: span, context: own.exported())
    }
}

/// A span being recorded, and the trace context it gives what it causes.
public struct ExportedSpan: Sendable {
    let span: any Span
    /// The span's own context (or its parent's, when the sampler dropped it).
    public let context: TraceContext?

    public func set(_ key: String, _ value: Int) { span.attributes[key] = value }

    /// Ends the span; `failed` marks it an error (a 5xx answer, a dead-lettered record). The error's text is not
    /// recorded: it may quote what a person entered.
    public func end(failed: Bool = false) {
        if failed { span.setStatus(SpanStatus(code: .error)) }
        span.end()
    }
}

/// Carries `traceparent` between our ``TraceContext`` and the tracer's propagator.
struct TraceparentCarrier: Extractor, Injector {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
