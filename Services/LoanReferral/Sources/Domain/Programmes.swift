import EventContracts
import Foundation

/// A VBSP lending programme as data: who qualifies, the cap, the term, and the rate by date.
public struct LoanProgramme: Codable, Sendable, Hashable {
    public struct Rate: Codable, Sendable, Hashable {
        /// First day the rate applies (YYYY-MM-DD).
        public var from: String
        /// Percent per year.
        public var percent: Double
    }

    public enum Rule: Codable, Sendable, Hashable {
        /// The household's class is one of these.
        case householdClass([HouseholdClass])
        /// Escaped poverty, and the survey date is at most `windowMonths` after `escapedOn`, the date of the decision that
        /// recognised the escape (Decision 28/2015: 3 years).
        case newlyEscaped(windowMonths: Int)
        /// A rural household deprived on any of these indicators.
        case ruralDeprivation([String])

        private enum CodingKeys: String, CodingKey { case kind, classes, windowMonths, indicators }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .kind) {
            case "householdClass": self = .householdClass(try container.decode([HouseholdClass].self, forKey: .classes))
            case "newlyEscaped": self = .newlyEscaped(windowMonths: try container.decode(Int.self, forKey: .windowMonths))
            case "ruralDeprivation": self = .ruralDeprivation(try container.decode([String].self, forKey: .indicators))
            case let other:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown rule kind '\(other)'")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .householdClass(let classes):
                try container.encode("householdClass", forKey: .kind)
                try container.encode(classes, forKey: .classes)
            case .newlyEscaped(let months):
                try container.encode("newlyEscaped", forKey: .kind)
                try container.encode(months, forKey: .windowMonths)
            case .ruralDeprivation(let indicators):
                try container.encode("ruralDeprivation", forKey: .kind)
                try container.encode(indicators, forKey: .indicators)
            }
        }
    }

    public var id: String
    public var name: String
    public var legalBasis: String
    public var rule: Rule
    public var maxLoanVnd: Int64
    /// For a programme lent per facility (`ruralDeprivation`): the cap for each indicator the household is deprived on,
    /// so one lacking only a latrine is offered the cap of one facility, not the programme's maximum.
    public var capPerIndicatorVnd: Int64?
    public var maxTermMonths: Int
    public var rates: [Rate]
    /// Figures changed by a later decision, each from its day on (the fields above are those before the first).
    public var changes: [Change]?
    /// Classes the programme does not lend to whatever its rule says (a programme for others than the poor and
    /// near-poor, who borrow under their own programmes).
    public var excludedClasses: [HouseholdClass]?

    /// A decision's change to the programme's figures, from `from` on; a field left out keeps its earlier value.
    public struct Change: Codable, Sendable, Hashable {
        public var from: String
        public var maxLoanVnd: Int64?
        public var capPerIndicatorVnd: Int64?
        public var maxTermMonths: Int?
        /// The decision, and the confidence tag (`C`, `M` or `U`, docs/loan-programmes.md).
        public var source: String
        public var confidence: String
    }

    /// The cap, the cap per facility and the maximum term in force on a day.
    public struct Terms: Sendable, Hashable {
        public var maxLoanVnd: Int64
        public var capPerIndicatorVnd: Int64?
        public var maxTermMonths: Int
    }

    /// The rate in force on `date`, or nil before the first one.
    public func rate(on date: String) -> Double? {
        rates.filter { $0.from <= date }.max { $0.from < $1.from }?.percent
    }

    /// The figures in force on `date`: the programme's own, then every change from that day or before, in date order.
    public func terms(on date: String) -> Terms {
        var terms = Terms(maxLoanVnd: maxLoanVnd, capPerIndicatorVnd: capPerIndicatorVnd, maxTermMonths: maxTermMonths)
        for change in (changes ?? []).filter({ $0.from <= date }).sorted(by: { $0.from < $1.from }) {
            terms.maxLoanVnd = change.maxLoanVnd ?? terms.maxLoanVnd
            terms.capPerIndicatorVnd = change.capPerIndicatorVnd ?? terms.capPerIndicatorVnd
            terms.maxTermMonths = change.maxTermMonths ?? terms.maxTermMonths
        }
        return terms
    }

    /// Every problem of the programme's data, each naming its field.
    func problems(at index: Int) -> [FieldError] {
        var problems: [FieldError] = []
        let at = "programmes[\(index)]"
        for (n, rate) in rates.enumerated() where CalendarDate(rate.from) == nil {
            problems.append(FieldError("\(at).rates[\(n)].from", "'\(rate.from)' is not a date (YYYY-MM-DD)"))
        }
        for (n, change) in (changes ?? []).enumerated() {
            if CalendarDate(change.from) == nil {
                problems.append(FieldError("\(at).changes[\(n)].from", "'\(change.from)' is not a date (YYYY-MM-DD)"))
            }
            if !["C", "M", "U"].contains(change.confidence) {
                problems.append(FieldError("\(at).changes[\(n)].confidence", "'\(change.confidence)' is not C, M or U"))
            }
            if change.source.trimmingCharacters(in: .whitespaces).isEmpty {
                problems.append(FieldError("\(at).changes[\(n)].source", "a change names the decision it comes from"))
            }
        }
        return problems
    }
}

