import EventContracts
import Foundation

/// A review round (đợt rà soát): its id, kind and the window its surveys fall in.
public struct ReviewRound: Codable, Sendable, Hashable {
    /// `<year>-periodic` or `<year>-<month>-adhoc`, e.g. `2026-periodic`, `2026-11-adhoc`.
    public var roundId: String
    public var kind: ReviewKind
    /// Its Vietnamese name, e.g. `Rà soát định kỳ năm 2026`, `Rà soát thường xuyên tháng 11/2026`.
    public var name: String
    public var year: Int
    /// The month an ad hoc round opens in; absent for a periodic round.
    public var month: Int?
    /// First day of the window (YYYY-MM-DD): surveys and the recognition decision are not earlier.
    public var opensOn: String
    /// Last day of the window (YYYY-MM-DD): surveys are not later.
    public var closesOn: String
    /// Where the window comes from: the rule's legal source, or the operator's correction for this round.
    public var source: String
    /// The year whose poor and near-poor lists the round establishes (a periodic round of year Y: Y+1).
    public var listYear: Int
    /// The national standard the list year's lists are established under; nil when the calendar declares none, and
    /// then the round's surveys cannot be classified.
    public var standardId: String?
    /// Where the list year and its standard come from, with their confidence tags.
    public var listYearSource: String

    /// Whether `date` falls in the window (both ends included).
    public func contains(_ date: CalendarDate) -> Bool {
        date.description >= opensOn && date.description <= closesOn
    }
}

/// The review rounds' windows as data (`Resources/review-calendar.json`): derived from a round's id by the rules
/// of Decision 24/2021/QĐ-TTg, corrected per round by an operator where a window was moved.
public struct ReviewCalendar: Codable, Sendable, Hashable {
    /// A day of the year, for the periodic window.
    public struct MonthDay: Codable, Sendable, Hashable {
        public var month: Int
        public var day: Int
    }

    /// The yearly round (định kỳ): one window per year.
    public struct Periodic: Codable, Sendable, Hashable {
        public var opens: MonthDay
        public var closes: MonthDay
        public var source: String
    }

    /// The monthly round (thường xuyên): opens on a day of its month and closes on a day of the next.
    public struct Adhoc: Codable, Sendable, Hashable {
        public var opensOnDay: Int
        public var closesOnDayOfNextMonth: Int
        public var source: String
    }

    /// Which list year a round establishes, and the national standard of each list year.
    public struct ListYears: Codable, Sendable, Hashable {
        /// A periodic round of year Y establishes the lists of Y + this (1).
        public var periodicYearsAhead: Int
        public var periodicSource: String
        /// An ad hoc round of year Y changes the lists of Y + this (0).
        public var adhocYearsAhead: Int
        public var adhocSource: String
        public var standards: [ListYearStandard]
    }

    /// The national standard of the list years `from` to `to` (both included).
    public struct ListYearStandard: Codable, Sendable, Hashable {
        public var from: Int
        public var to: Int
        public var standardId: String
        /// The legal source, with its confidence tag.
        public var source: String
    }

    /// One round's window as an operator corrected it.
    public struct Override: Codable, Sendable, Hashable {
        public var roundId: String
        public var opensOn: String
        public var closesOn: String
        /// Why, and on whose decision (shown as the round's `source`).
        public var reason: String
    }

    /// Raised when the data changes, so a corrected file can be told from the shipped one.
    public var revision: Int
    public var note: String?
    public var periodic: Periodic
    public var adhoc: Adhoc
    public var listYears: ListYears
    public var overrides: [Override]

    /// The shipped calendar, for callers without an operator's file (tools, tests, the CSV template); it is the
    /// module's own resource, checked by a test, so failing to read it is a broken build.
    public static let shipped: ReviewCalendar = {
        do { return try bundled() } catch { fatalError("intake's review-calendar.json: \(error)") }
    }()

