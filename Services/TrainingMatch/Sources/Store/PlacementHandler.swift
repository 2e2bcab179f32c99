import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// The centres' placement events from `giamngheo.employment.placement-event.v1`: each is checked against the member's
/// offer of the entry it names (``PlacementLifecycle``) and applied, or refused with every field at fault; either way
/// the centre gets an answer on `giamngheo.employment.placement-outcome.v1`, and nothing already accepted changes on a
/// refusal. An applied step publishes the household's offers again and counts its outcomes in its areas.
///
/// Only the centres write placement events: a record whose `ce_source` is not theirs goes to the dead-letter topic, as
/// does one that is not a JSON object. A record received before (same `ce_source` and `ce_id`) changes nothing and is
/// not answered again.
public struct PlacementHandler: EventHandler {
    let sources: AgencySources

    public init(sources: AgencySources) { self.sources = sources }

    /// Guarded by the `placement_outcome` table, which keeps every event answered.
    public var deduplication: Deduplication { .versions }

    /// Each household's training outcomes in its areas (``TrainingOutcomes``), versioned by the placement topic's offsets.
    let outcomes = Self.outcomeTallies()
    /// Where the household's candidates are counted: its outcomes are counted there too.
    let candidateTallies = AreaTallies(source: TrainingMatchService.name)

    static func outcomeTallies() -> AreaTallies {
        AreaTallies(source: "training-outcome", service: TrainingMatchService.name, tablePrefix: "outcome_")
    }

    public func beginBatch(in db: Database) throws { outcomes.beginBatch() }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] { try outcomes.finishBatch(in: db) }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let attributes = event.attributes
        guard attributes.type == EventTypes.placementEvent else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.placementEvent), got '\(attributes.type)'"))
        }
        guard sources.admits(attributes.source) else { throw PoisonRecord(sources.refusal(attributes.source, field: "ce_source")) }
        guard try OfferStore.outcome(source: attributes.source, id: attributes.id, in: db) == nil else { return [] }
        var outcome = PlacementOutcome(
            eventSource: attributes.source, eventId: attributes.id, correlationId: attributes.correlationid ?? attributes.id, status: .accepted)
        let decoded = Result { () throws(PoisonRecord) in try event.decode(PlacementEvent.self) }
        guard case .success(let input) = decoded else {
            guard case .failure(let poison) = decoded else { return [] }
            if poison.errors.first?.field == "body" || poison.errors.first?.field == "value" { throw poison }
            return try answer(outcome.refused(poison.errors), time: attributes.time, in: db)
        }
        (outcome.householdId, outcome.memberId, outcome.entryId) = (input.householdId, input.memberId, input.entryId)
        if let key = event.message.key, String(decoding: key, as: UTF8.self) != input.householdId {
            return try answer(
                outcome.refused([FieldError("key", "the record key must be the household id \(input.householdId)")]), time: attributes.time, in: db)
        }
        guard var offer = try OfferStore.offer(input.householdId, input.memberId, input.entry, input.entryId, in: db) else {
            return try answer(
                outcome.refused([
                    FieldError(
                        "entryId",
                        "member \(input.memberId) of household \(input.householdId) was not proposed \(input.entry.rawValue) \(input.entryId): "
                            + "only a matched member can be reported on")
                ]), time: attributes.time, in: db)
        }
        let facts = try entryFacts(input, in: db)
        switch PlacementLifecycle.apply(input, status: offer.status, history: offer.history, entry: facts) {
        case .failure(let failure):
            return try answer(outcome.refused(failure.errors), time: attributes.time, in: db)
        case .success(let status):
            offer.status = status
            offer.history.append(PlacementStep(status: status, on: input.occurredOn, event: "\(attributes.source)/\(attributes.id)"))
            let group = try String.fetchOne(
                db, sql: "SELECT support_group FROM offer WHERE household_id = ? AND member_id = ? AND entry = ? AND entry_id = ?",
                arguments: [input.householdId, input.memberId, input.entry.rawValue, input.entryId]
            ).flatMap(SupportGroup.init)
            try OfferStore.save(input.householdId, offer, supportGroup: group, in: db)
            try OfferStore.inputsChanged(in: db)
            outcome.standing = status
            var events = try answer(outcome, time: attributes.time, in: db)
            if let place = try candidateTallies.place(of: input.householdId, in: db) {
                let rows = try Row.fetchAll(db, sql: "SELECT support_group, payload FROM offer WHERE household_id = ?", arguments: [input.householdId])
                let offers = try rows.map { (group: ($0[0] as String?).flatMap(SupportGroup.init), offer: try EventJSON.decode(TrainingOffer.self, from: $0[1] as Data)) }
                try outcomes.record(
                    input.householdId, VersionOrder(householdVersion: event.message.offset + 1, rulesRevision: 0), place: place,
                    counts: TrainingOutcomes.counts(offers), from: event.message, time: attributes.time, in: db)
                let commune = HouseholdPlace(communeCode: String(place.communeCode.prefix { $0 != "@" }), provinceCode: place.provinceCode)
                if let published = try OfferStore.publishIfChanged(input.householdId, place: commune, time: attributes.time, in: db) {
                    events.append(published)
                }
            }
            return events
        }
    }

    /// The entry's seats or posts, how many other members hold one, and whether it is work abroad. An entry withdrawn
    /// or gone keeps what the offer was made on: capacity counts what is held.
    func entryFacts(_ input: PlacementEvent, in db: Database) throws -> PlacementLifecycle.EntryFacts {
        let others = try OfferStore.held(input.entry, input.entryId, except: input.householdId, input.memberId, in: db)
        guard let held = try CatalogueStore.held(input.entry, input.entryId, in: db) else {
            return PlacementLifecycle.EntryFacts(capacity: others, heldByOthers: others, abroad: false)
        }
        switch input.entry {
        case .course:
            let course = try EventJSON.decode(Course.self, from: held.payload)
            return PlacementLifecycle.EntryFacts(capacity: held.withdrawn ? others : course.seats, heldByOthers: others, abroad: false)
        case .vacancy:
            let vacancy = try EventJSON.decode(Vacancy.self, from: held.payload)
            return PlacementLifecycle.EntryFacts(capacity: held.withdrawn ? others : vacancy.headcount, heldByOthers: others, abroad: vacancy.abroad)
        }
    }

    private func answer(_ outcome: PlacementOutcome, time: String, in db: Database) throws -> [OutboundEvent] {
        try OfferStore.record(outcome, in: db)
        return [
            try .answer(
                on: Topics.placementOutcome, by: TrainingMatchService.name, idPrefix: "placement-outcome", to: outcome.eventSource,
                id: outcome.eventId, correlationId: outcome.correlationId, time: time, payload: outcome)
        ]
    }
}

extension PlacementOutcome {
    func refused(_ errors: [FieldError]) -> PlacementOutcome {
        var refused = self
        (refused.status, refused.standing, refused.errors) = (.rejected, nil, errors)
        return refused
    }
}
