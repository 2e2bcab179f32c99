import EventContracts
import EventStore
import Foundation
import GRDB

/// Classifies every household snapshot under its round's standard (the national standard of its list year).
public struct ClassificationHandler: EventHandler {
    let catalogue: StandardsCatalogue

    /// Version-guarded: a record not newer than what is held changes nothing.
    public var deduplication: Deduplication { .versions }

    public init(catalogue: StandardsCatalogue) { self.catalogue = catalogue }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.householdSnapshot else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.householdSnapshot), got '\(event.attributes.type)'"))
        }
        let snapshot = try event.decode(HouseholdSnapshot.self)
        guard let (classification, _) = try apply(snapshot, bytes: event.data ?? [], in: db) else { return [] }
        return [try EligibilityStore.event(for: classification, of: snapshot, causationId: event.attributes.id)]
    }

    /// Stores a new household version and its classification; nil for a version older than or equal to the stored one.
    /// Throws ``PoisonRecord`` when the catalogue has no national standard for it.
    /// - Returns: the classification and its JSON, stored and to be published as the same bytes.
    public func apply(_ snapshot: HouseholdSnapshot, bytes: [UInt8], in db: Database) throws -> (Classification, [UInt8])? {
        if let stored = try EligibilityStore.factsVersion(snapshot.householdId, in: db), stored >= snapshot.version { return nil }
        try EligibilityStore.storeFacts(snapshot, bytes: bytes, in: db)
        guard let standard = catalogue.national(for: snapshot.standardChoice) else {
            throw PoisonRecord(FieldError(snapshot.standardId == nil ? "surveyDate" : "standardId", snapshot.standardChoice.missingStandardReason))
        }
        let basis = try EligibilityStore.official(snapshot.householdId, in: db)?.basis(forVersion: snapshot.version, published: nil) ?? .none
        let classification = ClassificationBuilder.build(snapshot, under: standard, catalogue: catalogue, basis: basis)
        let encoded = try EventJSON.encode(classification)
        try EligibilityStore.record(classification, bytes: encoded, basis: basis, in: db)
        return (classification, encoded)
    }
}
