import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka

/// Denominators and targets from `giamngheo.statistics.area-figure.v1`: each record is checked (``AreaFigureRules``)
/// and kept at its version, or refused with every field at fault; either way the sender gets an answer on
/// `giamngheo.statistics.area-figure-outcome.v1`, and nothing already accepted changes on a refusal. An accepted figure
/// is counted in its areas' tallies (source `area-figure`), so that every report is a sum of tallies.
///
/// A record whose `ce_source` is not a statistics office's goes to the dead-letter topic, as does one that is not a
/// JSON object. A record received before (same `ce_source` and `ce_id`) is not answered again. A tombstone withdraws
/// the figure its key names.
public struct AreaFigureHandler: EventHandler {
    let rules: AreaFigureRules
    let sources: AgencySources
    let tallies = Self.tallies()

    static func tallies() -> AreaTallies { AreaTallies(source: "area-figure", service: ReportingService.name, tablePrefix: "figure_") }

    public init(areas: AreaRegistry, sources: AgencySources) {
        rules = AreaFigureRules(areas: areas)
        self.sources = sources
    }

    /// Guarded by the `area_figure_outcome` table, which keeps every record answered.
    public var deduplication: Deduplication { .versions }

    public func beginBatch(in db: Database) throws { tallies.beginBatch() }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let attributes = event.attributes
        guard attributes.type == EventTypes.areaFigure else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.areaFigure), got '\(attributes.type)'"))
        }
        guard sources.admits(attributes.source) else { throw PoisonRecord(sources.refusal(attributes.source, field: "ce_source")) }
        // The figure's time dates the reports it changes: a record without one cannot be placed.
        guard !attributes.time.isEmpty else { throw PoisonRecord(FieldError("ce_time", "is missing: the time the figure was sent (RFC 3339)")) }
        guard try AreaFigureStore.outcome(source: attributes.source, id: attributes.id, in: db) == nil else { return [] }
        let key = event.message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        var outcome = AreaFigureOutcome(
            eventSource: attributes.source, eventId: attributes.id, correlationId: attributes.correlationid ?? attributes.id, status: .accepted,
            key: key.isEmpty ? nil : key)
        outcome = event.data == nil ? try withdraw(key, event, outcome, in: db) : try apply(event, key: key, outcome, in: db)
        try AreaFigureStore.record(outcome, in: db)
        return [
            try .answer(
                on: Topics.areaFigureOutcome, by: ReportingService.name, idPrefix: "area-figure-outcome", to: outcome.eventSource,
                id: outcome.eventId, correlationId: outcome.correlationId, time: attributes.time, payload: outcome)
        ]
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] { try tallies.finishBatch(in: db) }

    private func withdraw(_ key: String, _ event: InboundEvent, _ outcome: AreaFigureOutcome, in db: Database) throws -> AreaFigureOutcome {
        var outcome = outcome
        guard let held = try AreaFigureStore.held(key, in: db), !held.withdrawn else {
            return outcome.refused([FieldError("key", "no figure '\(key)' to withdraw")])
        }
        let figure = try EventJSON.decode(AreaFigure.self, from: held.payload)
        try count(figure, [:], event, in: db)
        try AreaFigureStore.withdraw(key, in: db)
        (outcome.version, outcome.standing) = (held.version, .withdrawn)
        return outcome
    }

    private func apply(_ event: InboundEvent, key: String, _ outcome: AreaFigureOutcome, in db: Database) throws -> AreaFigureOutcome {
        var outcome = outcome
        let figure: AreaFigure
        do {
            figure = try event.decode(AreaFigure.self)
        } catch {
            // Not JSON, or not an object at all: nothing to name a field of.
            if error.errors.first?.field == "body" || error.errors.first?.field == "value" { throw error }
            return outcome.refused(error.errors)
        }
        outcome.version = figure.version
        let problems = rules.problems(figure, key: key)
        guard problems.isEmpty else { return outcome.refused(problems) }
        if let held = try AreaFigureStore.held(key, in: db) {
            let heldFigure = try EventJSON.decode(AreaFigure.self, from: held.payload)
            if held.version > figure.version {
                return outcome.refused([FieldError("version", "version \(figure.version) is older than the version held (\(held.version))")])
            }
            if held.version == figure.version {
                guard heldFigure == figure else {
                    return outcome.refused([
                        FieldError("version", "version \(figure.version) was received before with other content: a change sends a higher version")
                    ])
                }
                if !held.withdrawn {
                    outcome.standing = .unchanged
                    return outcome
                }
            }
        }
        try count(figure, AreaFigureRules.counts(figure), event, in: db)
        try AreaFigureStore.save(figure, source: event.attributes.source, payload: event.data ?? [], in: db)
        outcome.standing = .held
        return outcome
    }

    /// Counts a figure (or nothing, to withdraw it) in its areas in place of what its key counted before.
    private func count(_ figure: AreaFigure, _ counts: [String: Int], _ event: InboundEvent, in db: Database) throws {
        let place = rules.countedIn(figure)
        try tallies.record(
            figure.key, VersionOrder(householdVersion: Int64(figure.version), rulesRevision: 0), areas: place.areas, provinceCode: place.provinceCode,
            counts: counts, from: event.message, time: event.attributes.time, sameVersion: true, in: db)
    }
}

