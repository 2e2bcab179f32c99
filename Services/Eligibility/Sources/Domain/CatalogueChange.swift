import EventContracts

/// The difference between the catalogue a store last applied and the one loaded now, and which households it can
/// change: a pure function of the two catalogues and a household version's choice of standards.
public struct CatalogueChange: Sendable {
    /// The catalogue last applied in full; nil when unknown (every household is then affected).
    public let old: StandardsCatalogue?
    public let new: StandardsCatalogue
    /// Standards added, removed, or whose data differ (their revision number aside).
    public let changedStandardIds: Set<String>

    public init(from old: StandardsCatalogue?, to new: StandardsCatalogue) {
        self.old = old
        self.new = new
        let before = Dictionary((old?.standards ?? []).map { ($0.id, $0.ignoringRevision) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.standards.map { ($0.id, $0.ignoringRevision) }, uniquingKeysWith: { a, _ in a })
        changedStandardIds = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }
    }

    /// Whether the change can alter the classification of a household version with this choice of standards: a
    /// different standard now applies to it (national or provincial), or one that applies changed. An unknown choice
    /// or an unknown old catalogue counts as affected.
    public func affects(_ choice: StandardChoice?) -> Bool {
        guard let old, let choice else { return true }
        let before = old.applicable(choice).map(\.id)
        let after = new.applicable(choice).map(\.id)
        return before != after || after.contains(where: changedStandardIds.contains)
    }

    /// Nothing that classification reads has changed.
    public var isEmpty: Bool { old != nil && changedStandardIds.isEmpty }
}

extension PovertyStandard {
    /// The standard with its revision number blanked, to compare data only.
    var ignoringRevision: PovertyStandard {
        var copy = self
        copy.revision = 0
        return copy
    }
}
