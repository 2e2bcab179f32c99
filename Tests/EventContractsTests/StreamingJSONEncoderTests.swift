import Foundation
import Testing

@testable import EventContracts

@Suite struct StreamingJSONEncoderTests {
    struct Flattened: Encodable {
        struct Inner: Encodable {
            var b: Int
            var c: [String: Int]
        }
        var a: String
        var inner: Inner
        var optional: String?
        var empty: [Int] = []

        enum CodingKeys: String, CodingKey { case a, optional, empty }

        // Two structs into one object, as SurveyMember does with its facts.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(a, forKey: .a)
            try container.encodeIfPresent(optional, forKey: .optional)
            try inner.encode(to: encoder)
            try container.encode(empty, forKey: .empty)
        }
    }

    /// Parses both outputs and compares them as JSON values (key order aside).
    private func sameJSON<T: Encodable>(_ value: T) throws -> Bool {
        let ours = try EventJSON.encode(value)
        let foundation = try JSONEncoder().encode(value)
        let a = try JSONSerialization.jsonObject(with: Data(ours), options: [.fragmentsAllowed])
        let b = try JSONSerialization.jsonObject(with: foundation, options: [.fragmentsAllowed])
        return Tree(a) == Tree(b)
    }

    /// A parsed JSON value in a form that compares by value.
    indirect enum Tree: Equatable {
        case object([String: Tree]), array([Tree]), string(String), number(Double), bool(Bool), null

        init(_ any: Any) {
            switch any {
            case let object as [String: Any]: self = .object(object.mapValues(Tree.init))
            case let array as [Any]: self = .array(array.map(Tree.init))
            case let string as String: self = .string(string)
            case let bool as Bool: self = .bool(bool)
            case let number as NSNumber: self = .number(number.doubleValue)
            default: self = .null
            }
        }
    }

    @Test func agreesWithFoundationOnNestedFlattenedAndOptionalValues() throws {
        let value = Flattened(a: "Thôn 1 \"Bản\" \\ / \n\t\u{1}", inner: .init(b: -42, c: ["z": 1, "a": 2]), optional: nil)
        #expect(try sameJSON(value))
        #expect(try sameJSON(["x": [1.5, 2, -0.25]]))
        #expect(try sameJSON([Flattened(a: "", inner: .init(b: 0, c: [:]), optional: "có")]))
        #expect(try sameJSON(Int64.min))
    }

    @Test func escapesControlCharactersAndKeepsUnicodeAndSlashes() throws {
        let bytes = try EventJSON.encode(["k": "a\"b\\c/d\ne\u{1f}Đ"])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"k":"a\"b\\c/d\ne\u001fĐ"}"#)
    }

    @Test func dictionariesAreSortedSoEqualValuesGiveEqualBytes() throws {
        var value: [String: Int] = [:]
        for n in 0..<50 { value["key\(value.count)-\(n)"] = n }
        let first = try EventJSON.encode(value)
        let copy = Dictionary(uniqueKeysWithValues: value.map { ($0.key, $0.value) }.reversed())
        #expect(try EventJSON.encode(copy) == first)
        #expect(String(decoding: try EventJSON.encode(["b": 1, "a": 2]), as: UTF8.self) == #"{"a":2,"b":1}"#)
    }

    @Test func wholeDoublesAreWrittenWithoutAFractionAndNonFiniteIsAnError() throws {
        #expect(String(decoding: try EventJSON.encode([2.0, 0.5, 1e300]), as: UTF8.self) == "[2,0.5,1e+300]")
        #expect(throws: EncodingError.self) { try EventJSON.encode([Double.nan]) }
    }
}
