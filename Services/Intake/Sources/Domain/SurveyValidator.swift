import Foundation
import Areas
import EventContracts

/// A survey that passed every check, with what intake derives from it (area, ages, income per person). A survey is
/// always `proposed`: only the commune's recognition decision makes a version `recognised`.
public struct ValidSurvey: Sendable, Hashable {
    public var householdId: String
    /// The ids this household would have had under the former household id keys (empty when the submitter named
    /// the household): intake keeps the household's existing id if one of them is stored.
    public var formerHouseholdIds: [String] = []
    public var area: AreaRef
    public var reviewKind: ReviewKind
    public var roundId: String
    /// The year whose lists the round establishes, and the national standard for it (the review calendar's).
    public var listYear: Int
    public var standardId: String?
    public var surveyDate: String
    public var head: HeadIdentity
    public var members: [HouseholdMember]
    public var conditions: LivingConditions

    /// The snapshot published for `version`.
    public func snapshot(version: Int64, recordedAt: String) -> HouseholdSnapshot {
        HouseholdSnapshot(
            householdId: householdId, version: version, area: area, reviewKind: reviewKind, roundId: roundId, listYear: listYear,
            standardId: standardId, surveyDate: surveyDate, status: .proposed, head: head, members: members, conditions: conditions, recordedAt: recordedAt)
    }
}

/// What a survey is checked against in a running intake: the area list, the review calendar and the household id keys.
public struct SurveyRules: Sendable {
    public let areas: AreaRegistry
    public let calendar: ReviewCalendar
    public let householdIds: HouseholdIDKeys

    public init(areas: AreaRegistry, calendar: ReviewCalendar = .shipped, householdIds: HouseholdIDKeys) {
        self.areas = areas
        self.calendar = calendar
        self.householdIds = householdIds
    }

    public func validate(_ input: SurveyInput, today: CalendarDate) -> Result<ValidSurvey, ValidationFailure> {
        SurveyValidator.validate(input, areas: areas, today: today, calendar: calendar, householdIds: householdIds)
    }
}

/// Checks a submitted survey field by field; every problem is reported, each naming its field and the reason.
public enum SurveyValidator {
    public static let maxMembers = 30

