import EventContracts
import Foundation
import GRDB
import Kafka
import Synchronization

/// Counts per-household facts (named counter keys) by commune and province for each input partition, and publishes
/// each tally that a batch changed as an ``AreaTally``: each fact is counted once, by the service that decides it.
///
/// A tally's version is one more than the offset of the last input record that changed it, and its time that record's
/// `ce_time`, so the same version always carries the same counts, whatever the batches were. A version at or below one
/// already published (a store rebuilt from empty) is not published again (``PublishedVersions``).
public final class AreaTallies: @unchecked Sendable {
    // @unchecked: `batch` is used only inside one batch's transaction, on the consumer thread, under its lock.
    public let source: String
    private let batch = Mutex<[Slot: Tally]>([:])

    struct Slot: Hashable, Comparable {
        var areaCode: String
        var partition: Int32
        static func < (lhs: Slot, rhs: Slot) -> Bool { (lhs.areaCode, lhs.partition) < (rhs.areaCode, rhs.partition) }
    }

    struct Tally {
        var level: AreaLevel
        var provinceCode: String
        var inputTopic: String
        var version: Int64
        var time: String
        var counts: [String: Int]
    }

    /// The service publishing the tallies (`ce_source`); a service may keep tallies of several sources.
    public let service: String
    /// The member and tally tables: `<prefix>tally_member` and `<prefix>tally`.
    let members: String
    let tallies: String

    /// - Parameters:
    ///   - source: the tallies' source, first part of their keys (a service's name, or one of its facts' names).
    ///   - service: the publishing service, when it is not `source`.
    ///   - tablePrefix: for a second set of tallies in one store.
    public init(source: String, service: String? = nil, tablePrefix: String = "") {
        self.source = source
        self.service = service ?? source
        members = "\(tablePrefix)tally_member"
        tallies = "\(tablePrefix)tally"
    }

