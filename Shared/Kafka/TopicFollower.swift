import Foundation
import Logging
import Synchronization

/// Follows topics from their beginning on a dedicated thread and hands every record to `onMessage`.
///
/// For tools and tests that watch what the services publish (a dashboard feed, a benchmark's clock);
/// it joins a fresh group so it never disturbs the services' own groups.
public final class TopicFollower: Sendable {
    private final class State: Sendable {
        let stopping = Mutex(false)
        let error = Mutex<KafkaError?>(nil)
    }
    private let state = State()

    /// - Parameter groupPrefix: the fresh group's name before its UUID (a service's own name, where the broker's ACLs
    ///   let a service join only groups named after it).
    public init(
        config: KafkaConfig, topics: [String], groupPrefix: String = "follower", logger: Logger,
        onMessage: @escaping @Sendable (KafkaConsumerMessage) -> Void
    ) {
        let group = "\(groupPrefix)-\(UUID().uuidString)"
        let consumerConfig = config.merging([
            "group.id": group, "auto.offset.reset": "earliest", "enable.auto.commit": "false", "session.timeout.ms": "6000",
        ])
        let state = self.state
        let thread = Thread {
            do {
                let consumer = try KafkaConsumer(config: consumerConfig, topics: topics, startOffsets: { _ in [:] }, logger: logger)
                while !state.stopping.withLock({ $0 }) {
                    for message in try consumer.poll(maxMessages: 1_000, timeoutMs: 50) { onMessage(message) }
                }
                consumer.close()
            } catch {
                state.error.withLock { $0 = error as? KafkaError }
            }
        }
        thread.name = "topic-follower"
        thread.start()
    }

    /// Stops following (the consumer leaves its group on its own thread).
    public func stop() { state.stopping.withLock { $0 = true } }

    /// The error that ended the follower, if any.
    public var error: KafkaError? { state.error.withLock { $0 } }
}
