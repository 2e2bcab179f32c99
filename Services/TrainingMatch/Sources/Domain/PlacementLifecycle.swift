import EventContracts

/// What a centre's placement event may change, given where the member stands with the entry (docs/training-rules.md,
/// "Outcomes"). Pure: the handler loads the offer and the entry, this decides.
///
/// - offered: from proposed, while the entry has a seat or post not held by someone else;
/// - enrolled (a course): from proposed (as offered) or offered;
/// - completed (a course): from enrolled, with the certificate's number;
/// - dropped: from proposed (declined), offered or enrolled;
/// - placed: a vacancy from proposed or offered; a course's trainee from completed (a job found after it); with the
///   employer, the monthly wage and the contract;
/// - departed (work abroad): a vacancy abroad, from proposed or offered.
/// A step dated before the member's previous event on the entry is refused.
public enum PlacementLifecycle {
    /// The entry as the step needs it.
    public struct EntryFacts: Sendable, Hashable {
        public var capacity: Int
        /// Seats or posts held by other members.
        public var heldByOthers: Int
        public var abroad: Bool

        public init(capacity: Int, heldByOthers: Int, abroad: Bool) {
            self.capacity = capacity
            self.heldByOthers = heldByOthers
            self.abroad = abroad
        }
    }

    public static func apply(_ event: PlacementEvent, status: PlacementStatus, history: [PlacementStep], entry: EntryFacts)
        -> Result<PlacementStatus, ValidationFailure>
    {
        var errors: [FieldError] = []
        let isCourse = event.entry == .course
        let next: PlacementStatus
        let allowedFrom: [PlacementStatus]
        switch event.kind {
        case .offered: (next, allowedFrom) = (.offered, [.proposed])
        case .enrolled: (next, allowedFrom) = (.enrolled, isCourse ? [.proposed, .offered] : [])
        case .completed: (next, allowedFrom) = (.completed, isCourse ? [.enrolled] : [])
        case .dropped: (next, allowedFrom) = (.dropped, [.proposed, .offered, .enrolled])
        case .placed: (next, allowedFrom) = (.placed, isCourse ? [.completed] : [.proposed, .offered])
        case .departed: (next, allowedFrom) = (.departed, !isCourse && entry.abroad ? [.proposed, .offered] : [])
        }
        if allowedFrom.isEmpty {
            let why =
                switch event.kind {
                case .departed: isCourse ? "a course has no departure abroad" : "vacancy \(event.entryId) is not work abroad"
                default: "a vacancy has no \(event.kind.rawValue) step: it is offered, then placed, departed or dropped"
                }
            errors.append(FieldError("kind", why))
        } else if !allowedFrom.contains(status) {
            errors.append(
                FieldError(
                    "kind",
                    "member \(event.memberId) is \(status.rawValue) for \(event.entry.rawValue) \(event.entryId): "
                        + "\(event.kind.rawValue) follows \(allowedFrom.map(\.rawValue).joined(separator: " or "))"))
        }
        if status == .proposed && next.holdsPlace && entry.heldByOthers >= entry.capacity {
            errors.append(
                FieldError("entryId", "\(event.entry.rawValue) \(event.entryId) has no \(isCourse ? "seat" : "post") left (\(entry.capacity) held)"))
        }
        switch CalendarDate(event.occurredOn) {
        case nil: errors.append(FieldError("occurredOn", "'\(event.occurredOn)' is not a date (YYYY-MM-DD)"))
        case let day?:
            if let last = history.last(where: { $0.event != nil }), let lastDay = CalendarDate(last.on), day < lastDay {
                errors.append(FieldError("occurredOn", "\(event.occurredOn) is before the member's previous event on it (\(last.on))"))
            }
        }
        if next == .completed && (event.certificate ?? "").isEmpty {
            errors.append(FieldError("certificate", "a completion names the certificate's number"))
        }
        if next == .placed {
            if (event.employer ?? "").isEmpty { errors.append(FieldError("employer", "a placement names the employer")) }
            if (event.monthlyWageVnd ?? 0) <= 0 { errors.append(FieldError("monthlyWageVnd", "a placement gives the monthly wage in VND, above 0")) }
            if event.contractType == nil { errors.append(FieldError("contractType", "a placement gives the contract type")) }
        }
        return errors.isEmpty ? .success(next) : .failure(ValidationFailure(errors))
    }
}
