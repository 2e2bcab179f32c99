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
        // Event contracts v2: reporting tallies classified households per area and input partition, and adds up the
        // tallies of every source per area. The v1 tables go and everything is rebuilt from the topics; reports already
        // published are read back first, so none goes back in version.
        migrator.registerMigration("reporting-v2-tallies") { db in
            try db.execute(
                sql: """
                    DROP TABLE household_result; DROP TABLE area_member; DROP TABLE area_totals; DELETE FROM area_report;
                    DELETE FROM consumer_offset;
                    CREATE TABLE area_tally (
                      area_code TEXT NOT NULL, source TEXT NOT NULL, partition INTEGER NOT NULL, level TEXT NOT NULL,
                      province_code TEXT NOT NULL, version INTEGER NOT NULL, time TEXT NOT NULL, counts BLOB NOT NULL,
                      PRIMARY KEY (area_code, source, partition));
                    """)
            try AreaTallies(source: ReportingService.name).migrate(db)
        }
        migrator.registerMigration("reporting-v3-former-districts") { db in try AreaTallies(source: ReportingService.name).migrateFormerDistricts(db) }
        // Review years: a second set of tallies from the households' official histories. The classified households are
        // read again from the start to fill them; the class tallies, version-guarded, do not change.
        migrator.registerMigration("reporting-v4-review-years") { db in
            try ClassTallyHandler.yearTallies().migrate(db)
            try ClassTallyHandler.yearTallies().migrateFormerDistricts(db)
            try db.execute(sql: "DELETE FROM consumer_offset WHERE topic = ?", arguments: [Topics.classifiedHousehold.name])
        }
        migrator.registerMigration("reporting-v5-area-figures") { db in try AreaFigureStore.migrate(db) }
        // Report stream v2: the fingerprint of each area-year's figures last published, so that a year is published
        // again only when what it shows changes.
        migrator.registerMigration("reporting-v6-year-reports") { db in
            try db.execute(
                sql: """
                    CREATE TABLE year_report (
                      area_code TEXT NOT NULL, year INTEGER NOT NULL, fingerprint TEXT NOT NULL, PRIMARY KEY (area_code, year)) WITHOUT ROWID
                    """)
        }
        migrator.registerMigration("reporting-v7-groupings") { db in try GroupingStore.migrate(db) }
        // Scaling: every instance keeps every area's report (``ReportReplicaHandler``), newest version first.
        migrator.registerMigration("reporting-v8-report-replica") { db in try ReportReplicaHandler.migrate(db) }
    }
}

/// What reporting needs of a classified household: decoded from the event's JSON without its members and head.
struct ClassificationBasis: Decodable, Sendable {
    struct Standard: Decodable, Sendable { var id: String }
    struct Summary: Decodable, Sendable {
        var standard: Standard
        var householdClass: HouseholdClass
        var deprivedIndicators: [String]
        var transition: Transition
        var ethnicMinority: Bool
        var noWorkingCapacity: Bool
        var lowIncomeWorkers: Bool?
    }
    var householdId: String
    var householdVersion: Int64
    var rulesRevision: Int
    var area: AreaRef
    var surveyDate: String
    var officialHistory: [OfficialState]?
    /// Today's commune and province for the surveyed area (absent in events from before placement).
    var place: HouseholdPlace?
    var status: RecognitionStatus
    /// Absent when the version could not be classified (counted as `unclassified`).
    var classification: Summary?

    var order: VersionOrder { VersionOrder(householdVersion: householdVersion, rulesRevision: rulesRevision) }

    /// Where the tallies count it: eligibility's placement, else as surveyed.
    var reportingPlace: HouseholdPlace { place ?? HouseholdPlace(surveyed: area) }
}

/// Stage 1: counts each classified household's class, transition and deprivations in its commune's and province's
/// tallies; referrals and candidates are tallied by loan-referral and training-match, each fact once.
public struct ClassTallyHandler: EventHandler {
    let tallies = AreaTallies(source: ReportingService.name)
    let years = Self.yearTallies()

    /// Review years, counted per household and commune it was ever listed in: a member is `<household>|<area code>`.
    static func yearTallies() -> AreaTallies { AreaTallies(source: "review-year", service: ReportingService.name, tablePrefix: "year_") }

    public init() {}

    /// Version-guarded: a record not newer than what is held changes nothing.
    public var deduplication: Deduplication { .versions }