    /// The calendar shipped with intake.
    public static func bundled() throws -> ReviewCalendar {
        guard let url = Bundle.module.url(forResource: "review-calendar", withExtension: "json", subdirectory: "Resources") else {
            throw ValidationFailure([FieldError("review-calendar.json", "is missing from the intake module's resources")])
        }
        return try load(from: Data(contentsOf: url), name: "review-calendar.json")
    }

    /// A calendar file an operator maintains (`REVIEW_CALENDAR_FILE`), checked like the shipped one.
    public static func load(file path: String) throws -> ReviewCalendar {
        try load(from: Data(contentsOf: URL(fileURLWithPath: path)), name: path)
    }

    static func load(from data: Data, name: String) throws -> ReviewCalendar {
        let calendar = try JSONDecoder().decode(ReviewCalendar.self, from: data)
        let problems = calendar.problems()
        if !problems.isEmpty { throw ValidationFailure(problems.map { FieldError(name, $0) }) }
        return calendar
    }

    /// What makes the data unusable: impossible days, overrides of malformed rounds or with reversed windows.
    public func problems() -> [String] {
        var problems: [String] = []
        for (label, day) in [("periodic.opens", periodic.opens), ("periodic.closes", periodic.closes)]
        where !(1...12).contains(day.month) || !(1...CalendarDate.days(in: day.month, of: 2025)).contains(day.day) {
            problems.append("\(label) \(day.month)-\(day.day) is not a day of the year")
        }
        if (periodic.closes.month, periodic.closes.day) < (periodic.opens.month, periodic.opens.day) {
            problems.append("periodic window closes before it opens")
        }
        if !(1...28).contains(adhoc.opensOnDay) { problems.append("adhoc.opensOnDay must be 1 to 28") }
        if !(1...28).contains(adhoc.closesOnDayOfNextMonth) { problems.append("adhoc.closesOnDayOfNextMonth must be 1 to 28") }
        if !(0...1).contains(listYears.periodicYearsAhead) || !(0...1).contains(listYears.adhocYearsAhead) {
            problems.append("listYears: a round establishes the lists of its own year (0) or of the next (1)")
        }
        for entry in listYears.standards {
            if entry.to < entry.from { problems.append("listYears.standards: \(entry.from)–\(entry.to) ends before it starts") }
            if entry.standardId.isEmpty { problems.append("listYears.standards \(entry.from)–\(entry.to): standardId is empty") }
        }
        for (i, a) in listYears.standards.enumerated() {
            for b in listYears.standards[(i + 1)...] where a.from <= b.to && b.from <= a.to {
                problems.append("listYears.standards: \(a.from)–\(a.to) and \(b.from)–\(b.to) overlap; a list year has one national standard")
            }
        }
        for override in overrides {
            if case .failure(let error) = ReviewRoundID.parse(override.roundId) { problems.append("override \(error)") }
            let opens = CalendarDate(override.opensOn), closes = CalendarDate(override.closesOn)
            if opens == nil || closes == nil || closes! < opens! {
                problems.append("override of \(override.roundId): opensOn and closesOn must be YYYY-MM-DD dates, opensOn first")
            }
        }
        return problems
    }

    /// The round `id` names, with its window; a ``FieldError`` on `roundId` for a malformed id.
    public func round(id: String) throws(FieldError) -> ReviewRound {
        let parsed = try ReviewRoundID.parse(id).get()
        var round: ReviewRound
        switch parsed.kind {
        case .periodic:
            round = ReviewRound(
                roundId: id, kind: .periodic, name: "Rà soát định kỳ năm \(parsed.year)", year: parsed.year, month: nil,
                opensOn: Self.date(parsed.year, periodic.opens.month, periodic.opens.day),
                closesOn: Self.date(parsed.year, periodic.closes.month, periodic.closes.day), source: periodic.source,
                listYear: parsed.year + listYears.periodicYearsAhead, standardId: nil, listYearSource: listYears.periodicSource)
        case .adhoc:
            let month = parsed.month!
            let next = CalendarDate(Self.date(parsed.year, month, 1))!.adding(months: 1)
            round = ReviewRound(
                roundId: id, kind: .adhoc, name: "Rà soát thường xuyên tháng \(month)/\(DecimalText.zeroPadded(parsed.year, width: 4))", year: parsed.year,
                month: month, opensOn: Self.date(parsed.year, month, adhoc.opensOnDay),
                closesOn: Self.date(next.year, next.month, adhoc.closesOnDayOfNextMonth), source: adhoc.source,
                listYear: parsed.year + listYears.adhocYearsAhead, standardId: nil, listYearSource: listYears.adhocSource)
        }
        if let entry = listYears.standards.first(where: { ($0.from...$0.to).contains(round.listYear) }) {
            round.standardId = entry.standardId
            round.listYearSource += "; \(entry.standardId) for \(round.listYear): \(entry.source)"
        }
        if let override = overrides.last(where: { $0.roundId == id }) {
            round.opensOn = override.opensOn
            round.closesOn = override.closesOn
            round.source = override.reason
        }
        return round
    }

