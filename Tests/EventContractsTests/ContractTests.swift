@testable import EventContracts
import Foundation
import Testing

@Suite struct DeterministicIDTests {
    @Test func sha1MatchesKnownDigests() {
        func hex(_ s: String) -> String { SHA1.hash(Array(s.utf8)).map { String(format: "%02x", $0) }.joined() }
        #expect(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(hex(String(repeating: "a", count: 1_000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func uuidV5MatchesRFCExample() {
        let dns: [UInt8] = [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]
        #expect(DeterministicID.format(DeterministicID.uuidBytes(name: "python.org", namespace: dns)) == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    @Test func sameCauseSameIdDifferentCauseDifferentId() {
        #expect(DeterministicID.make("household", "h1", "1") == DeterministicID.make("household", "h1", "1"))
        #expect(DeterministicID.make("household", "h1", "1") != DeterministicID.make("household", "h1", "2"))
    }
}

@Suite struct TimestampTests {
    /// The hand-written formatter must agree with Foundation's RFC 3339 style, including before 1970 and at leap days.
    /// Each instant lies half a millisecond into its millisecond, so floating-point error cannot tip either side.
    @Test(arguments: [0.0005, 1.5005, 1_795_000_000.1235, 1_795_000_000.9995, 951_782_400.0075, -86_400.2495, 4_102_444_799.9995])
    func matchesFoundationsFormat(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(Timestamp.string(date) == Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
    }
}

@Suite struct CloudEventTests {
    @Test func headersRoundTrip() throws {
        let attributes = CloudEventAttributes(
            id: "id-1", source: "/giamngheo/intake", type: EventTypes.householdSnapshot, time: "2026-10-15T00:00:00Z",
            subject: "h1", sequence: 42, dataschema: EventTypes.schema(EventTypes.householdSnapshot), causationid: "c", dataclassification: "personal")
        let headers = Dictionary(uniqueKeysWithValues: attributes.headers)
        #expect(headers["ce_sequence"] == "00000000000000000042")
        #expect(headers["ce_dataschema"] == "https://giamngheo.vn/schemas/household.snapshot.v1.schema.json")
        let decoded = try CloudEventAttributes { headers[$0] }
        #expect(decoded == attributes)
        #expect(decoded.sequenceNumber == 42)
    }

    @Test(arguments: ["ce_id", "ce_source", "ce_type", "ce_specversion"])
    func aMissingRequiredHeaderIsNamed(_ missing: String) {
        var headers = Dictionary(uniqueKeysWithValues: CloudEventAttributes(
            id: "i", source: "/s", type: "t", time: "2026-01-01T00:00:00Z", subject: "k").headers)
        headers[missing] = nil
        #expect(throws: FieldError(missing, "required CloudEvents header is missing")) { try CloudEventAttributes { headers[$0] } }
    }

    @Test func wrongSpecVersionAndContentTypeAreRejected() {
        var headers = Dictionary(uniqueKeysWithValues: CloudEventAttributes(id: "i", source: "/s", type: "t", time: "", subject: "k").headers)
        headers["ce_specversion"] = "0.3"
        #expect(throws: FieldError.self) { try CloudEventAttributes { headers[$0] } }
        headers["ce_specversion"] = "1.0"
        headers["content-type"] = "application/xml"
        #expect(throws: FieldError("content-type", "'application/xml' is not application/json")) { try CloudEventAttributes { headers[$0] } }
    }
}

@Suite struct JSONErrorTests {
    struct Probe: Decodable {
        struct Inner: Decodable { var sex: Sex }
        var name: String
        var items: [Inner]
    }

    func error(_ json: String) -> FieldError {
        do {
            _ = try EventJSON.decode(Probe.self, from: Array(json.utf8))
            return FieldError("", "decoded")
        } catch {
            return EventJSON.fieldError(error)
        }
    }

    @Test func decodingErrorsNameTheField() {
        #expect(error("{").field == "body")
        #expect(error(#"{"items":[]}"#) == FieldError("name", "is required"))
        #expect(error(#"{"name":1,"items":[]}"#) == FieldError("name", "must be a string"))
        #expect(error(#"{"name":"a","items":[{"sex":"x"}]}"#).field == "items[0].sex")
        #expect(error(#"{"name":null,"items":[]}"#) == FieldError("name", "must be a string, not null"))
    }

    @Test func ratesRoundToTwoDecimals() {
        #expect(ClassCounts.rate(1, 3) == 33.33)
        #expect(ClassCounts.rate(0, 0) == 0)
        #expect(ClassCounts(total: 8, poor: 1, nearPoor: 2, averageLiving: 0, none: 5).nearPoorRatePercent == 25)
    }
}
