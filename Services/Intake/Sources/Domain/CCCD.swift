import EventContracts

/// Checks a citizen identity number (căn cước công dân) against its structure (Circular 59/2021/TT-BCA [M]):
/// 12 digits; a 3-digit province-of-registration code; a digit for sex and century of birth; the last two
/// digits of the birth year. A mismatch is reported with the part at fault.
public enum CCCD {
    /// Province-of-registration prefixes (the 63 pre-2025 province codes, 3 digits) [M].
    static let provincePrefixes: Set<String> = [
        "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024", "025",
        "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045", "046", "048",
        "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
        "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096",
    ]

    /// Returns the reason `number` is not a valid CCCD for a person of `sex` born on `birthDate` (YYYY-MM-DD), or nil.
    public static func problem(_ number: String, sex: Sex, birthDate: String) -> String? {
        guard number.count == 12 else { return "must have 12 digits, has \(number.count) characters" }
        guard number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return "must contain digits only" }
        let digits = Array(number)
        let prefix = String(digits[0..<3])
        guard provincePrefixes.contains(prefix) else { return "starts with \(prefix), which is not a province code" }
        guard let year = Int(birthDate.prefix(4)) else { return nil }  // the birth date is checked on its own
        let centuryDigit = Int(String(digits[3]))!
        let century = 1900 + (centuryDigit / 2) * 100
        let female = centuryDigit % 2 == 1
        if year / 100 * 100 != century || (sex == .female) != female {
            return "4th digit \(centuryDigit) does not match a \(sex.rawValue) born in \(year)"
        }
        guard String(digits[4..<6]) == DecimalText.zeroPadded(year % 100, width: 2) else {
            return "5th–6th digits \(String(digits[4..<6])) do not match the birth year \(year)"
        }
        return nil
    }

    /// A valid-looking number for a person (for demo data and tests): province prefix, century/sex, year, serial.
    public static func make(province: String = "019", sex: Sex, birthYear: Int, serial: Int) -> String {
        let centuryDigit = (birthYear / 100 - 19) * 2 + (sex == .female ? 1 : 0)
        return province + String(centuryDigit) + DecimalText.zeroPadded(birthYear % 100, width: 2) + DecimalText.zeroPadded(serial % 1_000_000, width: 6)
    }
}
