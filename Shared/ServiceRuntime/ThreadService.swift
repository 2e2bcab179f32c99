import Foundation
import ServiceLifecycle

/// Runs a blocking loop on a dedicated OS thread as a lifecycle `Service`, so librdkafka and SQLite calls
/// never block Swift's cooperative thread pool. Graceful shutdown or cancellation calls `stop`; `run()`
/// returns once the loop has finished its work and returned.
public struct ThreadService: Service {
    public let name: String
    private let body: @Sendable () throws -> Void
    private let stop: @Sendable () -> Void

    public init(name: String, body: @escaping @Sendable () throws -> Void, stop: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
        self.stop = stop
    }

    public func run() async throws {
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await runOnThread(name: name, body)
            } onGracefulShutdown: {
                stop()
            }
        } onCancel: {
            stop()
        }
    }
}

/// Runs `body` on a new OS thread and resumes when it returns.
public func runOnThread<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.name = name
        thread.start()
    }
}
