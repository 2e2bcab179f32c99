/// W3C trace context, carried on events as the CloudEvents distributed-tracing extension (`ce_traceparent`), so that an
/// operator can follow one household from the HTTP request that changed it through every event it caused.
///
/// A span id on an event is derived from its parent's and the event's id, so a replayed or re-sent event carries the
/// same header, as it carries the same `ce_id`.
public struct TraceContext: Sendable, Hashable, CustomStringConvertible {
    /// 32 lower-case hex digits, not all zero.
    public let traceId: String
    /// 16 lower-case hex digits, not all zero.
    public let spanId: String
    public let sampled: Bool
    /// Whether this is a span a collector receives (``exported()``): what it causes names it directly, rather than a
    /// span derived from it that nobody exports.
    public private(set) var isExported = false

    /// The request's or event's context while it is handled (set by the HTTP middleware; read before a store write).
    @TaskLocal public static var current: TraceContext?

    /// Reads a `traceparent` value (`00-<trace id>-<span id>-<flags>`, or a later version's first four fields); `nil`
    /// when it is malformed, which the W3C recommendation says to ignore (a new trace starts).
    public init?(traceparent: String) {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, let version = fields.first, version.count == 2, Self.isHex(version), version != "ff",
              version != "00" || fields.count == 4,
              fields[1].count == 32, Self.isHex(fields[1]), fields[1] != Substring(repeating: "0", count: 32),
              fields[2].count == 16, Self.isHex(fields[2]), fields[2] != Substring(repeating: "0", count: 16),
              fields[3].count == 2, Self.isHex(fields[3]), let flags = UInt8(fields[3], radix: 16)
        else { return nil }
        self.init(traceId: String(fields[1]), spanId: String(fields[2]), sampled: flags & 1 == 1)
    }

    init(traceId: String, spanId: String, sampled: Bool) {
        self.traceId = traceId
        self.spanId = spanId
        self.sampled = sampled
    }

    /// A new trace with random ids.
    public static func start() -> TraceContext {
        var random = SystemRandomNumberGenerator()
        return TraceContext(
            traceId: hex(random.next(), digits: 16) + hex(random.next() | 1, digits: 16), spanId: hex(random.next() | 1, digits: 16),
            sampled: true)
    }

    /// The context of a span this one causes: the same trace, a span id derived from this span and `name` (an event's id).
    public func child(_ name: String) -> TraceContext {
        let digest = DeterministicID.make("span", traceId, spanId, name).filter { $0 != "-" }
        let span = String(digest.prefix(16))
        return TraceContext(traceId: traceId, spanId: span == String(repeating: "0", count: 16) ? "0000000000000001" : span, sampled: sampled)
    }

    /// This context, as the span of an exported span.
    public func exported() -> TraceContext {
        var context = self
        context.isExported = true
        return context
    }

    /// The context an event written in this span carries: the span itself when it is exported, else a span derived from
    /// it and the event's id (the same for a re-sent event).
    public func causing(event id: String) -> TraceContext { isExported ? self : child(id) }

    /// The `traceparent` value, version 00.
    public var traceparent: String { "00-\(traceId)-\(spanId)-\(sampled ? "01" : "00")" }

    public var description: String { traceparent }

    private static func isHex(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
