import Crypto
import EventContracts
import Foundation

/// The deployment's secret keys for household ids. A new household's id is a keyed hash (HMAC-SHA-256) of its commune
/// and its head's CCCD, so the same household entered twice gets the same id, and nobody without the key can test a
/// guessed CCCD against a published id.
///
/// The first key makes new ids; the others are former keys, kept only so that a household whose id was made with one
/// is still recognised (docs/operations.md, "Household id key"). The keys never appear in logs: `fingerprint` names
/// the current one.
public struct HouseholdIDKeys: Sendable {
    private let keys: [SymmetricKey]

    /// The shortest key accepted, in bytes: HMAC-SHA-256's block of entropy.
    public static let minimumKeyBytes = 32

    /// `keys[0]` is the current key, the rest former keys; each at least `minimumKeyBytes` long.
    public init(keys: [[UInt8]]) throws {
        guard !keys.isEmpty else { throw FieldError("householdIdKeys", "no key given") }
        for (index, key) in keys.enumerated() where key.count < Self.minimumKeyBytes {
            throw FieldError("householdIdKeys[\(index)]", "has \(key.count) bytes; at least \(Self.minimumKeyBytes) are required")
        }
        self.keys = keys.map { SymmetricKey(data: $0) }
    }

    /// Reads a key file: one key per line as hexadecimal (64 digits or more), the current key first, then former keys
    /// newest first; blank lines and lines starting with `#` are ignored. Errors name the line, never its content.
    public static func load(file path: String) throws -> HouseholdIDKeys {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FieldError("HOUSEHOLD_ID_KEY_FILE", "cannot read \(path)")
        }
        var keys: [[UInt8]] = []
        for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let key = hexBytes(text) else {
                throw FieldError("HOUSEHOLD_ID_KEY_FILE", "line \(number + 1) of \(path) is not hexadecimal digits")
            }
            guard key.count >= minimumKeyBytes else {
                throw FieldError("HOUSEHOLD_ID_KEY_FILE", "line \(number + 1) of \(path) has \(key.count) bytes; at least \(minimumKeyBytes) are required")
            }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw FieldError("HOUSEHOLD_ID_KEY_FILE", "\(path) holds no key") }
        return try HouseholdIDKeys(keys: keys)
    }

    /// A fresh random key set (benchmarks and tools that never meet a real household).
    public static func random() -> HouseholdIDKeys {
        try! HouseholdIDKeys(keys: [Array(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })])
    }

    /// The id a new household of `communeCode` headed by `headCCCD` gets: the first 16 bytes of
    /// HMAC-SHA-256(key, "household|<communeCode>|<headCCCD>") as a lower-case RFC 9562 version 8 UUID.
    public func householdId(communeCode: String, headCCCD: String) -> String {
        Self.id(key: keys[0], communeCode: communeCode, headCCCD: headCCCD)
    }

    /// The ids the same household would have under the former keys, newest key first.
    public func formerHouseholdIds(communeCode: String, headCCCD: String) -> [String] {
        keys.dropFirst().map { Self.id(key: $0, communeCode: communeCode, headCCCD: headCCCD) }
    }

    /// Names the current key in logs without revealing it: 8 hex digits of HMAC(key, "fingerprint").
    public var fingerprint: String {
        String(DeterministicID.format(Array(HMAC<SHA256>.authenticationCode(for: Array("fingerprint".utf8), using: keys[0]))).prefix(8))
    }

    static func id(key: SymmetricKey, communeCode: String, headCCCD: String) -> String {
        var bytes = Array(HMAC<SHA256>.authenticationCode(for: Array("household|\(communeCode)|\(headCCCD)".utf8), using: key).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return DeterministicID.format(bytes)
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
