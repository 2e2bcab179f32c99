import EventContracts
import EventStore
import Foundation
import GRDB

/// A shadow run as the HTTP API shows it: what was evaluated, against what, and the headline per area.
public struct ShadowRun: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case running, completed, failed }

    public var runId: String
    /// Order of completion in this store (1, 2, …); absent while running.
    public var runNumber: Int64?
    /// The `version` of the run's diffs: the completion time in milliseconds since 1970, above every earlier run's,
    /// so that the latest run wins on the compacted topic, also after the store is rebuilt; absent while running.
    public var version: Int64?
    public var status: Status
    /// The candidate standard.
    public var standard: StandardRef
    public var catalogueRevision: Int
    /// Households in the store when the run began (all of them are evaluated).
    public var households: Int
    /// Households evaluated so far (equal to `households` once completed).
    public var evaluated: Int
    /// Fingerprint of the household versions and official classifications evaluated (part of the run id).
    public var householdsDigest: String
    public var startedAt: String
    public var completedAt: String?
    /// Why a failed run failed.
    public var error: String?
    /// The whole run: the sum of its provinces.
    public var totals: ShadowCounts?
    /// Each province and commune in short; the full diff of one is at `/v1/shadow-runs/{runId}/areas/{areaCode}`.
    public var areas: [ShadowAreaHeadline]?
}

/// One area of a run in short: the households, how many would move, and the class counts on both sides.
public struct ShadowAreaHeadline: Codable, Sendable, Hashable {
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var areaName: String?
    public var provinceCode: String
    public var households: Int
    public var moved: Int
    public var official: ClassCounts
    public var shadow: ClassCounts

    init(_ diff: ShadowAreaDiff) {
        areaCode = diff.areaCode
        areaLevel = diff.areaLevel
        areaName = diff.areaName
        provinceCode = diff.provinceCode
        households = diff.counts.households
        moved = diff.counts.moved
        official = diff.counts.official
        shadow = diff.counts.shadow
    }
}

/// The households a pass over the store reads: every one stored, or those on some partitions of the household topic
/// (an instance's share when eligibility runs as several).
public struct HouseholdScope: Sendable, Hashable {
    public var partitions: Set<Int32>?
    public var partitionCount: Int32

    public static let all = HouseholdScope(partitions: nil, partitionCount: 1)

    public init(partitions: Set<Int32>?, partitionCount: Int32) {
        self.partitions = partitions
        self.partitionCount = partitionCount
    }

    /// A SQL condition on the household id column `column` (``ServiceStore``'s `kafka_partition`).
    func condition(on column: String) -> (sql: String, arguments: StatementArguments) {
        guard let partitions else { return ("1", []) }
        guard !partitions.isEmpty else { return ("0", []) }
        let list = partitions.sorted().map(String.init).joined(separator: ",")
        return ("kafka_partition(\(column), ?) IN (\(list))", [partitionCount])
    }
}

