import Foundation
import Testing

@testable import EventContracts

@Suite struct DecimalTextTests {
    @Test func zeroPaddingMatchesPrintf() {
        for value in [0, 7, 42, 999, 2026, 12345, -3, -42] {
            for width in [1, 2, 4] {
                #expect(DecimalText.zeroPadded(value, width: width) == String(format: "%0\(width)d", value), "\(value) \(width)")
            }
        }
    }

    @Test func fixedMatchesPrintfOnManyValues() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 0.5, 1.5, 2.5, 0.125, 1_500_000, 2_250_000.4, 8.333333, -8.333333, 99.995, 1e15, -0.004, 7.975, 31.9 / 4, 1.005, 2.675]
        // Values whose product with 100 rounds onto a half though the exact value is not one (31.9 / 4 = 7.97499999…).
        for cents in 0..<20_000 { values.append((Double(cents) + 0.5) / 100) }
        for _ in 0..<5_000 { values.append(Double.random(in: -10_000_000...10_000_000, using: &generator)) }
        for _ in 0..<5_000 { values.append(Double.random(in: 0...1, using: &generator)) }
        for value in values {
            for digits in [0, 1, 2] {
                #expect(DecimalText.fixed(value, fractionDigits: digits) == String(format: "%.\(digits)f", value), "\(value) \(digits)")
            }
        }
    }

    @Test func amountsAreWholeWithoutAFraction() {
        #expect(DecimalText.amount(1_500_000) == "1500000")
        #expect(DecimalText.amount(12.5) == "12.50")
        #expect(DecimalText.amount(8.0 / 3.0) == "2.67")
    }

    @Test func groupedWritesThousandsTheVietnameseWay() {
        #expect(DecimalText.grouped(40_000_000) == "40.000.000")
        #expect(DecimalText.grouped(999) == "999" && DecimalText.grouped(1_000) == "1.000" && DecimalText.grouped(0) == "0")
        #expect(DecimalText.grouped(-1_234_567) == "-1.234.567")
    }
}
