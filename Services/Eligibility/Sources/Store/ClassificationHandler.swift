import EventContracts
import EventStore
import Foundation
import GRDB

/// Classifies every household snapshot under its round's standard (the national standard of its list year).
public struct ClassificationHandler: EventHandler {
    let catalogue: StandardsCatalogue
    /// Places each household in today's units for the reports.
    let place: CurrentPlace

    /// Version-guarded: a record not newer than what is held changes nothing.
    public var deduplication: Deduplication { .versions }

    public init(catalogue: StandardsCatalogue, place: CurrentPlace) {
        self.catalogue = catalogue
        self.place = place
    }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.householdSnapshot else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.householdSnapshot), got '\(event.attributes.type)'"))
        }
        let snapshot = try event.decode(HouseholdSnapshot.self)
        guard let outcome = try apply(snapshot, bytes: event.data ?? [], in: db) else { return [] }
        let history = try EligibilityStore.officialHistory(snapshot.householdId, upTo: snapshot.version, placedBy: place, in: db)
        switch outcome {
        case .classified(let classification, _):
            return [
                try EligibilityStore.event(for: classification, of: snapshot, placedBy: place, history: history, causationId: event.attributes.id)
            ]
        case .unclassified(let version):
            return [
                try EligibilityStore.event(unclassified: version, of: snapshot, placedBy: place, history: history, causationId: event.attributes.id)
            ]
        }
    }

    /// What applying a household version led to.
    public enum Outcome: Sendable {
        /// The classification and its JSON, stored and to be published as the same bytes.
        case classified(Classification, [UInt8])
        /// No national standard of the catalogue classifies it: stored and published with the reason, never in silence.
        case unclassified(UnclassifiedVersion)

        /// The classification, when there is one.
        public var classification: Classification? {
            if case .classified(let classification, _) = self { classification } else { nil }
        }
    }

    /// Stores a new household version and its classification (or why it has none); nil for a version older than or
    /// equal to the stored one.
    public func apply(_ snapshot: HouseholdSnapshot, bytes: [UInt8], in db: Database) throws -> Outcome? {
        if let stored = try EligibilityStore.factsVersion(snapshot.householdId, in: db), stored >= snapshot.version { return nil }
        try EligibilityStore.storeFacts(snapshot, bytes: bytes, in: db)
        guard let standard = catalogue.national(for: snapshot.standardChoice) else {
            let version = UnclassifiedVersion(
                snapshot, rulesRevision: catalogue.revision,
                Unclassified(field: snapshot.standardId == nil ? "surveyDate" : "standardId", reason: snapshot.standardChoice.missingStandardReason))
            try EligibilityStore.recordUnclassified(version, in: db)
            return .unclassified(version)
        }
        let basis = try EligibilityStore.official(snapshot.householdId, in: db)?.basis(forVersion: snapshot.version, published: nil) ?? .none
        let classification = ClassificationBuilder.build(snapshot, under: standard, catalogue: catalogue, basis: basis)
        let encoded = try EventJSON.encode(classification)
        try EligibilityStore.record(classification, bytes: encoded, basis: basis, in: db)
        return .classified(classification, encoded)
    }
}

/// A household version intake accepted that no standard of the catalogue classifies, with the reason: what
/// `GET /v1/households/{id}/classification` answers for it. No personal data.
public struct UnclassifiedVersion: Codable, Sendable, Hashable {
    public var householdId: String
    public var householdVersion: Int64
    public var rulesRevision: Int
    public var area: AreaRef
    public var roundId: String
    public var listYear: Int?
    public var surveyDate: String
    public var status: RecognitionStatus
    public var unclassified: Unclassified

    public init(_ snapshot: HouseholdSnapshot, rulesRevision: Int, _ unclassified: Unclassified) {
        householdId = snapshot.householdId
        householdVersion = snapshot.version
        self.rulesRevision = rulesRevision
        area = snapshot.area
        roundId = snapshot.roundId
        listYear = snapshot.listYear
        surveyDate = snapshot.surveyDate
        status = snapshot.status
        self.unclassified = unclassified
    }
}