    /// The round of `kind` whose window holds `date` (the round a survey of that day belongs to), if any.
    public func round(of kind: ReviewKind, containing date: CalendarDate) -> ReviewRound? {
        let candidates: [String] =
            switch kind {
            case .periodic: [ReviewRoundID.make(.periodic, year: date.year)]
            case .adhoc:
                [date, date.adding(months: -1)].map { ReviewRoundID.make(.adhoc, year: $0.year, month: $0.month) }
            }
        return candidates.lazy.compactMap { try? self.round(id: $0) }.first { $0.contains(date) }
    }

    /// Every round of `year`, periodic and ad hoc, in the order they open.
    public func rounds(in year: Int) -> [ReviewRound] {
        let ids = [ReviewRoundID.make(.periodic, year: year)] + (1...12).map { ReviewRoundID.make(.adhoc, year: year, month: $0) }
        return ids.compactMap { try? round(id: $0) }.sorted { ($0.opensOn, $0.kind.rawValue) < ($1.opensOn, $1.kind.rawValue) }
    }

    private static func date(_ year: Int, _ month: Int, _ day: Int) -> String {
        let day = min(day, CalendarDate.days(in: month, of: year))
        return "\(DecimalText.zeroPadded(year, width: 4))-\(DecimalText.zeroPadded(month, width: 2))-\(DecimalText.zeroPadded(day, width: 2))"
    }
}

/// Review round ids: `<year>-periodic` and `<year>-<month>-adhoc` (the form demo data, CSV files and agencies use).
public enum ReviewRoundID {
    /// The id of a round.
    public static func make(_ kind: ReviewKind, year: Int, month: Int? = nil) -> String {
        switch kind {
        case .periodic: "\(DecimalText.zeroPadded(year, width: 4))-periodic"
        case .adhoc: "\(DecimalText.zeroPadded(year, width: 4))-\(DecimalText.zeroPadded(month ?? 1, width: 2))-adhoc"
        }
    }

    /// The kind, year and (ad hoc) month an id names, or a ``FieldError`` on `roundId` saying what is wrong.
    public static func parse(_ id: String) -> Result<(kind: ReviewKind, year: Int, month: Int?), FieldError> {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false)
        let digits = { (part: Substring, count: Int) in part.count == count && part.allSatisfy { $0.isASCII && $0.isNumber } }
        let expected = "is not a review round id: write <year>-periodic (e.g. 2026-periodic) or <year>-<month>-adhoc (e.g. 2026-11-adhoc)"
        guard let first = parts.first, digits(first, 4), let year = Int(first), (2016...2100).contains(year) else {
            return .failure(FieldError("roundId", "'\(id)' \(expected)"))
        }
        if parts.count == 2, parts[1] == "periodic" { return .success((.periodic, year, nil)) }
        if parts.count == 3, parts[2] == "adhoc", digits(parts[1], 2), let month = Int(parts[1]) {
            guard (1...12).contains(month) else { return .failure(FieldError("roundId", "'\(id)': month \(parts[1]) is not 01 to 12")) }
            return .success((.adhoc, year, month))
        }
        return .failure(FieldError("roundId", "'\(id)' \(expected)"))
    }
}
