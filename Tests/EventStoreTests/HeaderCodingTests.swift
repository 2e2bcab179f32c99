import Foundation
import Kafka
import Testing

@testable import EventStore

@Suite("Outbox header coding")
struct HeaderCodingTests {
    @Test("the stored layout is a big-endian length before each name and each value")
    func layout() {
        // Rows queued by an earlier build are relayed by the next one: the layout must not change.
        let bytes = [UInt8](HeaderCoding.encode([KafkaHeader(key: "ce_id", string: "ab")]))
        #expect(bytes == [0, 0, 0, 5] + Array("ce_id".utf8) + [0, 0, 0, 2] + Array("ab".utf8))
    }

    @Test("headers come back as they were: order, repeats, empty and non-ASCII values, long values")
    func roundTrip() {
        let headers = [
            KafkaHeader(key: "ce_source", string: "/giamngheo/intake"),
            KafkaHeader(key: "empty", value: []),
            KafkaHeader(key: "dlq_error_message", string: "members[0].cccd: phải có 12 chữ số"),
            KafkaHeader(key: "empty", string: "repeated name"),
            KafkaHeader(key: "long", value: [UInt8](repeating: 0xFF, count: 70_000)),
        ]
        #expect(HeaderCoding.decode(HeaderCoding.encode(headers)) == headers)
        #expect(HeaderCoding.decode(HeaderCoding.encode([])) == [])
    }
}
