import EventContracts
import GRDB
import Kafka

/// Several topics read by one consumer group, each applied by its own handler. Topics of one co-partitioning group
/// read together are assigned partition by partition to the same instance, so a household's bank events or
/// placements are applied where its referrals or offers are kept.
public struct TopicHandlers: EventHandler {
    let handlers: [(topic: String, handler: any EventHandler)]

    public init(_ handlers: [(TopicDefinition, any EventHandler)]) {
        self.handlers = handlers.map { ($0.0.name, $0.1) }
    }

    private func handler(of topic: String) throws -> any EventHandler {
        guard let found = handlers.first(where: { $0.topic == topic }) else {
            throw PoisonRecord(FieldError("topic", "\(topic) is not read by this consumer"))
        }
        return found.handler
    }

    /// The inbox is kept when any handler needs it.
    public var deduplication: Deduplication { handlers.contains { $0.handler.deduplication == .inbox } ? .inbox : .versions }

    public func deduplication(of topic: String) -> Deduplication {
        handlers.first { $0.topic == topic }?.handler.deduplication ?? .inbox
    }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try handler(of: event.message.topic).handle(event, in: db)
    }

    public func beginBatch(in db: Database) throws {
        for entry in handlers { try entry.handler.beginBatch(in: db) }
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        try handlers.flatMap { try $0.handler.finishBatch(in: db) }
    }

    public func didCommit() {
        for entry in handlers { entry.handler.didCommit() }
    }
}