public struct ProgrammeCatalogue: Codable, Sendable {
    public var revision: Int
    public var programmes: [LoanProgramme]

    public static func bundled() throws -> ProgrammeCatalogue {
        guard let url = Bundle.module.url(forResource: "programmes", withExtension: "json", subdirectory: "Resources") else {
            throw FieldError("programmes", "bundled programmes.json is missing")
        }
        return try load(Data(contentsOf: url))
    }

    /// Decodes and checks a catalogue; every problem is reported, each naming its field.
    public static func load(_ data: Data) throws -> ProgrammeCatalogue {
        let catalogue = try JSONDecoder().decode(ProgrammeCatalogue.self, from: data)
        let problems = catalogue.programmes.enumerated().flatMap { $1.problems(at: $0) }
        guard problems.isEmpty else { throw ValidationFailure(problems) }
        return catalogue
    }
}

/// Which programmes a classified household is referred to, and why. Pure: the same inputs give the same referrals.
///
/// Referral follows recognition: VBSP lends to households on the list the commune chairman recognised, so a household
/// whose class is only proposed is a `candidate` (on the commune's draft list) and becomes `referred`, under the same
/// referral id, with the version the decision recognised. A referral that no longer applies is `withdrawn`.
public enum ReferralRules {
    /// - Parameters:
    ///   - previous: the household's referrals before this version: one that no longer applies stays in the set as
    ///     `withdrawn`, with the reason, so the bank sees it end.
    ///   - day: the calendar day as read on the household's partition: a referral whose window ended before it does
    ///     not start, and one already out is withdrawn (``expire(_:on:)``).
    public static func referrals(
        for household: ClassifiedHousehold, programmes: [LoanProgramme], previous: [LoanReferral] = [], on day: String? = nil
    ) -> [LoanReferral] {
        var current: [LoanReferral] = []
        if let c = household.classification {  // unclassified: nothing to refer
            let recognised = household.status == .recognised
            let status: ReferralStatus = recognised ? .referred : .candidate
            let day = recognised ? household.recognition?.decisionDate ?? household.surveyDate : household.surveyDate
            current = programmes.compactMap { programme -> LoanReferral? in
                guard !(programme.excludedClasses ?? []).contains(c.householdClass), let reason = qualifies(household, c, programme.rule),
                    let rate = programme.rate(on: household.surveyDate)
                else { return nil }
                let terms = programme.terms(on: household.surveyDate)
                return LoanReferral(
                    referralId: referralId(household.householdId, programme.id), programmeId: programme.id,
                    programmeName: programme.name, legalBasis: programme.legalBasis, maxLoanVnd: cap(programme, terms, c),
                    annualRatePercent: rate, maxTermMonths: terms.maxTermMonths, reason: reason, status: status, referredOn: day,
                    validUntil: validUntil(c, programme.rule))
            }
        }
        // A window already over on the calendar: a referral the bank saw ends with its reason; a new one never starts.
        if let day {
            let open = previous.filter { $0.status != .withdrawn }.map(\.programmeId)
            current = expire(current, on: day).filter { $0.status != .withdrawn || open.contains($0.programmeId) }
        }
        let kept = Set(current.map(\.programmeId))
        let ended = previous.filter { !kept.contains($0.programmeId) }.map { old -> LoanReferral in
            guard old.status != .withdrawn else { return old }
            var withdrawn = old
            withdrawn.status = .withdrawn
            withdrawn.withdrawnReason = whyWithdrawn(household)
            withdrawn.referredOn = household.recognition?.decisionDate ?? household.surveyDate
            return withdrawn
        }
        return (current + ended).sorted { $0.programmeId < $1.programmeId }
    }

