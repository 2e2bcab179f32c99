import Access
import Foundation
import Hummingbird
import ServiceRuntime
import ServiceLifecycle
import Synchronization

/// Tells every open `GET /v1/report-events` stream which area reports changed, once their batch has committed.
public final class ReportChangeFeed: Sendable {
    private let listeners = Mutex<[UUID: AsyncStream<String>.Continuation]>([:])

    public init() {}

    /// Called by the report handler after its commit: one server-sent event per area, in area-code order.
    public func reportsChanged(_ versions: [String: Int64]) {
        let messages = versions.sorted { $0.key < $1.key }.map { code, version in
            "event: report\nid: \(version)\ndata: {\"areaCode\":\"\(code)\",\"version\":\(version)}\n\n"
        }
        listeners.withLock { listeners in
            for continuation in listeners.values { for message in messages { continuation.yield(message) } }
        }
    }

    /// A new listener: its stream, and the continuation that ends it (the feed lets go of it when it ends).
    func subscribe() -> (AsyncStream<String>, AsyncStream<String>.Continuation) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1_000))
        continuation.onTermination = { [weak self] _ in self?.listeners.withLock { _ = $0.removeValue(forKey: id) } }
        listeners.withLock { $0[id] = continuation }
        return (stream, continuation)
    }

    var listenerCount: Int { listeners.withLock(\.count) }
}

/// `GET /v1/report-events`: server-sent events (`text/event-stream`), `event: report` with
/// `data: {"areaCode": …, "version": …}` each time an area's report changes, and a comment line every 15 seconds to keep
/// proxies from closing the connection. The dashboard reads it to refresh what it shows.
struct ReportEventRoutes: Sendable {
    let feed: ReportChangeFeed
    static let keepAlive: Duration = .seconds(15)

    func register(on router: SecuredRouter) {
        router.get("/v1/report-events") { _, _ in
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    let (messages, sink) = feed.subscribe()
                    let keepAlive = Task {
                        while !Task.isCancelled {
                            try await Task.sleep(for: Self.keepAlive)
                            sink.yield(": keep-alive\n\n")
                        }
                    }
                    defer {
                        keepAlive.cancel()
                        sink.finish()
                    }
                    try await writer.write(ByteBuffer(string: ": connected\n\n"))
                    // Ends when the server shuts down gracefully, so that an open stream never holds the shutdown; a
                    // client that went away ends it with the failed write.
                    try await withGracefulShutdownHandler {
                        for await message in messages { try await writer.write(ByteBuffer(string: message)) }
                    } onGracefulShutdown: {
                        sink.finish()
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