    /// - Parameters:
    ///   - calendar: the review rounds' windows (an operator's corrected file in the service).
    ///   - householdIds: the deployment's keys that make a new household's id.
    public static func validate(
        _ input: SurveyInput, areas: AreaRegistry, today: CalendarDate, calendar: ReviewCalendar = .shipped, householdIds: HouseholdIDKeys
    ) -> Result<ValidSurvey, ValidationFailure> {
        var errors: [FieldError] = []
        let surveyDate = CalendarDate(input.surveyDate)
        if let surveyDate {
            if surveyDate > today { errors.append(FieldError("surveyDate", "\(input.surveyDate) is in the future")) }
            if surveyDate.year < 2016 { errors.append(FieldError("surveyDate", "\(input.surveyDate) is before the multidimensional standards (2016)")) }
        } else {
            errors.append(FieldError("surveyDate", "'\(input.surveyDate)' is not a date in the form YYYY-MM-DD"))
        }
        var area: AreaRef?
        do {
            let unit = try areas.commune(input.communeCode, on: surveyDate?.description ?? today.description)
            area = AreaRef(communeCode: unit.code, provinceCode: unit.provinceCode, areaType: unit.areaType, village: input.village)
        } catch {
            errors.append(error)
        }
        if let id = input.householdId, !isUUID(id) { errors.append(FieldError("householdId", "'\(id)' is not a UUID")) }
        if let village = input.village, village.count > 200 { errors.append(FieldError("village", "is longer than 200 characters")) }

        var members: [HouseholdMember] = []
        var head: HeadIdentity?
        if input.members.isEmpty { errors.append(FieldError("members", "at least one member (the head) is required")) }
        if input.members.count > maxMembers { errors.append(FieldError("members", "more than \(maxMembers) members")) }
        let heads = input.members.indices.filter { input.members[$0].facts.relation == .head }
        if !input.members.isEmpty && heads.count != 1 {
            errors.append(FieldError("members", "exactly one member must have relation 'head', found \(heads.count)"))
        }
        var seenCCCD: [String: Int] = [:]
        for (index, member) in input.members.enumerated() {
            func field(_ name: String) -> String { "members[\(index)].\(name)" }  // built only for an error
            let name = member.fullName.normalizedName()
            if name.isEmpty { errors.append(FieldError(field("fullName"), "is empty")) }
            if name.utf8.count > 100 && name.count > 100 { errors.append(FieldError(field("fullName"), "is longer than 100 characters")) }
            if member.facts.ethnicity.trimmingWhitespace().isEmpty {
                errors.append(FieldError(field("ethnicity"), "is empty"))
            }
            guard let birth = CalendarDate(member.birthDate) else {
                errors.append(FieldError(field("birthDate"), "is not a date in the form YYYY-MM-DD (the value is not repeated: it is personal data)"))
                continue
            }
            let age = surveyDate.map { birth.age(on: $0) } ?? 0
            if let surveyDate, birth > surveyDate { errors.append(FieldError(field("birthDate"), "is after the survey date")) }
            if age > 120 { errors.append(FieldError(field("birthDate"), "gives an age of \(age) years")) }
            if let cccd = member.cccd {
                if let problem = CCCD.problem(cccd, sex: member.facts.sex, birthDate: member.birthDate) {
                    errors.append(FieldError(field("cccd"), problem))
                } else if let other = seenCCCD[cccd] {
                    errors.append(FieldError(field("cccd"), "same CCCD as members[\(other)]"))
                }
                seenCCCD[cccd] = index
            } else if member.facts.relation == .head {
                errors.append(FieldError(field("cccd"), "is required for the head of household"))
            }
            if member.facts.nutrition != nil && age >= 16 {
                errors.append(FieldError(field("nutrition"), "applies to children under 16; this member is \(age)"))
            }
            if member.facts.relation == .head, let cccd = member.cccd { head = HeadIdentity(fullName: name, cccd: cccd) }
            members.append(HouseholdMember(memberId: "m\(index + 1)", ageYears: age, facts: member.facts))
        }

        var conditions = input.conditions
        errors += check(&conditions, memberCount: input.members.count)
        if input.status == .recognised {
            errors.append(FieldError(
                "status", "'recognised' is set only by the commune chairman's recognition decision "
                    + "(POST /v1/review-rounds/{roundId}/communes/{communeCode}/recognition); submit the survey as 'proposed' or without status"))
        }
        var round = surveyDate.flatMap { reviewRound(input, surveyDate: $0, calendar: calendar, errors: &errors) }
        if let unclassifiable = round, unclassifiable.standardId == nil {
            // Eligibility could only leave it unclassified: say so now, while the officer can still act on it.
            errors.append(FieldError(
                input.roundId == nil ? "surveyDate" : "roundId",
                "round \(unclassifiable.roundId) establishes the lists of \(unclassifiable.listYear), for which the review calendar "
                    + "declares no national poverty standard (listYears.standards); it cannot be classified"))
            round = nil
        }

        guard errors.isEmpty, let area, let head, let surveyDate, let round else { return .failure(ValidationFailure(errors)) }
        let householdId = input.householdId?.lowercased() ?? householdIds.householdId(communeCode: area.communeCode, headCCCD: head.cccd)
        let former = input.householdId == nil ? householdIds.formerHouseholdIds(communeCode: area.communeCode, headCCCD: head.cccd) : []
        return .success(ValidSurvey(
            householdId: householdId, formerHouseholdIds: former, area: area, reviewKind: input.reviewKind, roundId: round.roundId,
            listYear: round.listYear, standardId: round.standardId, surveyDate: surveyDate.description, head: head, members: members,
            conditions: conditions))
    }

