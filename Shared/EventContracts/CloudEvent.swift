import Foundation

/// CloudEvents 1.0 attributes carried as Kafka headers (binary content mode); the record value is the JSON data.
///
/// `id` is deterministic (see ``DeterministicID``): `source` + `id` identifies an event across retries and
/// replays, which is what consumers de-duplicate on.
public struct CloudEventAttributes: Sendable, Hashable {
    public var id: String
    public var source: String
    public var type: String
    /// When the fact happened (RFC 3339), not when the record was produced.
    public var time: String
    /// The entity the event is about (household id or area code); the Kafka key unless the record's key is finer.
    public var subject: String
    /// What decides the record's partition (CloudEvents partitioning extension); the subject when absent.
    public var partitionKey: String?
    /// The entity's version, zero-padded to 20 digits so that it sorts as text (CloudEvents `sequence`).
    public var sequence: String?
    public var dataschema: String?
    /// The id of the event that caused this one (CloudEvents correlation extension).
    public var causationid: String?
    public var correlationid: String?
    /// `personal` when the data holds personal data (names, CCCD); `none` otherwise.
    public var dataclassification: String?
    /// W3C trace context of the request or event that caused this one (CloudEvents distributed-tracing extension).
    public var traceparent: String?

    public static let specversion = "1.0"
    public static let contentType = "application/json"

    public init(
        id: String, source: String, type: String, time: String, subject: String, sequence: Int64? = nil,
        dataschema: String? = nil, causationid: String? = nil, correlationid: String? = nil,
        dataclassification: String? = nil
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.subject = subject
        self.sequence = sequence.map(Self.sequenceString)
        self.dataschema = dataschema
        self.causationid = causationid
        self.correlationid = correlationid
        self.dataclassification = dataclassification
    }

    /// `sequence` as a number, when present.
    public var sequenceNumber: Int64? { sequence.flatMap { Int64($0) } }

    public static func sequenceString(_ value: Int64) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The Kafka headers of binary mode, in a stable order.
    public var headers: [(String, String)] {
        var result: [(String, String)] = [
            ("ce_specversion", Self.specversion),
            ("ce_id", id),
            ("ce_source", source),
            ("ce_type", type),
            ("ce_time", time),
            ("ce_subject", subject),
            ("ce_partitionkey", partitionKey ?? subject),
            ("content-type", Self.contentType),
        ]
        if let sequence { result.append(("ce_sequence", sequence)) }
        if let dataschema { result.append(("ce_dataschema", dataschema)) }
        if let causationid { result.append(("ce_causationid", causationid)) }
        if let correlationid { result.append(("ce_correlationid", correlationid)) }
        if let dataclassification { result.append(("ce_dataclassification", dataclassification)) }
        if let traceparent { result.append(("ce_traceparent", traceparent)) }
        return result
    }

    /// Reads binary-mode headers, naming the first missing or invalid one.
    public init(headers lookup: (String) -> String?) throws(FieldError) {
        func required(_ name: String) throws(FieldError) -> String {
            guard let value = lookup(name), !value.isEmpty else { throw FieldError(name, "required CloudEvents header is missing") }
            return value
        }
        let specversion = try required("ce_specversion")
        guard specversion == Self.specversion else {
            throw FieldError("ce_specversion", "unsupported CloudEvents version '\(specversion)', expected 1.0")
        }
        if let contentType = lookup("content-type"), !contentType.hasPrefix("application/json") {
            throw FieldError("content-type", "'\(contentType)' is not application/json")
        }
        self.id = try required("ce_id")
        self.source = try required("ce_source")
        self.type = try required("ce_type")
        self.time = lookup("ce_time") ?? ""
        self.subject = lookup("ce_subject") ?? lookup("ce_partitionkey") ?? ""
        let partitionKey = lookup("ce_partitionkey")
        self.partitionKey = partitionKey == subject ? nil : partitionKey
        self.sequence = lookup("ce_sequence")
        if let sequence, Int64(sequence) == nil { throw FieldError("ce_sequence", "'\(sequence)' is not a whole number") }
        self.dataschema = lookup("ce_dataschema")
        self.causationid = lookup("ce_causationid")
        // An empty header says nothing: the record is its own correlation.
        self.correlationid = lookup("ce_correlationid").flatMap { $0.isEmpty ? nil : $0 }
        self.dataclassification = lookup("ce_dataclassification")
        // Optional and never a reason to refuse the data: a malformed one is dropped (W3C: start a new trace).
        self.traceparent = lookup("ce_traceparent").flatMap { TraceContext(traceparent: $0)?.traceparent }
    }

    /// The trace this event belongs to, if it carries one.
    public var traceContext: TraceContext? { traceparent.flatMap { TraceContext(traceparent: $0) } }
}

/// JSON coding shared by every event payload and HTTP body, so that all services write the same bytes.
public enum EventJSON {
    /// Compact JSON, keys in each type's coding order (see ``StreamingJSONEncoder``).
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try StreamingJSONEncoder.encode(value)
    }

    /// Decodes with ``IndexedJSONDecoder``: Foundation's errors and acceptance, at a fraction of its cost.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try IndexedJSONDecoder.decode(type, from: bytes)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try IndexedJSONDecoder.decode(type, from: [UInt8](data))
    }

    /// A decoding error turned into a ``FieldError`` that names the JSON path and the reason.
    public static func fieldError(_ error: any Error) -> FieldError {
        guard let error = error as? DecodingError else { return FieldError("body", "\(error)") }
        func path(_ codingPath: [any CodingKey]) -> String {
            var result = ""
            for key in codingPath {
                if let index = key.intValue {
                    result += "[\(index)]"
                } else {
                    result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return result.isEmpty ? "body" : result
        }
        switch error {
        case .keyNotFound(let key, let context):
            return FieldError(path(context.codingPath + [key]), "is required")
        case .typeMismatch(let type, let context):
            return FieldError(path(context.codingPath), "must be \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return FieldError(path(context.codingPath), "must be \(jsonTypeName(type)), not null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return FieldError("body", "is not valid JSON") }
            return FieldError(path(context.codingPath), context.debugDescription)
        @unknown default:
            return FieldError("body", "\(error)")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, as used in `ce_time` and payloads.
public enum Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, formatted by hand: the outbox stamps every event, and a format style costs
    /// more than the rest of the append.
    public static func string(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds.floorDiv(1000))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var position = 0
            func put(_ value: Int, digits: Int) {
                var value = value
                for offset in stride(from: digits - 1, through: 0, by: -1) {
                    buffer[position + offset] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                position += digits
            }
            func put(_ character: Unicode.Scalar) {
                buffer[position] = UInt8(ascii: character)
                position += 1
            }
            put(Int(parts.tm_year) + 1900, digits: 4)
            put("-")
            put(Int(parts.tm_mon) + 1, digits: 2)
            put("-")
            put(Int(parts.tm_mday), digits: 2)
            put("T")
            put(Int(parts.tm_hour), digits: 2)
            put(":")
            put(Int(parts.tm_min), digits: 2)
            put(":")
            put(Int(parts.tm_sec), digits: 2)
            put(".")
            put(Int(milliseconds - milliseconds.floorDiv(1000) * 1000), digits: 3)
            put("Z")
            return position
        }
    }

    public static func now() -> String { string(Date()) }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
