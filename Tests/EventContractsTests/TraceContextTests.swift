import EventContracts
import Testing

/// W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header), the examples written from its text.
@Suite struct TraceContextTests {
    @Test func readsTheRecommendationsExample() throws {
        let context = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(context.traceId == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(context.spanId == "00f067aa0ba902b7")
        #expect(context.sampled)
        #expect(context.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
        // A later version may add fields; its first four are read.
        #expect(TraceContext(traceparent: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds")?.spanId == "00f067aa0ba902b7")
    }

    @Test func ignoresWhatTheRecommendationCallsInvalid() {
        for value in [
            "", "00", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff is forbidden
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // all-zero trace id
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // all-zero parent id
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  // 31 digits
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 has exactly four fields
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
        ] {
            #expect(TraceContext(traceparent: value) == nil, "\(value)")
        }
    }

    @Test func aChildStaysInTheTraceWithASpanOfItsOwnThatAReplayRepeats() throws {
        let parent = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let child = parent.child("event-1")
        #expect(child.traceId == parent.traceId && child.spanId != parent.spanId && child.sampled)
        #expect(child == parent.child("event-1"))
        #expect(child.spanId != parent.child("event-2").spanId)
        #expect(TraceContext(traceparent: child.traceparent) == child)
        let started = TraceContext.start()
        #expect(TraceContext(traceparent: started.traceparent) == started)
        #expect(started.traceId != TraceContext.start().traceId)
    }

    @Test func anEventNamesAnExportedSpanItselfAndAnUnexportedOneThroughADerivedSpan() throws {
        let span = try #require(TraceContext(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        // Not exported: a span derived from the event's id, which no collector would have.
        #expect(span.causing(event: "event-1").spanId != "00f067aa0ba902b7")
        #expect(span.causing(event: "event-1") == span.child("event-1"))
        // Exported: the event names the span that wrote it, its parent in the collector.
        #expect(span.exported().causing(event: "event-1").traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test func travelsAsTheCloudEventsExtensionAndAMalformedOneIsDropped() throws {
        var attributes = CloudEventAttributes(id: "e1", source: "/s", type: "t", time: "2026-01-01T00:00:00Z", subject: "h1")
        attributes.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let headers = Dictionary(uniqueKeysWithValues: attributes.headers)
        #expect(headers["ce_traceparent"] == attributes.traceparent)
        #expect(try CloudEventAttributes { headers[$0] }.traceContext?.spanId == "00f067aa0ba902b7")
        var bad = headers
        bad["ce_traceparent"] = "not a trace"
        #expect(try CloudEventAttributes { bad[$0] }.traceparent == nil)
    }
}
