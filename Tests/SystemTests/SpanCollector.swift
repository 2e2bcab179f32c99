import Foundation
import Hummingbird
import Synchronization
import TestSupport

/// An OTLP/HTTP collector for tests: takes `POST /v1/traces` in the JSON encoding and keeps every span it is sent.
final class SpanCollector: Sendable {
    /// One span as a collector receives it; ids as lower-case hex.
    struct Received: Sendable, Hashable {
        var service: String
        var name: String
        var traceId: String
        var spanId: String
        var parentSpanId: String
        var kind: Int
    }

    let port: Int
    private let received = Mutex<[Received]>([])
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init() throws { port = try freePort() }

    /// The endpoint services send to (`OTEL_EXPORTER_OTLP_ENDPOINT`).
    var endpoint: String { "http://127.0.0.1:\(port)" }

    var spans: [Received] { received.withLock { $0 } }

    func start() async throws {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            let spans = try Self.spans(in: Data(buffer: body))
            self.received.withLock { $0 += spans }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        task.withLock { $0 = Task { try await app.run() } }
        try await waitUntil("the span collector to listen", timeout: .seconds(10), every: .milliseconds(50)) {
            (try? rawStatus(port: self.port, request: Array("GET / HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n".utf8))) != nil
        }
    }

    func stop() { task.withLock { $0?.cancel() } }

    /// The spans of an OTLP `ExportTraceServiceRequest` in JSON. swift-otel writes ids as base64 (protobuf's JSON form
    /// of bytes); the OTLP specification says hex: both are read.
    static func spans(in json: Data) throws -> [Received] {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw TestFailure("OTLP body is not an object") }
        var found: [Received] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let attributes = (resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
            let service = attributes.first { $0["key"] as? String == "service.name" }
                .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String } ?? ""
            for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    found.append(Received(
                        service: service, name: span["name"] as? String ?? "", traceId: hex(span["traceId"]), spanId: hex(span["spanId"]),
                        parentSpanId: hex(span["parentSpanId"]), kind: span["kind"] as? Int ?? 0))
                }
            }
        }
        return found
    }

    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, !text.isEmpty else { return "" }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
