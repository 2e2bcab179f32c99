import EventContracts

/// A member as an officer enters them: identity (stays in intake) plus the facts the standards read.
public struct SurveyMember: Codable, Sendable, Hashable {
    public var fullName: String
    /// 12-digit citizen identity number; required for the head, optional for members without one (young children).
    public var cccd: String?
    /// YYYY-MM-DD.
    public var birthDate: String
    public var facts: MemberFacts

    public init(fullName: String, cccd: String?, birthDate: String, facts: MemberFacts) {
        self.fullName = fullName
        self.cccd = cccd
        self.birthDate = birthDate
        self.facts = facts
    }

    private enum CodingKeys: String, CodingKey { case fullName, cccd, birthDate }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        fullName = try container.decode(String.self, forKey: .fullName)
        cccd = try container.decodeIfPresent(String.self, forKey: .cccd)
        birthDate = try container.decode(String.self, forKey: .birthDate)
        facts = try MemberFacts(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(fullName, forKey: .fullName)
        try container.encodeIfPresent(cccd, forKey: .cccd)
        try container.encode(birthDate, forKey: .birthDate)
        try facts.encode(to: encoder)
    }
}

/// A household survey as submitted over HTTP (and, later, CSV rows and the agency topic).
public struct SurveyInput: Codable, Sendable, Hashable {
    /// Present to correct a known household; absent for a new one (the id is then derived from commune and head CCCD).
    public var householdId: String?
    public var communeCode: String
    public var village: String?
    public var reviewKind: ReviewKind
    /// Defaults to `<year>-periodic` or `<year>-<month>-adhoc` from the survey date.
    public var roundId: String?
    public var surveyDate: String
    /// Defaults to `proposed`; `recognised` once the commune chairman's decision is made.
    public var status: RecognitionStatus?
    public var members: [SurveyMember]
    public var conditions: LivingConditions

    public init(
        householdId: String? = nil, communeCode: String, village: String? = nil, reviewKind: ReviewKind, roundId: String? = nil,
        surveyDate: String, status: RecognitionStatus? = nil, members: [SurveyMember], conditions: LivingConditions
    ) {
        self.householdId = householdId
        self.communeCode = communeCode
        self.village = village
        self.reviewKind = reviewKind
        self.roundId = roundId
        self.surveyDate = surveyDate
        self.status = status
        self.members = members
        self.conditions = conditions
    }

    private enum CodingKeys: String, CodingKey {
        case householdId, communeCode, village, reviewKind, roundId, surveyDate, status, members
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        householdId = try container.decodeIfPresent(String.self, forKey: .householdId)
        communeCode = try container.decode(String.self, forKey: .communeCode)
        village = try container.decodeIfPresent(String.self, forKey: .village)
        reviewKind = try container.decode(ReviewKind.self, forKey: .reviewKind)
        roundId = try container.decodeIfPresent(String.self, forKey: .roundId)
        surveyDate = try container.decode(String.self, forKey: .surveyDate)
        status = try container.decodeIfPresent(RecognitionStatus.self, forKey: .status)
        members = try container.decode([SurveyMember].self, forKey: .members)
        conditions = try LivingConditions(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(householdId, forKey: .householdId)
        try container.encode(communeCode, forKey: .communeCode)
        try container.encodeIfPresent(village, forKey: .village)
        try container.encode(reviewKind, forKey: .reviewKind)
        try container.encodeIfPresent(roundId, forKey: .roundId)
        try container.encode(surveyDate, forKey: .surveyDate)
        try container.encodeIfPresent(status, forKey: .status)
        try container.encode(members, forKey: .members)
        try conditions.encode(to: encoder)
    }
}