/// The figures held and the answers given.
enum AreaFigureStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE area_figure (
                  key TEXT PRIMARY KEY, area_code TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL,
                  source TEXT NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0, payload BLOB NOT NULL) WITHOUT ROWID;
                CREATE TABLE area_figure_outcome (source TEXT NOT NULL, id TEXT NOT NULL, outcome BLOB NOT NULL, PRIMARY KEY (source, id)) WITHOUT ROWID;
                """)
        try AreaFigureHandler.tallies().migrate(db)
        try AreaFigureHandler.tallies().migrateFormerDistricts(db)
    }

    struct Held {
        var version: Int
        var withdrawn: Bool
        var payload: Data
    }

    static func held(_ key: String, in db: Database) throws -> Held? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT version, withdrawn, payload FROM area_figure WHERE key = ?"), arguments: [key])
            .map { Held(version: $0[0], withdrawn: ($0[1] as Int) != 0, payload: $0[2]) }
    }

    static func save(_ f: AreaFigure, source: String, payload: [UInt8], in db: Database) throws {
        try db.run(
            """
                INSERT INTO area_figure (key, area_code, year, kind, version, source, withdrawn, payload) VALUES (?, ?, ?, ?, ?, ?, 0, ?)
                ON CONFLICT (key) DO UPDATE SET version = excluded.version, source = excluded.source, withdrawn = 0, payload = excluded.payload
                """, [f.key, f.areaCode, f.year, f.kind.rawValue, f.version, source, Data(payload)])
    }

    static func withdraw(_ key: String, in db: Database) throws {
        try db.run("UPDATE area_figure SET withdrawn = 1 WHERE key = ?", [key])
    }

    /// The figures held for an area (withdrawn ones included, marked), by year and kind.
    static func figures(of areaCode: String, in db: Database) throws -> [(figure: AreaFigure, withdrawn: Bool)] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT payload, withdrawn FROM area_figure WHERE area_code = ? ORDER BY year, kind"), arguments: [areaCode]
        ).map { (try EventJSON.decode(AreaFigure.self, from: $0[0] as Data), ($0[1] as Int) != 0) }
    }

    static func outcome(source: String, id: String, in db: Database) throws -> AreaFigureOutcome? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT outcome FROM area_figure_outcome WHERE source = ? AND id = ?"), arguments: [source, id])
            .map { try EventJSON.decode(AreaFigureOutcome.self, from: $0) }
    }

    static func record(_ outcome: AreaFigureOutcome, in db: Database) throws {
        try db.run(
            "INSERT INTO area_figure_outcome (source, id, outcome) VALUES (?, ?, ?) ON CONFLICT (source, id) DO NOTHING",
            [outcome.eventSource, outcome.eventId, Data(try EventJSON.encode(outcome))])
    }
}
