import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Synchronization

/// Reporting's tables: per-household results (stage 1), per-province membership and area counters (stage 2),
/// and the latest report of each area.
public enum ReportingStore {
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("reporting-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE household_result (
                      household_id TEXT PRIMARY KEY, class_version INTEGER NOT NULL DEFAULT 0,
                      referral_version INTEGER NOT NULL DEFAULT 0, training_version INTEGER NOT NULL DEFAULT 0,
                      classification BLOB, programmes TEXT NOT NULL DEFAULT '', candidates INTEGER NOT NULL DEFAULT 0,
                      emitted_area BLOB);
                    CREATE TABLE area_member (
                      household_id TEXT NOT NULL, province_code TEXT NOT NULL, version INTEGER NOT NULL,
                      commune_code TEXT NOT NULL, keys BLOB NOT NULL, PRIMARY KEY (household_id, province_code)) WITHOUT ROWID;
                    CREATE TABLE area_totals (
                      area_code TEXT PRIMARY KEY, level TEXT NOT NULL, province_code TEXT NOT NULL,
                      version INTEGER NOT NULL, counters BLOB NOT NULL);
                    CREATE TABLE area_report (area_code TEXT PRIMARY KEY, province_code TEXT NOT NULL, payload BLOB NOT NULL);
                    """)
        }
    }
}

/// What reporting needs of a classification: decoded from the classification event's JSON without its
/// explanations (reasons, income detail), and stored as such, so stage 1 neither keeps nor re-reads the whole event.
struct ClassificationBasis: Codable, Sendable {
    struct Standard: Codable, Sendable { var id: String }
    struct Indicator: Codable, Sendable {
        var id: String
        var deprived: Bool
    }
    var householdId: String
    var version: Int64
    var area: AreaRef
    var householdClass: HouseholdClass
    var transition: Transition
    var status: RecognitionStatus
    var standard: Standard
    var ethnicMinority: Bool
    var noWorkingCapacity: Bool
    var indicators: [Indicator]
    var lowIncomeWorkers: LowIncome?

    struct LowIncome: Codable, Sendable { var qualifies: Bool }
}

/// The household id and version of a loan-referral or training-match set, and the one thing reporting counts of it.
struct ReferralBasis: Decodable, Sendable {
    struct Referral: Decodable, Sendable { var programmeId: String }
    var householdId: String
    var version: Int64
    var referrals: [Referral]
}

struct TrainingBasis: Decodable, Sendable {
    struct Candidate: Decodable, Sendable {}
    var householdId: String
    var version: Int64
    var candidates: [Candidate]
}

/// Stage 1: keeps each household's latest classification, referrals and candidates, and re-publishes what the
/// household contributes to its area keyed by province code (withdrawing it from an area it left) — once per
/// household per batch, however many of its three inputs the batch brought.
public final class HouseholdResultHandler: EventHandler, @unchecked Sendable {
    // @unchecked: `batch` is used only inside one batch's transaction, on the consumer thread, under its lock.
    private let batch = Mutex(BatchState())

    /// The households a batch changed, in order, and the classifications it decoded (so the contribution
    /// does not decode the stored copy again).
    private struct BatchState {
        var changed: [String] = []
        var classifications: [String: ClassificationBasis] = [:]
    }

    public init() {}

    public func beginBatch(in db: Database) throws { batch.withLock { $0 = BatchState() } }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let householdId: String
        switch event.attributes.type {
        case EventTypes.classification:
            let c = try event.decode(ClassificationBasis.self)
            householdId = c.householdId
            try upsert(householdId, column: "class_version", version: c.version, valueColumn: "classification", Data(try EventJSON.encode(c)), in: db)
            if db.changesCount > 0 { batch.withLock { $0.classifications[householdId] = c } }
        case EventTypes.loanReferral:
            let set = try event.decode(ReferralBasis.self)
            householdId = set.householdId
            let programmes = set.referrals.map(\.programmeId).sorted().joined(separator: ",")
            try upsert(householdId, column: "referral_version", version: set.version, valueColumn: "programmes", programmes, in: db)
        case EventTypes.trainingMatch:
            let set = try event.decode(TrainingBasis.self)
            householdId = set.householdId
            try upsert(householdId, column: "training_version", version: set.version, valueColumn: "candidates", set.candidates.count, in: db)
        default:
            throw PoisonRecord(FieldError("ce_type", "unexpected event type '\(event.attributes.type)'"))
        }
        if db.changesCount > 0 { batch.withLock { $0.changed.append(householdId) } }  // else not newer than what is held
        return []
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        var seen = Set<String>()
        var events: [OutboundEvent] = []
        let state = batch.withLock { $0 }
        for householdId in state.changed where seen.insert(householdId).inserted {
            events += try contributions(of: householdId, decoded: state.classifications[householdId], in: db)
        }
        return events
    }

    /// Stores one input's version and value unless the held version is at least as new; `db.changesCount` says which.
    private func upsert(_ id: String, column: String, version: Int64, valueColumn: String, _ value: any DatabaseValueConvertible, in db: Database) throws {
        try db.run(
            """
                INSERT INTO household_result (household_id, \(column), \(valueColumn)) VALUES (?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET \(column) = excluded.\(column), \(valueColumn) = excluded.\(valueColumn)
                WHERE excluded.\(column) > household_result.\(column)
                """, [id, version, value])
    }

    /// - Parameter decoded: the stored classification, when this batch decoded it already.
    private func contributions(of householdId: String, decoded: ClassificationBasis?, in db: Database) throws -> [OutboundEvent] {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM household_result WHERE household_id = ?"), arguments: [householdId]),
            let classificationData = row["classification"] as Data?
        else { return [] }
        let c = try decoded ?? EventJSON.decode(ClassificationBasis.self, from: classificationData)
        let version = (row["class_version"] as Int64) + (row["referral_version"] as Int64) + (row["training_version"] as Int64)
        let previousArea = try (row["emitted_area"] as Data?).map { try EventJSON.decode(AreaRef.self, from: $0) }
        let time = Timestamp.now()
        func contribution(_ area: AreaRef, present: Bool) throws -> OutboundEvent {
            let payload = AreaContribution(
                householdId: householdId, version: version, area: area, present: present, householdClass: c.householdClass,
                transition: c.transition, status: c.status, standardId: c.standard.id, ethnicMinority: c.ethnicMinority,
                noWorkingCapacity: c.noWorkingCapacity, deprivedIndicators: c.indicators.filter(\.deprived).map(\.id),
                referredProgrammes: (row["programmes"] as String).split(separator: ",").map(String.init),
                trainingCandidates: row["candidates"], lowIncomeWorkers: c.lowIncomeWorkers?.qualifies == true)
            return try OutboundEvent.json(
                topic: Topics.areaContribution, key: area.provinceCode, type: EventTypes.areaContribution,
                source: EventSources.service("reporting"),
                idParts: ["contribution", householdId, String(version), area.provinceCode, String(present)],
                sequence: version, time: time, payload: payload)
        }
        var events: [OutboundEvent] = []
        if let previousArea, previousArea.provinceCode != c.area.provinceCode {
            events.append(try contribution(previousArea, present: false))
        }
        events.append(try contribution(c.area, present: true))
        try db.run(
            "UPDATE household_result SET emitted_area = ? WHERE household_id = ?", [Data(try EventJSON.encode(c.area)), householdId])
        return events
    }
}

/// Stage 2: owns the provinces of its partitions; adds and takes away household contributions on commune and
/// province counters, and publishes one report per changed area per batch.
public final class AreaTotalsHandler: EventHandler, @unchecked Sendable {
    // @unchecked: the cache is used only inside one batch's transaction, on the consumer thread, guarded by `cache`.
    private let cache = Mutex<[String: (level: AreaLevel, province: String, version: Int64, counters: AreaCounters)]>([:])
    private let areas: AreaRegistry

    public init(areas: AreaRegistry) { self.areas = areas }

    public func beginBatch(in db: Database) throws { cache.withLock { $0.removeAll() } }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let c = try event.decode(AreaContribution.self)
        let province = c.area.provinceCode
        let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT version, commune_code, keys FROM area_member WHERE household_id = ? AND province_code = ?"),
            arguments: [c.householdId, province])
        if let stored, stored["version"] as Int64 >= c.version { return [] }
        if let stored {
            let oldKeys = try EventJSON.decode([String].self, from: stored["keys"] as Data)
            try apply(oldKeys, sign: -1, commune: stored["commune_code"], province: province, in: db)
        }
        let keys = AreaCounters.keys(for: c)
        try apply(keys, sign: 1, commune: c.area.communeCode, province: province, in: db)
        try db.run(
            """
                INSERT INTO area_member (household_id, province_code, version, commune_code, keys) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (household_id, province_code) DO UPDATE SET version = excluded.version,
                  commune_code = excluded.commune_code, keys = excluded.keys
                """, [c.householdId, province, c.version, c.area.communeCode, Data(try EventJSON.encode(keys))])
        return []
    }

    private func apply(_ keys: [String], sign: Int, commune: String, province: String, in db: Database) throws {
        guard !keys.isEmpty else { return }
        for (code, level) in [(commune, AreaLevel.commune), (province, AreaLevel.province)] {
            if cache.withLock({ $0[code] == nil }) {
                let loaded = try load(code, level: level, province: province, in: db)
                cache.withLock { $0[code] = loaded }
            }
            // In place: a copy taken out of the cache and put back copied the whole counter dictionary each time.
            cache.withLock { cache in
                cache[code]!.counters.add(keys, sign: sign)
                cache[code]!.version += 1
            }
        }
    }

    private func load(_ code: String, level: AreaLevel, province: String, in db: Database) throws
        -> (level: AreaLevel, province: String, version: Int64, counters: AreaCounters)
    {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, counters FROM area_totals WHERE area_code = ?"), arguments: [code]) else {
            return (level, province, 0, AreaCounters())
        }
        return (level, province, row["version"], try EventJSON.decode(AreaCounters.self, from: row["counters"] as Data))
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        let changed = cache.withLock { cache in defer { cache.removeAll() }; return cache }
        let now = Timestamp.now()
        let today = String(now.prefix(10))
        return try changed.sorted { $0.key < $1.key }.map { code, entry in
            try db.run(
                """
                    INSERT INTO area_totals (area_code, level, province_code, version, counters) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (area_code) DO UPDATE SET version = excluded.version, counters = excluded.counters
                    """, [code, entry.level.rawValue, entry.province, entry.version, Data(try EventJSON.encode(entry.counters))])
            let report = entry.counters.report(
                areaCode: code, level: entry.level, name: areas.areaName(code, on: today), provinceCode: entry.province,
                version: entry.version, asOf: now)
            let bytes = try EventJSON.encode(report)
            try db.run(
                """
                    INSERT INTO area_report (area_code, province_code, payload) VALUES (?, ?, ?)
                    ON CONFLICT (area_code) DO UPDATE SET payload = excluded.payload
                    """, [code, entry.province, Data(bytes)])
            // The stored bytes are the published ones: one encode per report.
            return try OutboundEvent.json(
                topic: Topics.report, key: code, type: EventTypes.areaReport, source: EventSources.service("reporting"),
                idParts: ["report", code, String(entry.version)], sequence: entry.version, time: now, encoded: bytes)
        }
    }
}