    /// The survey's round: the one it names, which must be of its `reviewKind` and hold its survey date, or else the
    /// round of that kind whose window holds the date. Appends what is wrong to `errors`.
    static func reviewRound(_ input: SurveyInput, surveyDate: CalendarDate, calendar: ReviewCalendar, errors: inout [FieldError]) -> ReviewRound? {
        guard let id = input.roundId else {
            guard let round = calendar.round(of: input.reviewKind, containing: surveyDate) else {
                let periodic = try? calendar.round(id: ReviewRoundID.make(.periodic, year: surveyDate.year))
                errors.append(FieldError(
                    "surveyDate", input.reviewKind == .periodic
                        ? "\(surveyDate) is outside the periodic review of \(surveyDate.year)"
                            + (periodic.map { " (\($0.opensOn) – \($0.closesOn))" } ?? "")
                            + "; a survey between periodic reviews belongs to an ad hoc round (reviewKind 'adhoc')"
                        : "no ad hoc round holds \(surveyDate); give its roundId"))
                return nil
            }
            return round
        }
        let round: ReviewRound
        do {
            round = try calendar.round(id: id)
        } catch {
            errors.append(error)
            return nil
        }
        if round.kind != input.reviewKind {
            errors.append(FieldError("roundId", "'\(id)' is a \(round.kind.rawValue) round but reviewKind is '\(input.reviewKind.rawValue)'"))
            return nil
        }
        if !round.contains(surveyDate) {
            errors.append(FieldError("surveyDate", "\(surveyDate) is outside round \(id) (\(round.opensOn) – \(round.closesOn))"))
            return nil
        }
        return round
    }

    /// The most a household's declared monthly income (or one person's) can plausibly be: ten billion đồng, some
    /// thousands of times any poverty line. Not a legal rule: a bound that keeps a mistyped or hostile number (a 64-bit
    /// maximum) out of the registry and of every total computed from it (its `maximum` in docs/events/intake.submission.v1.schema.json).
    public static let maximumMonthlyVnd: Int64 = 10_000_000_000

    /// Checks the living conditions. Income per person is left to the standard (it divides the total exactly).
    static func check(_ conditions: inout LivingConditions, memberCount: Int) -> [FieldError] {
        var errors: [FieldError] = []
        let area = conditions.housing.floorAreaM2
        if !(area > 0) || area > 10_000 { errors.append(FieldError("housing.floorAreaM2", "must be more than 0 and at most 10,000 m²")) }
        let income = conditions.income
        for (field, value) in [("income.monthlyTotalVnd", income.monthlyTotalVnd), ("income.perCapitaMonthlyVnd", income.perCapitaMonthlyVnd)] {
            guard let value else { continue }
            if value < 0 { errors.append(FieldError(field, "must not be negative")) }
            if value > maximumMonthlyVnd { errors.append(FieldError(field, "is more than 10,000,000,000 ₫ a month, the most intake takes as plausible")) }
        }
        if let score = income.scoreA, !(0...1_000).contains(score) { errors.append(FieldError("income.scoreA", "must be between 0 and 1,000")) }
        if let score = income.scoreB, !(0...120).contains(score) || score % 10 != 0 {
            errors.append(FieldError("income.scoreB", "must be a multiple of 10 between 0 and 120"))
        }
        switch income.method {
        case .declared:
            if income.monthlyTotalVnd == nil && income.perCapitaMonthlyVnd == nil {
                errors.append(FieldError("income.monthlyTotalVnd", "is required when method is 'declared' (or give perCapitaMonthlyVnd)"))
            }
        case .score:
            if income.scoreA == nil { errors.append(FieldError("income.scoreA", "is required when method is 'score'")) }
        }
        return errors
    }

    static func isUUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(\.count)
        return parts == [8, 4, 4, 4, 12] && text.allSatisfy { $0 == "-" || $0.isHexDigit }
    }
}
