/// Encodes `Encodable` values straight into JSON bytes, without building a tree first.
///
/// Every event and stored payload goes through JSON encoding, and Foundation's `JSONEncoder` (which builds a tree of
/// boxed values and then writes it) was the largest single cost of the services (docs/benchmarks.md). Output:
/// compact UTF-8, keys in the order the type encodes them (its `CodingKeys` order, so the same value always gives the
/// same bytes), dictionaries with `String` keys sorted by key (their iteration order is not stable), `/` unescaped.
/// Non-finite numbers are an error, as in Foundation.
struct StreamingJSONEncoder {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let writer = JSONByteWriter()
        try writer.encodeValue(value)
        return writer.bytes
    }
}

/// The encoder behind ``StreamingJSONEncoder``: a stack of open objects and arrays over one byte buffer.
///
/// Codable has no "container finished" call, so a container is closed when its owner writes its next element or when
/// the value that opened it has finished encoding (``encodeValue(_:)``).
///
/// Its state is `@exclusivity(unchecked)`: a writer is used by one thread, and the dynamic exclusivity checks on a
/// class's properties cost as much as the writing.
final class JSONByteWriter: Encoder {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private struct Open {
        var closer: UInt8
        var count = 0
    }
    @exclusivity(unchecked) private var stack: [Open] = []
    /// Stack index of the object the value being encoded opened, so a second `container(keyedBy:)` from the same value
    /// (a type that encodes two structs into one object) continues that object.
    @exclusivity(unchecked) private var valueObject: Int?
    /// Whether the value being encoded has written anything (a container or a single value).
    @exclusivity(unchecked) private var valueWritten = false

    init() { bytes.reserveCapacity(4_096) }

