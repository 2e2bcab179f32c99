import EventContracts
import Foundation
import GRDB
import Kafka
import Tracing
import Logging

/// A record as a handler sees it: its CloudEvents attributes and its JSON data (`nil` for a tombstone).
public struct InboundEvent: Sendable {
    public var message: KafkaConsumerMessage
    public var attributes: CloudEventAttributes
    public var data: [UInt8]?

    /// Decodes the data as `T`, or throws a ``PoisonRecord`` that names the bad field.
    public func decode<T: Decodable>(_ type: T.Type) throws(PoisonRecord) -> T {
        guard let data else { throw PoisonRecord(FieldError("value", "is empty (tombstone) where \(T.self) was expected")) }
        do {
            return try EventJSON.decode(type, from: data)
        } catch {
            throw PoisonRecord(EventJSON.fieldError(error))
        }
    }
}

/// A record that can never be applied (undecodable, schema-invalid, failing domain validation).
/// It goes to the service's dead-letter topic and the partition moves on.
public struct PoisonRecord: Error, Sendable, CustomStringConvertible {
    public var errors: [FieldError]

    public init(_ error: FieldError) { self.errors = [error] }
    public init(_ errors: [FieldError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}

/// How a handler makes a redelivered or re-sent event a no-op.
public enum Deduplication: Sendable {
    /// Its state carries the versions of what it applied, and an upsert guarded by them ignores what is not newer:
    /// enough on its own, so no inbox row is written per record.
    case versions
    /// The inbox remembers each applied event by (`ce_time`, `ce_source`, `ce_id`): for inputs without versions (agency
    /// submissions), where it is the only protection.
    case inbox
}

/// A service's reaction to one inbound event, run inside the batch's transaction.
public protocol EventHandler: Sendable {
    /// How this handler's input is de-duplicated (the inbox unless it says its state is version-guarded).
    var deduplication: Deduplication { get }

    /// How a record of `topic` is de-duplicated (``TopicHandlers`` reads topics of both kinds).
    func deduplication(of topic: String) -> Deduplication

    /// Applies `event` to the store and returns the events it causes (appended to the outbox in the same transaction).
    /// Throw ``PoisonRecord`` for input that can never be applied; any other error rolls the whole batch back
    /// and the batch is retried.
    func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent]

    /// Runs once at the start of each batch (and of each retry of it), in its transaction.
    func beginBatch(in db: Database) throws

    /// Runs once at the end of each batch, in its transaction: for work that is cheaper once per batch
    /// than once per record (a report per changed area rather than per household).
    func finishBatch(in db: Database) throws -> [OutboundEvent]

    /// Runs after a batch's transaction committed, outside it: for telling readers of the store what changed.
    func didCommit()
}

extension EventHandler {
    public var deduplication: Deduplication { .inbox }
    public func deduplication(of topic: String) -> Deduplication { deduplication }
    public func beginBatch(in db: Database) throws {}
    public func finishBatch(in db: Database) throws -> [OutboundEvent] { [] }
    public func didCommit() {}
}

/// What one batch did.
public struct BatchOutcome: Sendable {
    public var applied = 0
    public var duplicates = 0
    public var deadLettered = 0
    public var emitted = 0
    public var nextOffsets: [TopicPartition: Int64] = [:]
}

/// Applies a batch of records in one transaction: de-duplication (inbox), state change and emitted events
/// (outbox), dead letters for poison records, and the consumed offsets. Either all of it commits or none.
public struct BatchApplier: Sendable {
    public let store: ServiceStore
    public let handler: any EventHandler
    /// The service's name, used for its dead-letter topic and DLQ headers.
    public let service: String

    public init(store: ServiceStore, handler: any EventHandler, service: String) {
        self.store = store
        self.handler = handler
        self.service = service
    }

    /// Why a record does not belong on its topic, if it does not: no service applies a record on a topic the system
    /// writes unless one of its producers wrote it, nor one whose type its topic does not carry (a household typed as
    /// a classification).
    static func misplaced(_ attributes: CloudEventAttributes, on topic: String) -> FieldError? {
        if let allowed = Topics.producerSources(of: topic), !allowed.contains(attributes.source) {
            return FieldError("ce_source", "'\(attributes.source)' does not write \(topic); only \(allowed.sorted().joined(separator: ", ")) does")
        }
        if let types = Topics.eventTypes(of: topic), !types.contains(attributes.type) {
            return FieldError("ce_type", "'\(attributes.type.prefix(120))' is not a type \(topic) carries (\(types.sorted().joined(separator: ", ")))")
        }
        return nil
    }

