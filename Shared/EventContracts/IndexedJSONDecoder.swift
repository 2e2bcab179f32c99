import Foundation

/// Decodes `Decodable` values from JSON bytes through a flat index of the document, without a dictionary per object.
///
/// Every consumed event is decoded, and Foundation's `JSONDecoder` (which builds a `[String: Value]` dictionary for
/// each object it enters and boxes every container) was the largest single cost left in the services
/// (docs/benchmarks.md). This decoder parses the document once into an array of tokens, then finds each requested key
/// by comparing bytes, starting after the last key found, so a type decoded in the order it was encoded finds every
/// key at the first try.
///
/// It accepts what Foundation's decoder accepts for the types the system uses and throws the same `DecodingError`
/// cases with the same coding paths, so ``EventJSON/fieldError(_:)`` names the same field (and, where Foundation
/// only says the body is not valid JSON — a number with a fraction or out of range for a whole-number field — it
/// names the field and the allowed range): strict JSON (RFC 8259),
/// UTF-8 only, nesting at most 512 deep, whole numbers that fit the requested type, and Foundation's default
/// strategies for `Date` (seconds since 2001), `Data` (base64), `URL` (a string) and `Decimal` (a number).
/// When a key appears twice in an object, the first occurrence is used. String contents (escapes, UTF-8) are checked
/// when a string is read, so a bad string in a member no type reads is not an error.
struct IndexedJSONDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let index = try JSONIndex(bytes)
        let decoder = IndexedDecoder(index: index, position: 0)
        return try decoder.decodeValue(type)
    }
}

// MARK: - The index

/// A parsed JSON document: its bytes and one token per value (and per object key), in document order.
final class JSONIndex {
    enum Kind: UInt8 { case object, array, string, escapedString, number, `true`, `false`, null }

    /// One value. For strings, `start..<end` are the bytes between the quotes; for numbers, the number's bytes; for
    /// objects and arrays, `start` is the opening byte's offset and `end` the member (or element) count. `next` is the
    /// index of the token after this value and everything inside it. `hint` (objects only) is where the next key
    /// lookup starts.
    struct Token {
        var kind: Kind
        var start: UInt32
        var end: UInt32
        var next: UInt32
        var hint: UInt32
    }

    static let maximumDepth = 512

    let bytes: [UInt8]
    /// Unsafe storage rather than an array: a class's array property pays a dynamic exclusivity check on every access,
    /// which cost more than the lookups themselves. Only `hint` changes after parsing.
    let tokens: UnsafeMutableBufferPointer<Token>

    init(_ bytes: [UInt8]) throws {
        guard bytes.count < Int(UInt32.max) else { throw JSONIndex.corrupted("The given data is too large.") }
        self.bytes = bytes
        var parsed: [Token] = []
        parsed.reserveCapacity(bytes.count / 8)
        try bytes.withUnsafeBufferPointer { try JSONIndex.parse($0, into: &parsed) }
        tokens = .allocate(capacity: parsed.count)
        _ = tokens.initialize(from: parsed)
    }

    deinit { tokens.deallocate() }

