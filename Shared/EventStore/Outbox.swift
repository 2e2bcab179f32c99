import EventContracts
import Foundation
import GRDB
import Kafka

/// An event to publish: where, under which key, with which CloudEvents attributes and JSON data.
public struct OutboundEvent: Sendable {
    public var topic: String
    public var key: String
    public var attributes: CloudEventAttributes
    /// JSON bytes; `nil` publishes a tombstone.
    public var data: [UInt8]?
    /// Extra headers beyond the CloudEvents ones (dead-letter context).
    public var extraHeaders: [KafkaHeader]

    public init(topic: String, key: String, attributes: CloudEventAttributes, data: [UInt8]?, extraHeaders: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.attributes = attributes
        self.data = data
        self.extraHeaders = extraHeaders
    }

    /// This event as a step of `trace` (``TraceContext/causing(event:)``), unless it already belongs to a trace.
    public func caused(by trace: TraceContext?) -> OutboundEvent {
        guard attributes.traceparent == nil, let trace else { return self }
        var event = self
        event.attributes.traceparent = trace.causing(event: attributes.id).traceparent
        return event
    }

    /// A JSON event whose id is derived from `idParts`, so the same cause always yields the same id.
    /// - Parameter subject: `ce_subject` and `ce_partitionkey` when they are not the key (an area tally is keyed finer
    ///   than the area that places it).
    public static func json<T: Encodable>(
        topic: TopicDefinition, key: String, type: String, source: String, idParts: [String], sequence: Int64?,
        time: String, payload: T, causationId: String? = nil, personal: Bool = false, subject: String? = nil
    ) throws -> OutboundEvent {
        try json(
            topic: topic, key: key, type: type, source: source, idParts: idParts, sequence: sequence, time: time,
            encoded: EventJSON.encode(payload), causationId: causationId, personal: personal, subject: subject)
    }

    /// A service's answer to an agency's record (`source`, `id`): keyed and correlated by the record's correlation id,
    /// caused by it, with an id derived from `idPrefix` and the record's source and id, so a replay answers alike.
    public static func answer<T: Encodable>(
        on topic: TopicDefinition, by service: String, idPrefix: String, to source: String, id: String, correlationId: String, time: String,
        payload: T
    ) throws -> OutboundEvent {
        var reply = try json(
            topic: topic, key: correlationId, type: topic.eventType ?? "", source: EventSources.service(service), idParts: [idPrefix, source, id],
            sequence: nil, time: time.isEmpty ? Timestamp.now() : time, payload: payload, causationId: id, personal: topic.personal)
        reply.attributes.correlationid = correlationId
        return reply
    }

    /// The same, for a payload already encoded (when the service also stores those bytes: JSON costs more than I/O here).
    public static func json(
        topic: TopicDefinition, key: String, type: String, source: String, idParts: [String], sequence: Int64?,
        time: String, encoded: [UInt8], causationId: String? = nil, personal: Bool = false, subject: String? = nil
    ) throws -> OutboundEvent {
        OutboundEvent(
            topic: topic.name,
            key: key,
            attributes: CloudEventAttributes(
                id: DeterministicID.make(parts: idParts), source: source, type: type, time: time, subject: subject ?? key,
                sequence: sequence, dataschema: EventTypes.schema(type), causationid: causationId,
                dataclassification: personal ? "personal" : "none"),
            data: encoded)
    }

    var kafkaHeaders: [KafkaHeader] {
        attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) } + extraHeaders
    }

    /// The record as sent straight to the broker, for what does not go through an outbox (an instance's claim).
    public var message: KafkaProducerMessage {
        KafkaProducerMessage(topic: topic, key: Array(key.utf8), value: data, headers: kafkaHeaders)
    }
}

/// Appends events to the outbox inside the caller's transaction.
public enum Outbox {
    /// Appends `event`; an event whose id is already waiting is not queued twice.
    public static func append(_ event: OutboundEvent, in db: Database) throws {
        try db.run(
            """
                INSERT INTO outbox (event_id, topic, message_key, headers, payload, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(event_id) DO NOTHING
                """, [
                event.attributes.id, event.topic, Data(event.key.utf8), HeaderCoding.encode(event.kafkaHeaders),
                event.data.map { Data($0) }, Timestamp.now(),
            ])
    }
}

/// Headers stored in a BLOB column: length-prefixed name and value pairs.
enum HeaderCoding {
    /// Builds the bytes in one array sized up front and wraps them once: appending each piece to a `Data` cost
    /// about 4 µs per event in `store-bench`.
    static func encode(_ headers: [KafkaHeader]) -> Data {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headers.reduce(0) { $0 + 8 + $1.key.utf8.count + $1.value.count })
        func putLength(_ count: Int) {
            let length = UInt32(count)
            bytes.append(UInt8(truncatingIfNeeded: length >> 24))
            bytes.append(UInt8(truncatingIfNeeded: length >> 16))
            bytes.append(UInt8(truncatingIfNeeded: length >> 8))
            bytes.append(UInt8(truncatingIfNeeded: length))
        }
        for header in headers {
            putLength(header.key.utf8.count)
            bytes.append(contentsOf: header.key.utf8)
            putLength(header.value.count)
            bytes.append(contentsOf: header.value)
        }
        return Data(bytes)
    }

    static func decode(_ data: Data) -> [KafkaHeader] {
        let bytes = [UInt8](data)
        var index = 0
        func take() -> [UInt8]? {
            guard index + 4 <= bytes.count else { return nil }
            let length = Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            index += 4
            guard index + length <= bytes.count else { return nil }
            defer { index += length }
            return Array(bytes[index..<index + length])
        }
        var headers: [KafkaHeader] = []
        while let name = take(), let value = take() {
            headers.append(KafkaHeader(key: String(decoding: name, as: UTF8.self), value: value))
        }
        return headers
    }
}