    public func apply(_ batch: [KafkaConsumerMessage]) throws -> BatchOutcome {
        guard !batch.isEmpty else { return BatchOutcome() }
        let outcome = try store.pool.write { db in
            var outcome = BatchOutcome()
            let now = Timestamp.now()
            var lastTrace: TraceContext?
            if handler.deduplication == .inbox { try store.pruneInbox(in: db) }
            try handler.beginBatch(in: db)
            for message in batch {
                outcome.nextOffsets[message.topicPartition] = message.offset + 1
                let attributes: CloudEventAttributes
                do {
                    attributes = try CloudEventAttributes { message.header($0) }
                } catch {
                    try deadLetter(message, PoisonRecord(error as? FieldError ?? FieldError("headers", "\(error)")), in: db)
                    outcome.deadLettered += 1
                    continue
                }
                if let misplaced = Self.misplaced(attributes, on: message.topic) {
                    try deadLetter(message, PoisonRecord(misplaced), in: db)
                    outcome.deadLettered += 1
                    continue
                }
                let inbox = handler.deduplication(of: message.topic) == .inbox
                if inbox {
                    try db.run(
                        "INSERT INTO inbox (event_time, source, id, received_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                        [attributes.time, attributes.source, attributes.id, now])
                    guard db.changesCount > 0 else {
                        outcome.duplicates += 1
                        continue
                    }
                }
                let event = InboundEvent(message: message, attributes: attributes, data: message.value)
                let span = Spans.start(
                    "process \(message.topic)", kind: .consumer, parent: attributes.traceContext,
                    attributes: [
                        "messaging.system": "kafka", "messaging.operation.type": "process", "messaging.destination.name": message.topic,
                        "messaging.destination.partition.id": "\(message.partition)", "messaging.message.id": attributes.id,
                        "cloudevents.event_type": attributes.type
                    ])
                span?.set("messaging.kafka.offset", Int(message.offset))
                // What the record causes names the span applying it (or, without export, the record's own trace).
                let trace = span.map(\.context) ?? attributes.traceContext
                do {
                    let emitted = try TraceContext.$current.withValue(trace) { try db.withSavepoint { try handler.handle(event, in: db) } }
                    span?.end()
                    if trace != nil { lastTrace = trace }
                    for out in emitted { try Outbox.append(out.caused(by: trace), in: db) }
                    outcome.emitted += emitted.count
                    outcome.applied += 1
                } catch let poison as PoisonRecord {
                    span?.end(failed: true)
                    // Forget the id, so the sender can re-publish a corrected event under the same id.
                    if inbox {
                        try db.run(
                            "DELETE FROM inbox WHERE event_time = ? AND source = ? AND id = ?", [attributes.time, attributes.source, attributes.id])
                    }
                    try deadLetter(message, poison, in: db)
                    outcome.deadLettered += 1
                } catch {
                    span?.end(failed: true)
                    throw error
                }
            }
            // A batch's closing events (reports, tallies) follow the last traced event that went into them.
            let closing = try handler.finishBatch(in: db)
            for out in closing { try Outbox.append(out.caused(by: lastTrace), in: db) }
            outcome.emitted += closing.count
            for (tp, next) in outcome.nextOffsets {
                try db.run(
                    """
                        INSERT INTO consumer_offset (topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at
                        """, [tp.topic, tp.partition, next, now])
            }
            return outcome
        }
        if outcome.emitted > 0 || outcome.deadLettered > 0 { store.outboxChanged() }
        handler.didCommit()
        return outcome
    }

    /// Queues the original key, value and headers on the dead-letter topic with the reason beside them.
    private func deadLetter(_ message: KafkaConsumerMessage, _ poison: PoisonRecord, in db: Database) throws {
        let id = DeterministicID.make("dlq", service, message.topic, String(message.partition), String(message.offset))
        let context: [KafkaHeader] = [
            KafkaHeader(key: "dlq_topic", string: message.topic),
            KafkaHeader(key: "dlq_partition", string: String(message.partition)),
            KafkaHeader(key: "dlq_offset", string: String(message.offset)),
            KafkaHeader(key: "dlq_consumer", string: service),
            KafkaHeader(key: "dlq_error_field", string: poison.errors.first?.field ?? ""),
            KafkaHeader(key: "dlq_error_message", string: poison.description),
            KafkaHeader(key: "dlq_failed_at", string: Timestamp.now()),
        ]
        // The original headers go first, unchanged, so the record can be re-published as it was.
        let headers = message.headers + context
        try db.run(
            """
                INSERT INTO outbox (event_id, topic, message_key, headers, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING
                """, [
                id, Topics.deadLetter(service).name, message.key.map { Data($0) }, HeaderCoding.encode(headers),
                message.value.map { Data($0) }, Timestamp.now(),
            ])
    }
}
