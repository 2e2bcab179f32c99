/// Where a member stands with one course or vacancy: proposed by matching, then as the centre reports it.
public enum PlacementStatus: String, Codable, Sendable, CaseIterable, Comparable {
    /// Matching proposes the entry; the centre has not acted yet. Another run may give the seat to someone else.
    case proposed
    /// The centre offered it to the person: the seat or post is held for them.
    case offered
    case enrolled
    case completed
    /// Left the course, or declined the offer: the seat is freed and the entry not proposed to them again.
    case dropped
    /// In a job: the vacancy's, or one found after completing the course.
    case placed
    /// Left to work abroad under contract.
    case departed

    /// Whether the person holds the entry's seat or post (proposals do not).
    public var holdsPlace: Bool { self != .proposed && self != .dropped }

    public static func < (lhs: Self, rhs: Self) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }
}

/// What a centre reports about a member and one entry (`giamngheo.employment.placement-event.v1`, key: household id;
/// `POST /v1/placement-events`).
public struct PlacementEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case offered, enrolled, completed, dropped, placed, departed
    }
    public enum ContractType: String, Codable, Sendable, CaseIterable {
        /// Labour Code 2019, Article 20: indefinite-term or fixed-term (up to 36 months) labour contracts.
        case indefinite, fixedTerm, seasonal, noContract
    }

    public var householdId: String
    public var memberId: String
    public var entry: CatalogueOutcome.Entry
    public var entryId: String
    public var kind: Kind
    /// The day it happened (YYYY-MM-DD), not before the member's previous event on the entry.
    public var occurredOn: String
    /// For `completed`: the certificate's number.
    public var certificate: String?
    /// For `placed`: the employer, the monthly wage and the contract.
    public var employer: String?
    public var monthlyWageVnd: Int64?
    public var contractType: ContractType?

    public init(
        householdId: String, memberId: String, entry: CatalogueOutcome.Entry, entryId: String, kind: Kind, occurredOn: String,
        certificate: String? = nil, employer: String? = nil, monthlyWageVnd: Int64? = nil, contractType: ContractType? = nil
    ) {
        self.householdId = householdId
        self.memberId = memberId
        self.entry = entry
        self.entryId = entryId
        self.kind = kind
        self.occurredOn = occurredOn
        self.certificate = certificate
        self.employer = employer
        self.monthlyWageVnd = monthlyWageVnd
        self.contractType = contractType
    }
}

/// training-match's answer to each placement event (`giamngheo.employment.placement-outcome.v1`, key: the event's
/// correlation id, else its id; and over HTTP): accepted with the member's status on the entry, or rejected with every
/// field at fault.
public struct PlacementOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }

    public var eventSource: String
    public var eventId: String
    public var correlationId: String
    public var status: Status
    public var householdId: String?
    public var memberId: String?
    public var entryId: String?
    public var standing: PlacementStatus?
    public var errors: [FieldError]

    public init(
        eventSource: String, eventId: String, correlationId: String, status: Status, householdId: String? = nil, memberId: String? = nil,
        entryId: String? = nil, standing: PlacementStatus? = nil, errors: [FieldError] = []
    ) {
        self.eventSource = eventSource
        self.eventId = eventId
        self.correlationId = correlationId
        self.status = status
        self.householdId = householdId
        self.memberId = memberId
        self.entryId = entryId
        self.standing = standing
        self.errors = errors
    }
}

/// One step of a member's history with an entry.
public struct PlacementStep: Codable, Sendable, Hashable {
    public var status: PlacementStatus
    /// The day (the centre's `occurredOn`; for a proposal, the matching run's day).
    public var on: String
    /// The centre's event (`<ce_source>/<ce_id>`); absent for proposals.
    public var event: String?

    public init(status: PlacementStatus, on: String, event: String? = nil) {
        self.status = status
        self.on = on
        self.event = event
    }
}

/// A course or vacancy as proposed to or taken up by one member.
public struct TrainingOffer: Codable, Sendable, Hashable {
    public var memberId: String
    public var entry: CatalogueOutcome.Entry
    public var entryId: String
    public var occupation: Occupation
    public var place: CataloguePlace
    /// A course's first day; a vacancy's last day to apply.
    public var startsOn: String?
    public var deadline: String?
    public var score: Int
    /// Why the entry was proposed: the filters met and what the score counted.
    public var reasons: [String]
    public var status: PlacementStatus
    /// A course's support for this member: the lower of its cost and their group's cap (VND).
    public var supportVnd: Int64?
    public var history: [PlacementStep]

    public init(
        memberId: String, entry: CatalogueOutcome.Entry, entryId: String, occupation: Occupation, place: CataloguePlace, startsOn: String? = nil,
        deadline: String? = nil, score: Int, reasons: [String], status: PlacementStatus, supportVnd: Int64? = nil, history: [PlacementStep]
    ) {
        self.memberId = memberId
        self.entry = entry
        self.entryId = entryId
        self.occupation = occupation
        self.place = place
        self.startsOn = startsOn
        self.deadline = deadline
        self.score = score
        self.reasons = reasons
        self.status = status
        self.supportVnd = supportVnd
        self.history = history
    }
}

/// `giamngheo.training-offer.v1`: a household's members' offers (proposed, and those the centres took up), published
/// when they change. No names or identity numbers.
public struct TrainingOfferSet: Codable, Sendable, Hashable {
    public var householdId: String
    /// One more than the version last published for the household.
    public var version: Int64
    public var communeCode: String
    public var provinceCode: String
    public var offers: [TrainingOffer]

    public init(householdId: String, version: Int64, communeCode: String, provinceCode: String, offers: [TrainingOffer]) {
        self.householdId = householdId
        self.version = version
        self.communeCode = communeCode
        self.provinceCode = provinceCode
        self.offers = offers
    }
}
