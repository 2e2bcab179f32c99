import EventContracts

/// The catalogue as officers read it on a given day: which standards are in force, which are scheduled, which
/// have ended, and every standard's data.
public struct StandardsOverview: Codable, Sendable, Hashable {
    /// The catalogue revision (goes into every classification's `rulesRevision`).
    public var revision: Int
    /// The day the lists below are for (YYYY-MM-DD, Vietnam time).
    public var asOf: String
    /// Ids of the standards in force on `asOf`, national first.
    public var inForce: [String]
    /// Ids of the standards that come into force after `asOf`, soonest first.
    public var scheduled: [String]
    /// Ids of the standards no longer in force on `asOf`.
    public var ended: [String]
    public var standards: [PovertyStandard]

    public init(_ catalogue: StandardsCatalogue, on day: CalendarDate) {
        let date = day.description
        func nationalFirst(_ a: PovertyStandard, _ b: PovertyStandard) -> Bool {
            (a.isNational ? 0 : 1, a.effectiveFrom, a.id) < (b.isNational ? 0 : 1, b.effectiveFrom, b.id)
        }
        revision = catalogue.revision
        asOf = date
        inForce = catalogue.standards.filter { $0.isInForce(on: date) }.sorted(by: nationalFirst).map(\.id)
        scheduled = catalogue.standards.filter { $0.effectiveFrom > date }.sorted(by: nationalFirst).map(\.id)
        ended = catalogue.standards.filter { ($0.effectiveTo ?? "9999-12-31") < date }.sorted(by: nationalFirst).map(\.id)
        standards = catalogue.standards
    }
}