    public func beginBatch(in db: Database) throws {
        tallies.beginBatch()
        years.beginBatch()
    }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        // Reporting's counts of classes do not change with the calendar alone.
        if event.attributes.type == EventTypes.calendarDay { return [] }
        guard event.attributes.type == EventTypes.classifiedHousehold else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.classifiedHousehold), got '\(event.attributes.type)'"))
        }
        let c = try event.decode(ClassificationBasis.self)
        try tallies.record(
            c.householdId, c.order, place: c.reportingPlace, keys: AreaCounters.keys(for: c), from: event.message, time: event.attributes.time,
            in: db)
        try recordYears(c, event, in: db)
        return []
    }

    /// Replaces what the household added to every commune's review years by what its history adds now.
    private func recordYears(_ c: ClassificationBasis, _ event: InboundEvent, in db: Database) throws {
        let proposal = c.status == .proposed
            ? c.classification.map {
                ReviewYearTally.Proposal(year: Int(c.surveyDate.prefix(4)) ?? 0, householdClass: $0.householdClass, place: c.reportingPlace)
            } : nil
        let contributions = ReviewYearTally.contributions(history: c.officialHistory ?? [], proposal: proposal)
        // '}' follows '|': the range holds exactly this household's members.
        let held = try String.fetchAll(
            db.cachedStatement(sql: "SELECT household_id FROM year_tally_member WHERE household_id > ? AND household_id < ?"),
            arguments: [c.householdId + "|", c.householdId + "}"])
        for member in held {
            let code = String(member.dropFirst(c.householdId.count + 1))
            guard contributions[code] == nil, let place = try years.place(of: member, in: db) else { continue }
            try years.record(member, c.order, place: place, counts: [:], from: event.message, time: event.attributes.time, in: db)
        }
        for (code, contribution) in contributions.sorted(by: { $0.key < $1.key }) {
            try years.record(
                "\(c.householdId)|\(code)", c.order, place: contribution.place, counts: contribution.counts, from: event.message,
                time: event.attributes.time, in: db)
        }
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] { try tallies.finishBatch(in: db) + years.finishBatch(in: db) }
}

/// Area tallies added up: their counters, the sum of their versions (a report's version) and the latest of their times.
struct TallySum {
    var counters = AreaCounters()
    var version: Int64 = 0
    var time = ""

    /// Adds an `area_tally` row (its `counts`, `version` and `time` columns).
    mutating func add(_ row: Row) throws {
        for (key, value) in try EventJSON.decode([String: Int].self, from: row["counts"] as Data) { counters.counts[key, default: 0] += value }
        version += row["version"] as Int64
        time = max(time, row["time"] as String)
    }
}

/// Stage 2: keeps the latest tally of every source and input partition of the areas it owns (version-guarded), and
/// publishes each changed area's report: the sum of its tallies, a pure function of them. Its version is the sum of
/// their versions, its time the latest of theirs, and its id names each tally with its version.
public final class AreaReportHandler: EventHandler, @unchecked Sendable {
    // @unchecked: `changed` is used only inside one batch's transaction, on the consumer thread, under its lock.
    private let changed = Mutex<Set<String>>([])
    /// The areas whose reports the batch changed, told to `onChange` once it has committed.
    private let committed = Mutex<[String: Int64]>([:])
    private let onChange: @Sendable ([String: Int64]) -> Void
    private let areas: AreaRegistry
    /// Today's communes per province.
    private let provinceCommunes: [String: Int]

    public init(areas: AreaRegistry, onChange: @escaping @Sendable ([String: Int64]) -> Void = { _ in }) {
        self.areas = areas
        self.onChange = onChange
        provinceCommunes = Dictionary(grouping: areas.communes(on: AreaFigureRules.communesFrom), by: \.provinceCode).mapValues(\.count)
    }

    /// Version-guarded: a record not newer than what is held changes nothing.
    public var deduplication: Deduplication { .versions }

