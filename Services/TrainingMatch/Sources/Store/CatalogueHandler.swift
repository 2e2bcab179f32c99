import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// The centres' courses and vacancies from `giamngheo.employment.course.v1` and `…vacancy.v1`: each record is checked
/// (``CatalogueValidation``) and kept at its version, or refused with every field at fault; either way the centre gets
/// an answer on `giamngheo.employment.catalogue-outcome.v1`, and nothing already accepted changes on a refusal.
///
/// Only the centres write the catalogue: a record whose `ce_source` is not theirs goes to the dead-letter topic, as
/// does one that is not a JSON object. A record received before (same `ce_source` and `ce_id`) changes nothing and is
/// not answered again. A tombstone withdraws the entry its key names.
public struct CatalogueHandler: EventHandler {
    let validation: CatalogueValidation
    let sources: AgencySources

    public init(validation: CatalogueValidation, sources: AgencySources) {
        self.validation = validation
        self.sources = sources
    }

    /// Guarded by the `catalogue_outcome` table, which keeps every record answered.
    public var deduplication: Deduplication { .versions }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let attributes = event.attributes
        let kind: CatalogueOutcome.Entry
        switch attributes.type {
        case EventTypes.course: kind = .course
        case EventTypes.vacancy: kind = .vacancy
        default: throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.course) or \(EventTypes.vacancy), got '\(attributes.type)'"))
        }
        guard sources.admits(attributes.source) else { throw PoisonRecord(sources.refusal(attributes.source, field: "ce_source")) }
        guard try CatalogueStore.outcome(source: attributes.source, id: attributes.id, in: db) == nil else { return [] }
        let key = event.message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var outcome = CatalogueOutcome(
            eventSource: attributes.source, eventId: attributes.id, correlationId: attributes.correlationid ?? attributes.id, status: .accepted,
            entry: kind, entryId: key.isEmpty ? nil : key)
        if event.data == nil {
            outcome = try withdraw(kind, key: key, outcome, in: db)
        } else {
            outcome = try apply(kind, event, key: key, outcome, in: db)
        }
        return try answer(outcome, time: attributes.time, in: db)
    }

    private func withdraw(_ kind: CatalogueOutcome.Entry, key: String, _ outcome: CatalogueOutcome, in db: Database) throws -> CatalogueOutcome {
        var outcome = outcome
        guard let held = try CatalogueStore.held(kind, key, in: db) else {
            return outcome.refused([FieldError("key", "no \(kind.rawValue) '\(key)' to withdraw")])
        }
        try CatalogueStore.withdraw(kind, id: key, in: db)
        try OfferStore.inputsChanged(in: db)
        (outcome.version, outcome.standing) = (held.version, .withdrawn)
        return outcome
    }

    private func apply(_ kind: CatalogueOutcome.Entry, _ event: InboundEvent, key: String, _ outcome: CatalogueOutcome, in db: Database) throws
        -> CatalogueOutcome
    {
        var outcome = outcome
        let entry: Entry
        switch decode(kind, event) {
        case .success(let decoded): entry = decoded
        case .failure(let poison):
            // Not JSON, or not an object at all: nothing to name a field of.
            if poison.errors.first?.field == "body" || poison.errors.first?.field == "value" { throw poison }
            return outcome.refused(poison.errors)
        }
        (outcome.entryId, outcome.version) = (entry.id, entry.version)
        var problems = entry.problems
        if key != entry.id { problems.insert(FieldError("key", "the record key must be the \(kind.rawValue) id '\(entry.id)'"), at: 0) }
        guard problems.isEmpty else { return outcome.refused(problems) }
        let payload = event.data ?? []
        if let held = try CatalogueStore.held(kind, entry.id, in: db) {
            if held.version > entry.version {
                return outcome.refused([FieldError("version", "version \(entry.version) is older than the version held (\(held.version))")])
            }
            if held.version == entry.version {
                guard try Self.sameContent(held.payload, payload, kind) else {
                    return outcome.refused([
                        FieldError("version", "version \(entry.version) was received before with other content: a change sends a higher version")
                    ])
                }
                if !held.withdrawn {
                    outcome.standing = .unchanged
                    return outcome
                }
            }
        }
        try CatalogueStore.save(
            kind, id: entry.id, version: entry.version, source: event.attributes.source, place: entry.place, vsco: entry.vsco,
            openUntil: entry.openUntil, payload: payload, in: db)
        try OfferStore.inputsChanged(in: db)
        outcome.standing = .open
        return outcome
    }

    /// What the handler keeps of a course or vacancy beside its bytes.
    struct Entry {
        var id: String
        var version: Int
        var place: CataloguePlace
        var vsco: String
        /// A course is open until it starts, a vacancy until its deadline.
        var openUntil: String
        var problems: [FieldError]
    }

    func decode(_ kind: CatalogueOutcome.Entry, _ event: InboundEvent) -> Result<Entry, PoisonRecord> {
        switch kind {
        case .course:
            Result { () throws(PoisonRecord) in try event.decode(Course.self) }.map { course in
                Entry(
                    id: course.courseId, version: course.version, place: course.place, vsco: course.occupation.vsco, openUntil: course.startsOn,
                    problems: validation.problems(course))
            }
        case .vacancy:
            Result { () throws(PoisonRecord) in try event.decode(Vacancy.self) }.map { vacancy in
                Entry(
                    id: vacancy.vacancyId, version: vacancy.version, place: vacancy.place, vsco: vacancy.occupation.vsco,
                    openUntil: vacancy.deadline, problems: validation.problems(vacancy))
            }
        }
    }

    /// Whether two records of one entry say the same, whatever their JSON's key order or spacing.
    static func sameContent(_ held: Data, _ new: [UInt8], _ kind: CatalogueOutcome.Entry) throws -> Bool {
        switch kind {
        case .course: try EventJSON.decode(Course.self, from: held) == EventJSON.decode(Course.self, from: Data(new))
        case .vacancy: try EventJSON.decode(Vacancy.self, from: held) == EventJSON.decode(Vacancy.self, from: Data(new))
        }
    }

    private func answer(_ outcome: CatalogueOutcome, time: String, in db: Database) throws -> [OutboundEvent] {
        try CatalogueStore.record(outcome, in: db)
        return [
            try .answer(
                on: Topics.catalogueOutcome, by: TrainingMatchService.name, idPrefix: "catalogue-outcome", to: outcome.eventSource,
                id: outcome.eventId, correlationId: outcome.correlationId, time: time, payload: outcome)
        ]
    }
}

extension CatalogueOutcome {
    func refused(_ errors: [FieldError]) -> CatalogueOutcome {
        var refused = self
        (refused.status, refused.standing, refused.errors) = (.rejected, nil, errors)
        return refused
    }
}