/// Shadow runs in eligibility's store: the run and one diff per area, stored together with their events
/// (`giamngheo.eligibility.shadow-diff.v1`) in one transaction, so a diff is published exactly when it is stored.
public enum ShadowRunStore {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE shadow_run (
                  run_id TEXT PRIMARY KEY, run_number INTEGER NOT NULL UNIQUE, version INTEGER NOT NULL, standard_id TEXT NOT NULL,
                  completed_at TEXT NOT NULL, summary BLOB NOT NULL);
                CREATE TABLE shadow_area (
                  run_id TEXT NOT NULL, area_code TEXT NOT NULL, payload BLOB NOT NULL, UNIQUE (run_id, area_code));
                """)
    }

    /// The households a run would evaluate now, and a fingerprint of their versions and official classification
    /// versions: an order-independent sum of a 64-bit FNV-1a hash per household, so any change of a household's
    /// facts or classification gives another fingerprint, and the sums of disjoint scopes add up to their union's.
    static func digest(of scope: HouseholdScope = .all, in db: Database) throws -> (households: Int, sum: UInt64) {
        var sum: UInt64 = 0
        var count = 0
        let filter = scope.condition(on: "household_id")
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT household_id, household_version, rules_revision FROM classification WHERE \(filter.sql)", arguments: filter.arguments)
        while let row = try cursor.next() {
            sum &+= fnv1a("\(row["household_id"] as String)|\(row["household_version"] as Int64)|\(row["rules_revision"] as Int)")
            count += 1
        }
        return (count, sum)
    }

    /// A fingerprint sum as written in a run.
    public static func digestText(_ sum: UInt64) -> String { String(sum, radix: 16) }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The run id: the same standard, catalogue and households give the same id, so asking twice runs once.
    static func runId(standard: PovertyStandard, catalogueRevision: Int, households: Int, digest: String) -> String {
        DeterministicID.make("shadow-run", standard.id, String(standard.revision), String(catalogueRevision), String(households), digest)
    }

    /// Reads every stored household with its published classification, `chunkSize` at a time, inside the caller's
    /// read transaction (one consistent snapshot), without holding more than a chunk in memory.
    static func forEachChunk(
        of scope: HouseholdScope = .all, in db: Database, chunkSize: Int, _ body: ([(snapshot: Data, published: Data)]) throws -> Void
    ) throws {
        let filter = scope.condition(on: "c.household_id")
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT f.snapshot, c.payload FROM household_facts f JOIN classification c ON c.household_id = f.household_id WHERE \(filter.sql)",
            arguments: filter.arguments)
        var chunk: [(snapshot: Data, published: Data)] = []
        chunk.reserveCapacity(chunkSize)
        while let row = try cursor.next() {
            chunk.append((row["snapshot"], row["payload"]))
            if chunk.count == chunkSize {
                try body(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if !chunk.isEmpty { try body(chunk) }
    }

    /// Stores a finished run and its area diffs, and queues one event per area. The run number is the next one; the
    /// version is the completion time in milliseconds, or one above the last run's if the clock went back.
    /// - Parameter diffs: the area diffs for a version.
    static func save(_ run: ShadowRun, completedAt: Date, in db: Database, diffs: (Int64) -> [ShadowAreaDiff]) throws -> ShadowRun {
        var run = run
        let last = try Row.fetchOne(db, sql: "SELECT MAX(run_number) AS number, MAX(version) AS version FROM shadow_run")
        let number = (last?["number"] as Int64? ?? 0) + 1
        let version = max(Int64((completedAt.timeIntervalSince1970 * 1_000).rounded(.down)), (last?["version"] as Int64? ?? 0) + 1)
        run.runNumber = number
        run.version = version
        let areaDiffs = diffs(version)
        run.areas = areaDiffs.map(ShadowAreaHeadline.init)
        try db.execute(
            sql: "INSERT INTO shadow_run (run_id, run_number, version, standard_id, completed_at, summary) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [run.runId, number, version, run.standard.id, run.completedAt, Data(try EventJSON.encode(run))])
        for diff in areaDiffs {
            let bytes = try EventJSON.encode(diff)
            try db.execute(
                sql: "INSERT INTO shadow_area (run_id, area_code, payload) VALUES (?, ?, ?)", arguments: [run.runId, diff.areaCode, Data(bytes)])
            let key = ShadowAreaDiff.key(standardId: diff.standard.id, areaCode: diff.areaCode)
            try Outbox.append(
                OutboundEvent.json(
                    topic: Topics.shadowDiff, key: key, type: EventTypes.shadowDiff, source: EventSources.service("eligibility"),
                    idParts: ["shadow-diff", run.runId, diff.areaCode], sequence: version, time: diff.completedAt, encoded: bytes),
                in: db)
        }
        return run
    }

    public static func run(_ runId: String, in db: Database) throws -> ShadowRun? {
        try Data.fetchOne(db, sql: "SELECT summary FROM shadow_run WHERE run_id = ?", arguments: [runId])
            .map { try EventJSON.decode(ShadowRun.self, from: $0) }
    }

    /// Completed runs, newest first, optionally of one standard, without their area lists.
    public static func runs(standardId: String?, in db: Database) throws -> [ShadowRun] {
        try Data.fetchAll(
            db, sql: "SELECT summary FROM shadow_run WHERE ?1 IS NULL OR standard_id = ?1 ORDER BY run_number DESC", arguments: [standardId]
        ).map {
            var run = try EventJSON.decode(ShadowRun.self, from: $0)
            run.areas = nil
            return run
        }
    }

    public static func area(_ areaCode: String, of runId: String, in db: Database) throws -> ShadowAreaDiff? {
        try Data.fetchOne(db, sql: "SELECT payload FROM shadow_area WHERE run_id = ? AND area_code = ?", arguments: [runId, areaCode])
            .map { try EventJSON.decode(ShadowAreaDiff.self, from: $0) }
    }
}