    /// The tables as first created; ``migrateFormerDistricts(_:)`` follows.
    public func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE \(members) (
                  household_id TEXT PRIMARY KEY, household_version INTEGER NOT NULL, rules_revision INTEGER NOT NULL,
                  commune_code TEXT NOT NULL, province_code TEXT NOT NULL, keys TEXT NOT NULL);
                CREATE TABLE \(tallies) (
                  area_code TEXT NOT NULL, partition INTEGER NOT NULL, level TEXT NOT NULL, province_code TEXT NOT NULL,
                  input_topic TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, counts BLOB NOT NULL,
                  PRIMARY KEY (area_code, partition));
                """)
    }

    /// Members remember the former district they were counted in (``HouseholdPlace/formerDistrictCode``). Members
    /// counted before have none: they join their district's tally with their next version.
    public func migrateFormerDistricts(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE \(members) ADD COLUMN district_code TEXT")
    }

    /// The place a household was last counted in, if it was.
    public func place(of householdId: String, in db: Database) throws -> HouseholdPlace? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT commune_code, province_code, district_code FROM \(members) WHERE household_id = ?"),
            arguments: [householdId]
        ).map { HouseholdPlace(communeCode: $0[0], provinceCode: $0[1], formerDistrictCode: $0[2]) }
    }

    public func beginBatch() { batch.withLock { $0.removeAll() } }

    /// Counts `keys` (one each) for a household version in the areas of `place`, in place of what its earlier version
    /// counted.
    /// - Returns: false when a version at least as new was already counted (a replay or a re-sent record).
    @discardableResult
    /// - Parameter sameVersion: the household's facts changed without a new version (a calendar day): a record of the
    ///   version already counted replaces it.
    public func record(
        _ householdId: String, _ order: VersionOrder, place: HouseholdPlace, keys: [String], from message: KafkaConsumerMessage,
        time: String, sameVersion: Bool = false, in db: Database
    ) throws -> Bool {
        try record(
            householdId, order, place: place, counts: keys.reduce(into: [:]) { $0[$1, default: 0] += 1 }, from: message, time: time,
            sameVersion: sameVersion, in: db)
    }

    /// Adds `counts` (amounts such as VND as well as ones) for a household version in the areas of `place`, in place of
    /// what its earlier version added.
    @discardableResult
    public func record(
        _ householdId: String, _ order: VersionOrder, place: HouseholdPlace, counts: [String: Int], from message: KafkaConsumerMessage,
        time: String, sameVersion: Bool = false, in db: Database
    ) throws -> Bool {
        let held = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT household_version, rules_revision, commune_code, province_code, keys, district_code FROM \(members)
                    WHERE household_id = ?
                    """),
            arguments: [householdId])
        if let held {
            let heldOrder = VersionOrder(householdVersion: held[0], rulesRevision: held[1])
            if sameVersion ? heldOrder > order : heldOrder >= order { return false }
        }
        let joined = Self.join(counts)
        let unchanged = held.map {
            ($0[2] as String) == place.communeAreaCode && ($0[5] as String?) == place.formerDistrictCode && ($0[4] as String) == joined
        } ?? counts.isEmpty
        if !unchanged {
            if let held {
                // The held commune column is the area code it was counted under (a former unit's key included).
                let heldPlace = HouseholdPlace(communeCode: held[2], provinceCode: held[3], formerDistrictCode: held[5])
                try add(Self.split(held[4]), -1, heldPlace.areas, heldPlace.provinceCode, message, time, db)
            }
            try add(counts, 1, place.areas, place.provinceCode, message, time, db)
        }
        try db.run(
            """
                INSERT INTO \(members) (household_id, household_version, rules_revision, commune_code, province_code, keys, district_code)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, commune_code = excluded.commune_code,
                  province_code = excluded.province_code, keys = excluded.keys, district_code = excluded.district_code
                """,
            [householdId, order.householdVersion, order.rulesRevision, place.communeAreaCode, place.provinceCode, joined, place.formerDistrictCode])
        return true
    }

    /// Adds `counts` for a member counted in `areas` (always the same ones for one member, such as a figure of an area),
    /// in place of what its earlier version added; `sameVersion` lets a record of the version held replace it.
    @discardableResult
    public func record(
        _ member: String, _ order: VersionOrder, areas: [(code: String, level: AreaLevel)], provinceCode: String, counts: [String: Int],
        from message: KafkaConsumerMessage, time: String, sameVersion: Bool = false, in db: Database
    ) throws -> Bool {
        let held = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT household_version, rules_revision, keys FROM \(members) WHERE household_id = ?"), arguments: [member])
        if let held {
            let heldOrder = VersionOrder(householdVersion: held[0], rulesRevision: held[1])
            if sameVersion ? heldOrder > order : heldOrder >= order { return false }
        }
        let joined = Self.join(counts)
        if (held.map { ($0[2] as String) } ?? "") != joined {
            if let held { try add(Self.split(held[2]), -1, areas, provinceCode, message, time, db) }
            try add(counts, 1, areas, provinceCode, message, time, db)
        }
        try db.run(
            """
                INSERT INTO \(members) (household_id, household_version, rules_revision, commune_code, province_code, keys)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, keys = excluded.keys
                """, [member, order.householdVersion, order.rulesRevision, areas.first?.code ?? "", provinceCode, joined])
        return true
    }

    /// A member's counts as stored: a line per key, `key` for one and `key<TAB>amount` otherwise, in key order.
    static func join(_ counts: [String: Int]) -> String {
        counts.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { $0.value == 1 ? $0.key : "\($0.key)\t\($0.value)" }
            .joined(separator: "\n")
    }

    static func split(_ stored: String) -> [String: Int] {
        stored.split(separator: "\n").reduce(into: [:]) { counts, line in
            let parts = line.split(separator: "\t", maxSplits: 1)
            counts[String(parts[0]), default: 0] += parts.count == 2 ? Int(parts[1]) ?? 0 : 1
        }
    }

    private func add(
        _ counts: [String: Int], _ sign: Int, _ areas: [(code: String, level: AreaLevel)], _ provinceCode: String, _ message: KafkaConsumerMessage,
        _ time: String, _ db: Database
    ) throws {
        guard !counts.isEmpty else { return }
        for (code, level) in areas {
            let slot = Slot(areaCode: code, partition: message.partition)
            if batch.withLock({ $0[slot] == nil }) {
                let loaded = try load(slot, level: level, province: provinceCode, topic: message.topic, in: db)
                batch.withLock { $0[slot] = loaded }
            }
            batch.withLock { tallies in
                for (key, amount) in counts {
                    let value = (tallies[slot]!.counts[key] ?? 0) + sign * amount
                    tallies[slot]!.counts[key] = value == 0 ? nil : value
                }
                tallies[slot]!.version = message.offset + 1
                tallies[slot]!.time = time
            }
        }
    }

    private func load(_ slot: Slot, level: AreaLevel, province: String, topic: String, in db: Database) throws -> Tally {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT version, time, counts FROM \(tallies) WHERE area_code = ? AND partition = ?"),
                arguments: [slot.areaCode, slot.partition])
        else { return Tally(level: level, provinceCode: province, inputTopic: topic, version: 0, time: "", counts: [:]) }
        return Tally(
            level: level, provinceCode: province, inputTopic: topic, version: row[0], time: row[1],
            counts: try EventJSON.decode([String: Int].self, from: row[2] as Data))
    }

    /// Stores the tallies the batch changed and returns their events (those not already published).
    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        let changed = batch.withLock { tallies in defer { tallies.removeAll() }; return tallies }
        var events: [OutboundEvent] = []
        for (slot, tally) in changed.sorted(by: { $0.key < $1.key }) {
            let counts = Data(try EventJSON.encode(tally.counts))
            try db.run(
                """
                    INSERT INTO \(tallies) (area_code, partition, level, province_code, input_topic, version, time, counts)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (area_code, partition) DO UPDATE SET version = excluded.version, time = excluded.time,
                      counts = excluded.counts
                    """, [slot.areaCode, slot.partition, tally.level.rawValue, tally.provinceCode, tally.inputTopic, tally.version, tally.time, counts])
            let payload = AreaTally(
                source: source, areaCode: slot.areaCode, areaLevel: tally.level, provinceCode: tally.provinceCode,
                inputTopic: tally.inputTopic, partition: slot.partition, version: tally.version, counts: tally.counts)
            guard try PublishedVersions.claim(Topics.areaTally, key: payload.key, version: tally.version, in: db) else { continue }
            events.append(
                try OutboundEvent.json(
                    topic: Topics.areaTally, key: payload.key, type: EventTypes.areaTally, source: EventSources.service(service),
                    idParts: ["tally", source, slot.areaCode, String(slot.partition), String(tally.version)], sequence: tally.version,
                    time: tally.time, payload: payload, subject: slot.areaCode))
        }
        return events
    }
}
