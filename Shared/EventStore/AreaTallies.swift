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

    public init(source: String) { self.source = source }

    /// The tables as first created; ``migrateFormerDistricts(_:)`` follows.
    public func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE tally_member (
                  household_id TEXT PRIMARY KEY, household_version INTEGER NOT NULL, rules_revision INTEGER NOT NULL,
                  commune_code TEXT NOT NULL, province_code TEXT NOT NULL, keys TEXT NOT NULL);
                CREATE TABLE tally (
                  area_code TEXT NOT NULL, partition INTEGER NOT NULL, level TEXT NOT NULL, province_code TEXT NOT NULL,
                  input_topic TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, counts BLOB NOT NULL,
                  PRIMARY KEY (area_code, partition));
                """)
    }

    /// Members remember the former district they were counted in (``HouseholdPlace/formerDistrictCode``). Members
    /// counted before have none: they join their district's tally with their next version.
    public static func migrateFormerDistricts(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE tally_member ADD COLUMN district_code TEXT")
    }

    public func beginBatch() { batch.withLock { $0.removeAll() } }

    /// Counts `keys` for a household version in the areas of `place`, in place of what its earlier version counted.
    /// - Returns: false when a version at least as new was already counted (a replay or a re-sent record).
    @discardableResult
    public func record(
        _ householdId: String, _ order: VersionOrder, place: HouseholdPlace, keys: [String], from message: KafkaConsumerMessage,
        time: String, in db: Database
    ) throws -> Bool {
        let held = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT household_version, rules_revision, commune_code, province_code, keys, district_code FROM tally_member
                    WHERE household_id = ?
                    """),
            arguments: [householdId])
        if let held, VersionOrder(householdVersion: held[0], rulesRevision: held[1]) >= order { return false }
        let joined = keys.joined(separator: "\n")
        let unchanged = held.map {
            ($0[2] as String) == place.communeAreaCode && ($0[5] as String?) == place.formerDistrictCode && ($0[4] as String) == joined
        } ?? keys.isEmpty
        if !unchanged {
            if let held, !(held[4] as String).isEmpty {
                // The held commune column is the area code it was counted under (a former unit's key included).
                let heldPlace = HouseholdPlace(communeCode: held[2], provinceCode: held[3], formerDistrictCode: held[5])
                try add((held[4] as String).split(separator: "\n").map(String.init), -1, heldPlace, message, time, db)
            }
            try add(keys, 1, place, message, time, db)
        }
        try db.run(
            """
                INSERT INTO tally_member (household_id, household_version, rules_revision, commune_code, province_code, keys, district_code)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (household_id) DO UPDATE SET household_version = excluded.household_version,
                  rules_revision = excluded.rules_revision, commune_code = excluded.commune_code,
                  province_code = excluded.province_code, keys = excluded.keys, district_code = excluded.district_code
                """,
            [householdId, order.householdVersion, order.rulesRevision, place.communeAreaCode, place.provinceCode, joined, place.formerDistrictCode])
        return true
    }

    private func add(_ keys: [String], _ sign: Int, _ place: HouseholdPlace, _ message: KafkaConsumerMessage, _ time: String, _ db: Database) throws {
        guard !keys.isEmpty else { return }
        for (code, level) in place.areas {
            let slot = Slot(areaCode: code, partition: message.partition)
            if batch.withLock({ $0[slot] == nil }) {
                let loaded = try load(slot, level: level, province: place.provinceCode, topic: message.topic, in: db)
                batch.withLock { $0[slot] = loaded }
            }
            batch.withLock { tallies in
                for key in keys {
                    let value = (tallies[slot]!.counts[key] ?? 0) + sign
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
                db.cachedStatement(sql: "SELECT version, time, counts FROM tally WHERE area_code = ? AND partition = ?"),
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
                    INSERT INTO tally (area_code, partition, level, province_code, input_topic, version, time, counts)
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
                    topic: Topics.areaTally, key: payload.key, type: EventTypes.areaTally, source: EventSources.service(source),
                    idParts: ["tally", source, slot.areaCode, String(slot.partition), String(tally.version)], sequence: tally.version,
                    time: tally.time, payload: payload, subject: slot.areaCode))
        }
        return events
    }
}