    /// `referrals` with every referral whose window ended before `day` withdrawn, the day after the window's end.
    public static func expire(_ referrals: [LoanReferral], on day: String) -> [LoanReferral] {
        referrals.map { referral in
            guard referral.status != .withdrawn, let until = referral.validUntil, until < day, let end = CalendarDate(until) else {
                return referral
            }
            var ended = referral
            ended.status = .withdrawn
            ended.withdrawnReason = "the window of \(referral.programmeId) ended on \(until) (\(referral.reason))"
            ended.referredOn = end.adding(days: 1).description
            return ended
        }
    }

    /// The last day a referral applies, for a rule with a window: the escape decision's date plus the window.
    static func validUntil(_ c: ClassificationSummary, _ rule: LoanProgramme.Rule) -> String? {
        guard case .newlyEscaped(let windowMonths) = rule, let escapedOn = c.escapedOn.flatMap(CalendarDate.init) else { return nil }
        return escapedOn.adding(months: windowMonths).description
    }

    /// The referral id: the same for a household and programme whatever the round or survey version.
    public static func referralId(_ householdId: String, _ programmeId: String) -> String {
        DeterministicID.make("referral", householdId, programmeId)
    }

    static func cap(_ programme: LoanProgramme, _ terms: LoanProgramme.Terms, _ c: ClassificationSummary) -> Int64 {
        guard let perIndicator = terms.capPerIndicatorVnd, case .ruralDeprivation(let indicators) = programme.rule else {
            return terms.maxLoanVnd
        }
        let facilities = Int64(c.deprivedIndicators.filter { indicators.contains($0) }.count)
        return min(terms.maxLoanVnd, perIndicator * facilities)
    }

    static func whyWithdrawn(_ h: ClassifiedHousehold) -> String {
        guard let c = h.classification else {
            return "household version \(h.householdVersion) could not be classified (\(h.unclassified?.reason ?? "no reason given"))"
        }
        return "household no longer qualifies: \(c.householdClass.rawValue) under \(c.standard.id) (survey of \(h.surveyDate), \(h.status.rawValue))"
    }

    static func qualifies(_ h: ClassifiedHousehold, _ c: ClassificationSummary, _ rule: LoanProgramme.Rule) -> String? {
        switch rule {
        case .householdClass(let classes):
            return classes.contains(c.householdClass) ? "household is \(c.householdClass.rawValue) under \(c.standard.id)" : nil
        case .newlyEscaped(let windowMonths):
            guard [.averageLiving, .none].contains(c.householdClass), let escapedOn = c.escapedOn.flatMap(CalendarDate.init),
                let surveyDate = CalendarDate(h.surveyDate), surveyDate <= escapedOn.adding(months: windowMonths)
            else { return nil }
            return "escaped poverty on \(escapedOn), within \(windowMonths) months"
        case .ruralDeprivation(let indicators):
            guard h.area.areaType == .rural else { return nil }
            let deprived = c.deprivedIndicators.filter { indicators.contains($0) }
            return deprived.isEmpty ? nil : "rural household deprived on \(deprived.joined(separator: ", "))"
        }
    }
}
