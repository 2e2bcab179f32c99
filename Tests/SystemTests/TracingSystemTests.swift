import EventContracts
import Foundation
import Intake
import ServiceRuntime
import TestSupport
import Testing

/// One household followed by its trace id (issue 18): from the request that posts it to its area's report.
extension OperationsSystemTests {
    @Test func aHouseholdsTraceRunsFromTheIntakeRequestToItsReport() async throws {
        let system = try RunningSystem()
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
