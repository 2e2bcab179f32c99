import Foundation

/// A calendar date written YYYY-MM-DD, validated (a real day of a real month); the one date type of the contracts.
public struct CalendarDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), day >= 1, day <= Self.days(in: month, of: year)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public init(_ date: Date) {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Ho_Chi_Minh")!, from: date)
        year = parts.year!
        month = parts.month!
        day = parts.day!
    }

    public static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Completed years from `self` (a birth date) to `date`.
    public func age(on date: CalendarDate) -> Int {
        date.year - year - ((date.month, date.day) < (month, day) ? 1 : 0)
    }

    /// The same day `months` later (or earlier), clamped to the last day of a shorter month.
    public func adding(months: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + months
        var result = self
        (result.year, result.month) = (total / 12, total % 12 + 1)
        result.day = min(day, Self.days(in: result.month, of: result.year))
        return result
    }

    /// The day `days` later (or earlier).
    public func adding(days: Int) -> CalendarDate {
        var result = self
        var left = days
        while left > 0 {
            let room = Self.days(in: result.month, of: result.year) - result.day
            if left <= room { result.day += left; return result }
            left -= room + 1
            (result.day, result.month) = (1, result.month + 1)
            if result.month > 12 { (result.month, result.year) = (1, result.year + 1) }
        }
        while left < 0 {
            if -left < result.day { result.day += left; return result }
            left += result.day
            (result.month) = result.month - 1
            if result.month < 1 { (result.month, result.year) = (12, result.year - 1) }
            result.day = Self.days(in: result.month, of: result.year)
        }
        return result
    }

    public var description: String {
        DecimalText.zeroPadded(year, width: 4) + "-" + DecimalText.zeroPadded(month, width: 2) + "-" + DecimalText.zeroPadded(day, width: 2)
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day) }
}
