import Foundation
import Testing

@testable import EventContracts

@Suite struct IndexedJSONDecoderTests {
    private static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/events/examples")

    private func example(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.examples.appendingPathComponent("\(name).json")))
    }

    /// Decodes with both decoders and expects the same value.
    private func agrees<T: Decodable & Equatable>(_ type: T.Type, _ bytes: [UInt8]) throws {
        let ours = try IndexedJSONDecoder.decode(type, from: bytes)
        let foundation = try JSONDecoder().decode(type, from: Data(bytes))
        #expect(ours == foundation)
    }

    /// Decodes with both decoders and expects both to fail with the same field and reason.
    private func failsAlike<T: Decodable>(_ type: T.Type, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(json.utf8)
        var ours: FieldError?
        var foundation: FieldError?
        do { _ = try IndexedJSONDecoder.decode(type, from: bytes) } catch { ours = EventJSON.fieldError(error) }
        do { _ = try JSONDecoder().decode(type, from: Data(bytes)) } catch { foundation = EventJSON.fieldError(error) }
        #expect(ours != nil, "accepted \(json)", sourceLocation: sourceLocation)
        #expect(ours?.field == foundation?.field, "\(json)", sourceLocation: sourceLocation)
        if json.utf8.first == UInt8(ascii: "{"), ours?.field != "body" {  // syntax errors are described differently
            #expect(ours?.reason == foundation?.reason, "\(json)", sourceLocation: sourceLocation)
        }
    }

    @Test func agreesWithFoundationOnEveryEventExample() throws {
        try agrees(HouseholdSnapshot.self, try example("household.snapshot.v1"))
        try agrees(ClassifiedHousehold.self, try example("classified-household.v1"))
        try agrees(LoanReferralSet.self, try example("loan-referral.v1"))
        try agrees(TrainingMatchSet.self, try example("training-match.v1"))
        try agrees(AreaTally.self, try example("area-tally.v1"))
        try agrees(AreaReport.self, try example("area-report.v1"))
        try agrees(ShadowAreaDiff.self, try example("eligibility.shadow-diff.v1"))
        try agrees(SubmissionOutcome.self, try example("intake.submission-outcome.v1"))
    }

    struct Everything: Codable, Equatable {
        struct Inner: Codable, Equatable {
            var name: String
            var values: [Double]
        }
        enum Colour: String, Codable { case red, green }
        var text: String
        var whole: Int
        var big: Int64
        var small: UInt8
        var fraction: Double
        var float: Float
        var flag: Bool
        var optional: String?
        var missing: Int?
        var nulled: Inner?
        var colour: Colour
        var list: [Inner]
        var nested: [[Int]]
        var map: [String: Int]
        var date: Date
        var decimal: Decimal
        var url: URL
        var blob: Data
    }

    @Test func agreesWithFoundationOnEveryKindOfValue() throws {
        let json = #"""
             {
              "text": "Xã Ba Sơn \"quoted\" \\ \/ \u0110 \ud83d\ude00 \n\t",
              "whole": -42, "big": 9223372036854775807, "small": 255,
              "fraction": -1.25e-3, "float": 0.5, "flag": false,
              "optional": "x", "nulled": null, "colour": "green",
              "list": [ {"values": [1, 2.5, -0.0], "name": "a"}, {"name": "b", "values": []} ],
              "nested": [[], [1], [2, 3]], "map": {"b": 2, "a": 1, "": 0},
              "date": 1234.5, "decimal": 12.345, "url": "https://giamngheo.vn/a?b=c", "blob": "AAEC",
              "unknown": {"deep": [true, null, {"x": "y"}]}
            }
            """#
        try agrees(Everything.self, Array(json.utf8))
        try agrees([Int].self, Array("[1, 2, 3]".utf8))
        try agrees(String.self, Array(#""top-level""#.utf8))
        try agrees([String: [String]].self, Array(#"{"k": ["v"], "e": []}"#.utf8))
    }

    @Test func keysAreFoundInAnyOrderAndTheFirstOfTwinsWins() throws {
        struct Pair: Codable, Equatable {
            var a: Int
            var b: String
            var c: Bool?
        }
        let reversed = try IndexedJSONDecoder.decode(Pair.self, from: Array(#"{"c": true, "b": "x", "a": 1}"#.utf8))
        #expect(reversed == Pair(a: 1, b: "x", c: true))
        let twins = try IndexedJSONDecoder.decode(Pair.self, from: Array(#"{"a": 1, "b": "x", "a": 2}"#.utf8))
        #expect(twins.a == 1)
        let escapedKey = try IndexedJSONDecoder.decode(Pair.self, from: Array(#"{"\u0061": 7, "b": ""}"#.utf8))
        #expect(escapedKey == Pair(a: 7, b: "", c: nil))
    }

    @Test func valueErrorsNameTheSameFieldAsFoundation() {
        struct Member: Codable {
            var age: Int
            var status: Everything.Colour
        }
        struct Household: Codable {
            var id: String
            var count: Int64
            var members: [Member]
            var note: String?
        }
        failsAlike(Household.self, #"{"count": 1, "members": []}"#)  // missing key
        failsAlike(Household.self, #"{"id": 5, "count": 1, "members": []}"#)  // wrong type
        failsAlike(Household.self, #"{"id": null, "count": 1, "members": []}"#)  // null
        failsAlike(Household.self, #"{"id": "x", "count": 1, "members": {}}"#)  // object for array
        failsAlike(Household.self, #"{"id": "x", "count": 1, "members": [{"age": 3, "status": "blue"}]}"#)  // bad enum
        failsAlike(Household.self, #"{"id": "x", "count": 1, "members": [{"age": 3, "status": "red"}, {"status": "red"}]}"#)
        failsAlike(Household.self, #"{"id": "x", "count": 1, "members": [], "note": 3}"#)  // optional, wrong type
        failsAlike(Household.self, #"[]"#)  // array for object
    }

    /// Foundation only says "not valid JSON" for these; the field and the range are what an officer needs.
    @Test(arguments: ["1.5", "99999999999999999999", "1e3"])
    func aNumberThatIsNotAWholeNumberOfTheTypeNamesTheField(_ number: String) {
        struct Count: Codable { var count: Int64 }
        let error = #expect(throws: DecodingError.self) {
            _ = try IndexedJSONDecoder.decode(Count.self, from: Array(#"{"count": \#(number)}"#.utf8))
        }
        #expect(error.map(EventJSON.fieldError) == FieldError("count", "must be a whole number from \(Int64.min) to \(Int64.max), not \(number)"))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "01", "1.", "-", "1e", ".5", "+1", "tru", "nul",
        #""unterminated"#, "\"tab\there\"", "[1] x", "{} {}", "NaN", "[\"\\x\"]", "[\"\\ud800\"]", "[\"\\u12\"]",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func malformedJSONIsAnErrorAboutTheBody(_ json: String) {
        #expect(throws: DecodingError.self) { _ = try IndexedJSONDecoder.decode([String].self, from: Array(json.utf8)) }
        #expect((try? JSONDecoder().decode([String].self, from: Data(json.utf8))) == nil, "Foundation accepts \(json)")
    }

    @Test func invalidUTF8InAStringIsAnError() {
        let bytes: [UInt8] = Array(#"{"s": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: DecodingError.self) { _ = try IndexedJSONDecoder.decode([String: String].self, from: bytes) }
    }
}