    func encodeValue<T: Encodable>(_ value: T) throws {
        if let dictionary = value as? any StringKeyedEncodable {
            try dictionary.encodeSortedEntries(into: self)
            return
        }
        let depth = stack.count
        let (savedObject, savedWritten) = (valueObject, valueWritten)
        valueObject = nil
        valueWritten = false
        try value.encode(to: self)
        close(downTo: depth)
        if !valueWritten { bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")]) }  // as Foundation: an empty object
        (valueObject, valueWritten) = (savedObject, savedWritten)
    }

    /// Closes every container opened above `depth`.
    func close(downTo depth: Int) {
        while stack.count > depth { bytes.append(stack.removeLast().closer) }
    }

    /// Prepares the next element of the container at `depth`: closes what its previous element left open, adds a comma.
    func beginElement(at depth: Int) {
        close(downTo: depth + 1)
        if stack[depth].count > 0 { bytes.append(UInt8(ascii: ",")) }
        stack[depth].count += 1
    }

    func beginEntry(at depth: Int, key: String) {
        beginElement(at: depth)
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    func open(_ opener: Character, _ closer: Character) -> Int {
        bytes.append(opener.asciiValue!)
        stack.append(Open(closer: closer.asciiValue!))
        return stack.count - 1
    }

    // MARK: Encoder

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        valueWritten = true
        if let valueObject, valueObject < stack.count {
            return KeyedEncodingContainer(KeyedContainer(writer: self, depth: valueObject))
        }
        let depth = open("{", "}")
        valueObject = depth
        return KeyedEncodingContainer(KeyedContainer(writer: self, depth: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        valueWritten = true
        return UnkeyedContainer(writer: self, depth: open("[", "]"))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValue(writer: self)
    }

    // MARK: Scalars

    func writeNull() {
        valueWritten = true
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    func writeBool(_ value: Bool) {
        valueWritten = true
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    func writeInteger<T: BinaryInteger>(_ value: T) {
        valueWritten = true
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    func writeDouble(_ value: Double) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "\(value) is not valid JSON"))
        }
        valueWritten = true
        // Whole numbers without a fraction, as Foundation writes them.
        if value.rounded() == value, abs(value) < 9_007_199_254_740_992 {
            writeInteger(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    func writeString(_ value: String) {
        valueWritten = true
        bytes.append(UInt8(ascii: "\""))
        var utf8 = value.utf8
        let done: Void? = utf8.withContiguousStorageIfAvailable { buffer in appendEscaped(buffer) }
        if done == nil {
            var copy = value
            copy.makeContiguousUTF8()
            utf8 = copy.utf8
            utf8.withContiguousStorageIfAvailable { buffer in appendEscaped(buffer) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private func appendEscaped(_ buffer: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for index in 0..<buffer.count {
            let byte = buffer[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<index]))
            runStart = index + 1
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[runStart..<buffer.count]))
    }

    // MARK: Containers

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let writer: JSONByteWriter
        let depth: Int
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeNull()
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeBool(value)
        }
        mutating func encode(_ value: String, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeString(value)
        }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            try writer.writeDouble(value)
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            try writer.writeDouble(Double(value))
        }
        mutating func encode(_ value: Int, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeInteger(value)
        }
        mutating func encode(_ value: Int32, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeInteger(value)
        }
        mutating func encode(_ value: Int64, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeInteger(value)
        }
        mutating func encode(_ value: UInt64, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            writer.writeInteger(value)
        }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            writer.beginEntry(at: depth, key: key.stringValue)
            try writer.encodeValue(value)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            writer.beginEntry(at: depth, key: key.stringValue)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(writer: writer, depth: writer.open("{", "}")))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            writer.beginEntry(at: depth, key: key.stringValue)
            return UnkeyedContainer(writer: writer, depth: writer.open("[", "]"))
        }
        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            preconditionFailure("StreamingJSONEncoder does not support superEncoder (no event type uses class inheritance)")
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let writer: JSONByteWriter
        let depth: Int
        var codingPath: [any CodingKey] { [] }
        private(set) var count = 0

        init(writer: JSONByteWriter, depth: Int) {
            self.writer = writer
            self.depth = depth
        }

        mutating func encodeNil() throws {
            begin()
            writer.writeNull()
        }
        mutating func encode(_ value: Bool) throws {
            begin()
            writer.writeBool(value)
        }
        mutating func encode(_ value: String) throws {
            begin()
            writer.writeString(value)
        }
        mutating func encode(_ value: Double) throws {
            begin()
            try writer.writeDouble(value)
        }
        mutating func encode(_ value: Int) throws {
            begin()
            writer.writeInteger(value)
        }
        mutating func encode(_ value: Int64) throws {
            begin()
            writer.writeInteger(value)
        }
        mutating func encode<T: Encodable>(_ value: T) throws {
            begin()
            try writer.encodeValue(value)
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            begin()
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(writer: writer, depth: writer.open("{", "}")))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            begin()
            return UnkeyedContainer(writer: writer, depth: writer.open("[", "]"))
        }
        mutating func superEncoder() -> any Encoder {
            preconditionFailure("StreamingJSONEncoder does not support superEncoder (no event type uses class inheritance)")
        }

        private mutating func begin() {
            writer.beginElement(at: depth)
            count += 1
        }
    }

    struct SingleValue: SingleValueEncodingContainer {
        let writer: JSONByteWriter
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { writer.writeNull() }
        mutating func encode(_ value: Bool) throws { writer.writeBool(value) }
        mutating func encode(_ value: String) throws { writer.writeString(value) }
        mutating func encode(_ value: Double) throws { try writer.writeDouble(value) }
        mutating func encode(_ value: Float) throws { try writer.writeDouble(Double(value)) }
        mutating func encode(_ value: Int) throws { writer.writeInteger(value) }
        mutating func encode(_ value: Int32) throws { writer.writeInteger(value) }
        mutating func encode(_ value: Int64) throws { writer.writeInteger(value) }
        mutating func encode(_ value: UInt64) throws { writer.writeInteger(value) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            writer.valueWritten = true
            try writer.encodeValue(value)
        }
    }
}

/// Dictionaries keyed by `String`, written with their keys sorted so that equal dictionaries give equal bytes.
protocol StringKeyedEncodable {
    func encodeSortedEntries(into writer: JSONByteWriter) throws
}

extension Dictionary: StringKeyedEncodable where Key == String, Value: Encodable {
    func encodeSortedEntries(into writer: JSONByteWriter) throws {
        let depth = writer.open("{", "}")
        for key in keys.sorted() {
            writer.beginEntry(at: depth, key: key)
            try writer.encodeValue(self[key]!)
        }
        writer.close(downTo: depth)
    }
}
