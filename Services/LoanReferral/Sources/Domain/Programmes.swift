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

    /// The rate in force on `date`, or nil before the first one.
    public func rate(on date: String) -> Double? {
        rates.filter { $0.from <= date }.max { $0.from < $1.from }?.percent
    }
}

public struct ProgrammeCatalogue: Codable, Sendable {
    public var revision: Int
    public var programmes: [LoanProgramme]

    public static func bundled() throws -> ProgrammeCatalogue {
        guard let url = Bundle.module.url(forResource: "programmes", withExtension: "json", subdirectory: "Resources") else {
            throw FieldError("programmes", "bundled programmes.json is missing")
        }
        return try JSONDecoder().decode(ProgrammeCatalogue.self, from: Data(contentsOf: url))
    }
}

/// Which programmes a classified household is referred to, and why. Pure: the same inputs give the same referrals.
///
/// Referral follows recognition: VBSP lends to households on the list the commune chairman recognised, so a household
/// whose class is only proposed is a `candidate` (on the commune's draft list) and becomes `referred`, under the same
/// referral id, with the version the decision recognised. A referral that no longer applies is `withdrawn`.
public enum ReferralRules {
    /// - Parameter previous: the household's referrals before this version: one that no longer applies stays in the
    ///   set as `withdrawn`, with the reason, so the bank sees it end.
    public static func referrals(
        for household: ClassifiedHousehold, programmes: [LoanProgramme], previous: [LoanReferral] = []
    ) -> [LoanReferral] {
        var current: [LoanReferral] = []
        if let c = household.classification {  // unclassified: nothing to refer
            let recognised = household.status == .recognised
            let status: ReferralStatus = recognised ? .referred : .candidate
            let day = recognised ? household.recognition?.decisionDate ?? household.surveyDate : household.surveyDate
            current = programmes.compactMap { programme -> LoanReferral? in
                guard let reason = qualifies(household, c, programme.rule), let rate = programme.rate(on: household.surveyDate) else {
                    return nil
                }
                return LoanReferral(
                    referralId: referralId(household.householdId, programme.id), programmeId: programme.id,
                    programmeName: programme.name, legalBasis: programme.legalBasis, maxLoanVnd: cap(programme, c),
                    annualRatePercent: rate, maxTermMonths: programme.maxTermMonths, reason: reason, status: status, referredOn: day)
            }
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

    /// The referral id: the same for a household and programme whatever the round or survey version.
    public static func referralId(_ householdId: String, _ programmeId: String) -> String {
        DeterministicID.make("referral", householdId, programmeId)
    }

    static func cap(_ programme: LoanProgramme, _ c: ClassificationSummary) -> Int64 {
        guard let perIndicator = programme.capPerIndicatorVnd, case .ruralDeprivation(let indicators) = programme.rule else {
            return programme.maxLoanVnd
        }
        let facilities = Int64(c.deprivedIndicators.filter { indicators.contains($0) }.count)
        return min(programme.maxLoanVnd, perIndicator * facilities)
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