    static func corrupted(_ description: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: [], debugDescription: description))
    }

    // MARK: Parsing

    private static func parse(_ input: UnsafeBufferPointer<UInt8>, into tokens: inout [Token]) throws {
        var position = 0
        /// Open containers: token index and whether the next element of an object is a key.
        var open: [(token: Int, expectsKey: Bool)] = []
        open.reserveCapacity(16)

        func fail(_ reason: String) -> DecodingError {
            JSONIndex.corrupted("The given data was not valid JSON: \(reason) at byte \(position).")
        }
        func skipWhitespace() {
            while position < input.count {
                switch input[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
        }
        func append(_ kind: Kind, _ start: Int, _ end: Int) {
            tokens.append(Token(kind: kind, start: UInt32(start), end: UInt32(end), next: UInt32(tokens.count + 1), hint: 0))
        }
        func literal(_ word: StaticString, _ kind: Kind) throws {
            let count = word.utf8CodeUnitCount
            guard position + count <= input.count,
                memcmp(input.baseAddress! + position, word.utf8Start, count) == 0
            else { throw fail("unexpected character") }
            append(kind, position, position + count)
            position += count
        }
        func string() throws -> Kind {
            position += 1  // the opening quote
            let start = position
            var escaped = false
            while true {
                guard position < input.count else { throw fail("unterminated string") }
                let byte = input[position]
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    position += 2
                    continue
                }
                if byte < 0x20 { throw fail("unescaped control character in a string") }
                position += 1
            }
            let kind: Kind = escaped ? .escapedString : .string
            append(kind, start, position)
            position += 1  // the closing quote
            return kind
        }
        func number() throws {
            let start = position
            func digits() -> Int {
                let first = position
                while position < input.count, input[position] &- UInt8(ascii: "0") < 10 { position += 1 }
                return position - first
            }
            if input[position] == UInt8(ascii: "-") { position += 1 }
            guard position < input.count else { throw fail("incomplete number") }
            if input[position] == UInt8(ascii: "0") {
                position += 1
            } else if digits() == 0 {
                throw fail("invalid number")
            }
            if position < input.count, input[position] == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw fail("invalid number") }
            }
            if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
                    position += 1
                }
                guard digits() > 0 else { throw fail("invalid number") }
            }
            append(.number, start, position)
        }
        /// Records that the container on top of `open` has one more member and the value just parsed is complete.
        func closeContainer() {
            let token = open.removeLast().token
            tokens[token].next = UInt32(tokens.count)
        }

        skipWhitespace()
        repeat {
            guard position < input.count else { throw fail("unexpected end of data") }
            // A value (or, inside an object, a key then a value).
            if let top = open.last, top.expectsKey {
                guard input[position] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                _ = try string()
                skipWhitespace()
                guard position < input.count, input[position] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                position += 1
                skipWhitespace()
                open[open.count - 1].expectsKey = false
                guard position < input.count else { throw fail("unexpected end of data") }
            }
            var opened = false
            switch input[position] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < JSONIndex.maximumDepth else { throw fail("nesting deeper than \(JSONIndex.maximumDepth)") }
                let isObject = input[position] == UInt8(ascii: "{")
                append(isObject ? .object : .array, position, 0)
                open.append((tokens.count - 1, isObject))
                position += 1
                skipWhitespace()
                let closer = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if position < input.count, input[position] == closer {
                    position += 1
                    closeContainer()
                } else {
                    opened = true
                }
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "t"): try literal("true", .true)
            case UInt8(ascii: "f"): try literal("false", .false)
            case UInt8(ascii: "n"): try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw fail("unexpected character")
            }
            if opened { continue }
            // After a value: a comma (next member) or closers.
            while let top = open.last {
                skipWhitespace()
                guard position < input.count else { throw fail("unexpected end of data") }
                tokens[top.token].end += 1
                let isObject = tokens[top.token].kind == .object
                let byte = input[position]
                position += 1
                if byte == UInt8(ascii: ",") {
                    skipWhitespace()
                    open[open.count - 1].expectsKey = isObject
                    break
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw fail("expected ',' or a closing bracket") }
                closeContainer()
            }
        } while !open.isEmpty
        skipWhitespace()
        guard position == input.count else { throw fail("unexpected data after the value") }
    }

    // MARK: Reading values

    func string(at token: Int) -> String? {
        let t = tokens[token]
        return bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeBufferPointer(rebasing: buffer[Int(t.start)..<Int(t.end)])
            if t.kind == .string { return String(validating: raw, as: UTF8.self) }
            return JSONIndex.unescape(raw)
        }
    }

    /// Whether the key token at `token` spells `key`.
    func key(at token: Int, is key: String) -> Bool {
        let t = tokens[token]
        guard t.kind == .string else { return string(at: token) == key }
        var key = key
        return key.withUTF8 { wanted in
            wanted.count == Int(t.end - t.start)
                && bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(t.start), wanted.baseAddress!, wanted.count) == 0 }
        }
    }

    /// The bytes of a number token as a string.
    func numberText(at token: Int) -> String {
        let t = tokens[token]
        return bytes.withUnsafeBufferPointer { String(decoding: $0[Int(t.start)..<Int(t.end)], as: UTF8.self) }
    }

    /// A whole number of type `T`, or nil if the number has a fraction or exponent or does not fit.
    func integer<T: FixedWidthInteger>(at token: Int, as type: T.Type) -> T? {
        let t = tokens[token]
        return bytes.withUnsafeBufferPointer { buffer -> T? in
            var position = Int(t.start)
            let end = Int(t.end)
            let negative = buffer[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            var value: T = 0
            while position < end {
                let digit = buffer[position] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) =
                    negative ? times.subtractingReportingOverflow(T(digit)) : times.addingReportingOverflow(T(digit))
                guard !overflow1, !overflow2 else { return nil }
                value = next
                position += 1
            }
            return value
        }
    }

    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for byte in raw[at..<at + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while i < raw.count {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { return nil }
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(i) else { return nil }
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {  // a high surrogate: its low half must follow
                    guard i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u"),
                        let low = hex4(i + 2), (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: return nil
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}

// MARK: - Decoder

/// The `Decoder` over a ``JSONIndex``: one instance per document, moved from value to value as containers decode
/// their members, with the coding path kept as a stack.
final class IndexedDecoder: Decoder {
    let index: JSONIndex
    /// The token of the value being decoded. (Unchecked: the decoder is used by one thread, and the dynamic
    /// exclusivity checks on these two were a fifth of the decoding time.)
    @exclusivity(unchecked) var position: Int
    @exclusivity(unchecked) var path: [any CodingKey] = []

    var codingPath: [any CodingKey] { path }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(index: JSONIndex, position: Int, path: [any CodingKey] = []) {
        self.index = index
        self.position = position
        self.path = path
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try expect(.object, at: position, for: [String: Any].self)
        return KeyedDecodingContainer(IndexedKeyedContainer<Key>(decoder: self, object: position, depth: path.count))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try expect(.array, at: position, for: [Any].self)
        return IndexedUnkeyedContainer(decoder: self, array: position, depth: path.count)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        IndexedSingleValueContainer(decoder: self, token: position, depth: path.count)
    }

    // MARK: Values

    /// Decodes the value at `token`, reached through `key` (nil for the value at the current position).
    func decodeValue<T: Decodable>(_ type: T.Type, at token: Int, key: (any CodingKey)?) throws -> T {
        if let key { path.append(key) }
        let saved = position
        position = token
        defer {
            position = saved
            if key != nil { path.removeLast() }
        }
        return try decodeValue(type)
    }

    /// Decodes the value at the current position; the special cases are Foundation's default strategies.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        switch ObjectIdentifier(type) {
        case ObjectIdentifier(String.self): return try string(at: position) as! T
        case ObjectIdentifier(Int.self): return try integer(Int.self, at: position) as! T
        case ObjectIdentifier(Int64.self): return try integer(Int64.self, at: position) as! T
        case ObjectIdentifier(Double.self): return try double(at: position) as! T
        case ObjectIdentifier(Bool.self): return try bool(at: position) as! T
        case ObjectIdentifier(URL.self):
            guard let url = URL(string: try string(at: position)) else { throw corrupted("Invalid URL string.") }
            return url as! T
        case ObjectIdentifier(Data.self):
            guard let data = Data(base64Encoded: try string(at: position)) else {
                throw corrupted("Encountered Data is not valid Base64.")
            }
            return data as! T
        case ObjectIdentifier(Decimal.self):
            try expect(.number, at: position, for: Decimal.self)
            let text = index.numberText(at: position)
            guard let decimal = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else {
                throw corrupted("Parsed JSON number <\(text)> does not fit in Decimal.")
            }
            return decimal as! T
        default: return try T(from: self)  // Date too: Foundation's default strategy is Date's own Decodable
        }
    }

    func isNull(_ token: Int) -> Bool { index.tokens[token].kind == .null }

    func string(at token: Int) throws -> String {
        let kind = index.tokens[token].kind
        guard kind == .string || kind == .escapedString else { throw mismatch(String.self, at: token) }
        guard let value = index.string(at: token) else { throw corrupted("Invalid string: bad escape or not UTF-8.") }
        return value
    }

    func bool(at token: Int) throws -> Bool {
        switch index.tokens[token].kind {
        case .true: return true
        case .false: return false
        default: throw mismatch(Bool.self, at: token)
        }
    }

    func double(at token: Int) throws -> Double {
        try expect(.number, at: token, for: Double.self)
        guard let value = Double(index.numberText(at: token)), value.isFinite else {
            throw corrupted("Parsed JSON number <\(index.numberText(at: token))> does not fit in Double.")
        }
        return value
    }

    func float(at token: Int) throws -> Float {
        let narrowed = Float(try double(at: token))
        guard narrowed.isFinite else {
            throw corrupted("Parsed JSON number <\(index.numberText(at: token))> does not fit in Float.")
        }
        return narrowed
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at token: Int) throws -> T {
        try expect(.number, at: token, for: T.self)
        guard let value = index.integer(at: token, as: T.self) else {
            throw corrupted("must be a whole number from \(T.min) to \(T.max), not \(index.numberText(at: token))")
        }
        return value
    }

    // MARK: Errors

    func expect(_ kind: JSONIndex.Kind, at token: Int, for type: Any.Type) throws {
        guard index.tokens[token].kind == kind else { throw mismatch(type, at: token) }
    }

    /// A type mismatch at `token`, or `valueNotFound` when it is null, with the current coding path.
    func mismatch(_ type: Any.Type, at token: Int) -> DecodingError {
        let found = index.tokens[token].kind
        if found == .null {
            return .valueNotFound(
                type, DecodingError.Context(codingPath: path, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        let description: String
        switch found {
        case .object: description = "a dictionary"
        case .array: description = "an array"
        case .string, .escapedString: description = "a string"
        case .number: description = "number"
        case .true, .false: description = "bool"
        case .null: description = "null"
        }
        return .typeMismatch(
            type, DecodingError.Context(codingPath: path, debugDescription: "Expected to decode \(type) but found \(description) instead."))
    }

    func corrupted(_ description: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: path, debugDescription: description))
    }
}

// MARK: - Containers

/// An object's members, found by key; lookups start after the last member found.
struct IndexedKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: IndexedDecoder
    let object: Int
    /// The decoder's path length when this container was made: its path is that prefix (the decoder's path is a stack).
    let depth: Int

    var codingPath: [any CodingKey] { Array(decoder.path.prefix(depth)) }

    var allKeys: [Key] {
        var keys: [Key] = []
        var member = object + 1
        for _ in 0..<Int(decoder.index.tokens[object].end) {
            if let name = decoder.index.string(at: member), let key = Key(stringValue: name) { keys.append(key) }
            member = Int(decoder.index.tokens[member + 1].next)
        }
        return keys
    }

    /// The value token for `key`, or nil if the object has no such member.
    func value(for key: Key) -> Int? {
        let index = decoder.index
        let count = Int(index.tokens[object].end)
        guard count > 0 else { return nil }
        let name = key.stringValue
        let hint = Int(index.tokens[object].hint)
        var member = hint == 0 ? object + 1 : hint
        var scanned = 0
        while scanned < count {
            if member >= Int(index.tokens[object].next) {  // past the last member: wrap to the first
                member = object + 1
            }
            let value = member + 1
            let after = Int(index.tokens[value].next)
            if index.key(at: member, is: name) {
                index.tokens[object].hint = UInt32(after)
                return value
            }
            member = after
            scanned += 1
        }
        return nil
    }

    func require(_ key: Key) throws -> Int {
        guard let token = value(for: key) else {
            throw DecodingError.keyNotFound(
                key, DecodingError.Context(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return token
    }

    /// Runs `read` with the decoder's path extended by `key`, so its errors name the member.
    private func reading<T>(_ key: Key, _ read: (Int) throws -> T) throws -> T {
        let token = try require(key)
        decoder.path.append(key)
        defer { decoder.path.removeLast() }
        return try read(token)
    }

    func contains(_ key: Key) -> Bool { value(for: key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { decoder.isNull(try require(key)) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try reading(key) { try decoder.bool(at: $0) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try reading(key) { try decoder.string(at: $0) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try reading(key) { try decoder.double(at: $0) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try reading(key) { try decoder.float(at: $0) } }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try reading(key) { try decoder.integer(type, at: $0) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try reading(key) { try decoder.integer(type, at: $0) } }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeValue(type, at: try require(key), key: key)
    }

    /// Optional members take one lookup here instead of the default's three (contains, decodeNil, decode).
    private func readingIfPresent<T>(_ key: Key, _ read: (Int) throws -> T) throws -> T? {
        guard let token = value(for: key), !decoder.isNull(token) else { return nil }
        decoder.path.append(key)
        defer { decoder.path.removeLast() }
        return try read(token)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let token = value(for: key), !decoder.isNull(token) else { return nil }
        return try decoder.decodeValue(type, at: token, key: key)
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try readingIfPresent(key) { try decoder.string(at: $0) } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try readingIfPresent(key) { try decoder.integer(type, at: $0) } }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try readingIfPresent(key) { try decoder.integer(type, at: $0) } }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try readingIfPresent(key) { try decoder.double(at: $0) } }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try readingIfPresent(key) { try decoder.bool(at: $0) } }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try reading(key) { token in
            try decoder.expect(.object, at: token, for: [String: Any].self)
            return KeyedDecodingContainer(IndexedKeyedContainer<NestedKey>(decoder: decoder, object: token, depth: decoder.path.count))
        }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try reading(key) { token in
            try decoder.expect(.array, at: token, for: [Any].self)
            return IndexedUnkeyedContainer(decoder: decoder, array: token, depth: decoder.path.count)
        }
    }

    func superDecoder() throws -> any Decoder {
        IndexedDecoder(index: decoder.index, position: object, path: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        let token = try require(key)
        return IndexedDecoder(index: decoder.index, position: token, path: codingPath + [key])
    }
}

/// An array's elements, in order.
struct IndexedUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: IndexedDecoder
    let array: Int
    let depth: Int
    private(set) var currentIndex = 0
    /// The token of the element at `currentIndex`.
    private var element: Int

    init(decoder: IndexedDecoder, array: Int, depth: Int) {
        self.decoder = decoder
        self.array = array
        self.depth = depth
        element = array + 1
    }

    var codingPath: [any CodingKey] { Array(decoder.path.prefix(depth)) }
    var count: Int? { Int(decoder.index.tokens[array].end) }
    var isAtEnd: Bool { currentIndex >= count! }

    private struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue!)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    /// Reads the current element with the path extended by its index, then moves on.
    private mutating func next<T>(_ type: Any.Type, _ read: (Int) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, DecodingError.Context(codingPath: codingPath + [IndexKey(intValue: currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        decoder.path.append(IndexKey(intValue: currentIndex))
        defer { decoder.path.removeLast() }
        let value = try read(element)
        element = Int(decoder.index.tokens[element].next)
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        guard decoder.isNull(element) else { return false }
        element = Int(decoder.index.tokens[element].next)
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) { [decoder] in try decoder.bool(at: $0) } }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) { [decoder] in try decoder.string(at: $0) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) { [decoder] in try decoder.double(at: $0) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) { [decoder] in try decoder.float(at: $0) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) { [decoder] in try decoder.integer(type, at: $0) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, DecodingError.Context(codingPath: codingPath + [IndexKey(intValue: currentIndex)], debugDescription: "Unkeyed container is at end."))
        }
        let value = try decoder.decodeValue(type, at: element, key: IndexKey(intValue: currentIndex))
        element = Int(decoder.index.tokens[element].next)
        currentIndex += 1
        return value
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next([String: Any].self) { [decoder] token in
            try decoder.expect(.object, at: token, for: [String: Any].self)
            return KeyedDecodingContainer(IndexedKeyedContainer<NestedKey>(decoder: decoder, object: token, depth: decoder.path.count))
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next([Any].self) { [decoder] token in
            try decoder.expect(.array, at: token, for: [Any].self)
            return IndexedUnkeyedContainer(decoder: decoder, array: token, depth: decoder.path.count)
        }
    }

    mutating func superDecoder() throws -> any Decoder {
        let path = codingPath + [IndexKey(intValue: currentIndex)]
        return try next(Any.self) { [decoder] token in IndexedDecoder(index: decoder.index, position: token, path: path) }
    }
}

/// A single value: a primitive, or a type that wraps one (raw-value enums, ``CalendarDate``…).
struct IndexedSingleValueContainer: SingleValueDecodingContainer {
    let decoder: IndexedDecoder
    let token: Int
    let depth: Int

    var codingPath: [any CodingKey] { Array(decoder.path.prefix(depth)) }

    func decodeNil() -> Bool { decoder.isNull(token) }
    func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(at: token) }
    func decode(_ type: String.Type) throws -> String { try decoder.string(at: token) }
    func decode(_ type: Double.Type) throws -> Double { try decoder.double(at: token) }
    func decode(_ type: Float.Type) throws -> Float { try decoder.float(at: token) }
    func decode(_ type: Int.Type) throws -> Int { try decoder.integer(type, at: token) }
    func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(type, at: token) }
    func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(type, at: token) }
    func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(type, at: token) }
    func decode(_ type: Int64.Type) throws -> Int64 { try decoder.integer(type, at: token) }
    func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(type, at: token) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(type, at: token) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(type, at: token) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(type, at: token) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(type, at: token) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type, at: token, key: nil) }
}