    public func beginBatch(in db: Database) throws { changed.withLock { $0.removeAll() } }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.areaTally else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.areaTally), got '\(event.attributes.type)'"))
        }
        let t = try event.decode(AreaTally.self)
        try db.run(
            """
                INSERT INTO area_tally (area_code, source, partition, level, province_code, version, time, counts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (area_code, source, partition) DO UPDATE SET version = excluded.version, time = excluded.time,
                  counts = excluded.counts
                WHERE excluded.version > area_tally.version
                """, [t.areaCode, t.source, t.partition, t.areaLevel.rawValue, t.provinceCode, t.version, event.attributes.time,
                      Data(try EventJSON.encode(t.counts))])
        if db.changesCount > 0 { changed.withLock { _ = $0.insert(t.areaCode) } }
        return []
    }

    /// How many communes an area's denominators add up: today's communes of a province, a former district's communes.
    private func communeCount(_ code: String, _ level: AreaLevel) -> Int {
        switch level {
        case .commune: 1
        case .province: provinceCommunes[code] ?? 0
        // Every unit it adds up, a former commune split between today's communes included: until that unit has a
        // denominator of its own, the district's rate stays absent rather than divide its poor by too few households.
        case .formerDistrict: areas.formerDistricts[code]?.communes.count ?? 1
        case .grouping: 1  // never tallied: a grouping is added up when asked (GroupingStore)
        }
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        let codes = changed.withLock { codes in defer { codes.removeAll() }; return codes }
        var events: [OutboundEvent] = []
        var reported: [String: Int64] = [:]
        for code in codes.sorted() {
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT source, partition, level, province_code, version, time, counts FROM area_tally WHERE area_code = ?
                        ORDER BY source, partition
                        """),
                arguments: [code])
            guard let first = rows.first else { continue }
            var sum = TallySum()
            var tallies: [(key: String, version: Int64)] = []
            for row in rows {
                try sum.add(row)
                tallies.append(("\(row["source"] as String)/\(code)/\(row["partition"] as Int32)", row["version"]))
            }
            var counters = sum.counters
            let (version, time) = (sum.version, sum.time)
            // The id names every tally with its version, in key order: the same tallies give the same report and id.
            let idParts = ["report", code] + tallies.sorted { $0.key < $1.key }.flatMap { [$0.key, String($0.version)] }
            counters.counts = counters.counts.filter { $0.value != 0 }
            let level = AreaLevel(rawValue: first["level"]) ?? .commune
            let province: String = first["province_code"]
            var report = counters.report(
                areaCode: code, level: level, name: areas.areaName(code, on: String(time.prefix(10))), provinceCode: province,
                version: version, asOf: time, communes: communeCount(code, level))
            if level == .formerDistrict, let district = areas.formerDistricts[code] {
                (report.communes, report.communesPartlyIn) = (district.communes, district.partlyIn)
            }
            let bytes = try EventJSON.encode(report)
            _ = try ReportReplicaHandler.upsert(report, bytes: bytes, replacingEqual: true, in: db)
            reported[code] = version
            events += try yearReports(report, in: db)
            guard try PublishedVersions.claim(Topics.report, key: code, version: version, in: db) else { continue }
            // The stored bytes are the published ones: one encode per report.
            events.append(
                try OutboundEvent.json(
                    topic: Topics.report, key: code, type: EventTypes.areaReport, source: EventSources.service(ReportingService.name),
                    idParts: idParts, sequence: version, time: time, encoded: bytes))
        }
        committed.withLock { $0 = reported }
        return events
    }

    public func didCommit() {
        let reported = committed.withLock { reported in defer { reported.removeAll() }; return reported }
        if !reported.isEmpty { onChange(reported) }
    }

    /// The report's review years whose figures changed since last published, for `giamngheo.report.v2`.
    private func yearReports(_ report: AreaReport, in db: Database) throws -> [OutboundEvent] {
        try (report.reviewYears ?? []).compactMap { review in
            let year = AreaYearReport(report, review)
            var visible = year
            (visible.version, visible.asOf) = (0, "")
            let fingerprint = DeterministicID.make(String(decoding: try EventJSON.encode(visible), as: UTF8.self))
            let held = try String.fetchOne(
                db.cachedStatement(sql: "SELECT fingerprint FROM year_report WHERE area_code = ? AND year = ?"), arguments: [year.areaCode, year.year])
            guard held != fingerprint, try PublishedVersions.claim(Topics.yearReport, key: year.key, version: year.version, in: db) else {
                return nil
            }
            try db.run(
                """
                    INSERT INTO year_report (area_code, year, fingerprint) VALUES (?, ?, ?)
                    ON CONFLICT (area_code, year) DO UPDATE SET fingerprint = excluded.fingerprint
                    """, [year.areaCode, year.year, fingerprint])
            var event = try OutboundEvent.json(
                topic: Topics.yearReport, key: year.key, type: EventTypes.areaYearReport, source: EventSources.service(ReportingService.name),
                idParts: ["year-report", year.key, String(year.version)], sequence: year.version, time: year.asOf, payload: year)
            event.attributes.partitionKey = year.areaCode
            return event
        }
    }
}
