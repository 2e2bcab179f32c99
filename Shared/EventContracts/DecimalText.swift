/// Numbers as text, without `String(format:)`: that goes through Foundation's formatter and was a measurable share of
/// classifying a household (every indicator's reason quotes a number) and of every date printed.
public enum DecimalText {
    /// `value` in decimal, left-padded with zeros to `width` characters, a minus sign first: `%0*d`.
    public static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count - (value < 0 ? 1 : 0)))
        return (value < 0 ? "-" : "") + padding + digits
    }

    /// `value` with exactly `fractionDigits` digits after the point, rounded half to even: `%.*f`.
    /// Values too large to scale into an integer fall back to Swift's shortest representation.
    public static func fixed(_ value: Double, fractionDigits: Int) -> String {
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        // printf rounds the exact binary value: 7.975 is 7.97499999… and gives "7.97". The product is rounded once,
        // so when it lands exactly on a half, its exact remainder (fma) says which way the true value lies.
        let product = value.magnitude * scale
        let remainder = (-product).addingProduct(value.magnitude, scale)  // fused: exact for these magnitudes
        var scaled = product.rounded(.toNearestOrEven)
        if product - product.rounded(.down) == 0.5, remainder != 0 {
            scaled = remainder > 0 ? product.rounded(.up) : product.rounded(.down)
        }
        guard value.isFinite, scaled < 9.0e18 else { return "\(value)" }
        let units = UInt64(scaled)
        let divisor = UInt64(scale)
        let sign = value.sign == .minus ? "-" : ""  // as printf: -0.004 is "-0.00"
        guard fractionDigits > 0 else { return sign + String(units) }
        let fraction = String(units % divisor)
        return sign + String(units / divisor) + "." + String(repeating: "0", count: fractionDigits - fraction.count) + fraction
    }

    /// A whole number without a fraction, anything else with two decimals: how reasons and reports quote amounts.
    public static func amount(_ value: Double) -> String {
        value == value.rounded() ? fixed(value, fractionDigits: 0) : fixed(value, fractionDigits: 2)
    }

    /// A whole number with its thousands separated as Vietnamese writes them: 40.000.000.
    public static func grouped(_ value: Int) -> String {
        var digits = String(value.magnitude)
        var groups: [Substring] = []
        while digits.count > 3 {
            groups.insert(digits.suffix(3), at: 0)
            digits.removeLast(3)
        }
        groups.insert(Substring(digits), at: 0)
        return (value < 0 ? "-" : "") + groups.joined(separator: ".")
    }
}
