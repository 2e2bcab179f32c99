import EventContracts
import Foundation
import Intake
import ServiceRuntime
import TestSupport
import Testing

/// One household followed by its trace id (issue 18): from the request that posts it to its area's report, in the events
/// and in the spans every service exports.
extension OperationsSystemTests {
    @Test func aHouseholdsTraceRunsFromTheIntakeRequestToItsReport() async throws {
        // Every service exports its spans to a collector of the test's own (OTLP/HTTP, JSON), batched every 200 ms.
        let collector = try SpanCollector()
        try await collector.start()
        defer { collector.stop() }
        let export = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "200",
        ]
        let system = try RunningSystem(environment: Dictionary(uniqueKeysWithValues: RunningSystem.allServices.map { ($0, export) }))
        defer { system.stop() }
        try await system.start()
        let traceId = "4bf92f3577b34da6a3ce929d0e0e4736"
        let sent = "00-\(traceId)-00f067aa0ba902b7-01"
        let household = try RunningSystem.demo(1, seed: 61)[0]
        let posted = try await system.intake.post("/v1/households", json: household, headers: ["traceparent": sent])
        #expect(posted.status == 201, "\(posted.text)")

        var traced: [(topic: String, traceparent: String)] = []
        try await waitUntil("the household's report to carry its trace", timeout: .seconds(90), every: .milliseconds(500)) {
            traced = try await system.published().records.compactMap { record in
                guard let value = record.header("ce_traceparent"), value.contains(traceId) else { return nil }
                return (record.topic, value)
            }
            return traced.contains { $0.topic == Topics.report.name }
        }
        let topics = Set(traced.map(\.topic))
        for topic in [Topics.household, Topics.classifiedHousehold, Topics.areaTally, Topics.report] {
            #expect(topics.contains(topic.name), "\(topic.name) carries no event of the trace: \(topics.sorted())")
        }
        // Each event is a span of its own in the caller's trace, none the caller's own span.
        let spans = traced.map { $0.traceparent.split(separator: "-")[2] }
        #expect(!spans.contains("00f067aa0ba902b7"))
        #expect(traced.allSatisfy { TraceContext(traceparent: $0.traceparent)?.traceId == traceId })

        // The collector has the trace as one tree: the intake request's span is the child of the caller's, and every
        // other span the child of one it received; each event names a span it received; every service took part.
        var received: [SpanCollector.Received] = []
        try await waitUntil("every service's spans of the trace, each parent received", timeout: .seconds(30), every: .milliseconds(300)) {
            received = collector.spans.filter { $0.traceId == traceId }
            let ids = Set(received.map(\.spanId))
            return Set(received.map(\.service)) == Set(RunningSystem.allServices)
                && received.allSatisfy { $0.parentSpanId == "00f067aa0ba902b7" || ids.contains($0.parentSpanId) }
                && traced.allSatisfy { ids.contains(String($0.traceparent.split(separator: "-")[2])) }
        }
        let roots = received.filter { $0.parentSpanId == "00f067aa0ba902b7" }
        #expect(roots.map(\.name) == ["POST /v1/households"] && roots.map(\.service) == ["intake"], "\(roots)")
        let kinds = Dictionary(grouping: received, by: \.service).mapValues { Set($0.map(\.kind)) }
        // OTLP's span kinds: 2 server, 5 consumer.
        #expect(kinds["intake"]?.contains(2) == true && kinds["eligibility"] == [5] && kinds["reporting"] == [5], "\(kinds)")
        let report = try #require(traced.last { $0.topic == Topics.report.name })
        let reportSpan = try #require(received.first { $0.spanId == report.traceparent.split(separator: "-")[2] })
        #expect(reportSpan.service == "reporting" && reportSpan.name.hasPrefix("process "), "\(reportSpan)")
        // Without a traceparent, a request starts a trace of its own, which its events carry.
        let other = try RunningSystem.demo(2, seed: 67)[1]
        #expect(try await system.intake.post("/v1/households", json: other).status == 201)
        let otherId = try #require(try RunningSystem.householdIds([other]).first)
        try await waitUntil("the second household's event", timeout: .seconds(30), every: .milliseconds(300)) {
            try await system.published().records.contains {
                $0.topic == Topics.household.name && $0.header("ce_subject") == otherId && $0.header("ce_traceparent") != nil
            }
        }
    }
}
