import EventContracts
import EventStore
import Foundation
import GRDB
import Synchronization

/// Every area's latest report, read from `giamngheo.report.v1` by each reporting instance in a consumer group of its
/// own, so that any instance's dashboard, `/v1/reports`, forms and groupings show every area, whichever instance's
/// partitions computed it. The reports this instance computes are written as they are made too; the version guard
/// keeps the newest of the two.
public final class ReportReplicaHandler: EventHandler {
    private let onChange: @Sendable ([String: Int64]) -> Void
    private let changed = Mutex<[String: Int64]>([:])

    public init(onChange: @escaping @Sendable ([String: Int64]) -> Void) { self.onChange = onChange }

    public var deduplication: Deduplication { .versions }

    /// The group of one instance: it alone reads every partition.
    public static func group(instanceId: String) -> String { "\(ReportingService.name)-replica-\(instanceId)" }

    public func beginBatch(in db: Database) throws { changed.withLock { $0.removeAll() } }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let report = try event.decode(AreaReport.self)
        guard report.areaCode == event.attributes.subject else {
            throw PoisonRecord(FieldError("areaCode", "'\(report.areaCode)' is not the record's subject '\(event.attributes.subject)'"))
        }
        if try Self.upsert(report, bytes: event.data ?? [], replacingEqual: false, in: db) { changed.withLock { $0[report.areaCode] = report.version } }
        return []
    }

    public func didCommit() {
        let versions = changed.withLock { versions in defer { versions.removeAll() }; return versions }
        if !versions.isEmpty { onChange(versions) }
    }

    /// Stores `report` unless a newer version is stored (or, unless `replacingEqual`, the same version: this instance's
    /// own report read back changes nothing); whether it did.
    static func upsert(_ report: AreaReport, bytes: [UInt8], replacingEqual: Bool, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO area_report (area_code, province_code, payload, version) VALUES (?, ?, ?, ?)
                ON CONFLICT (area_code) DO UPDATE SET province_code = excluded.province_code, payload = excluded.payload, version = excluded.version
                WHERE excluded.version \(replacingEqual ? ">=" : ">") area_report.version
                """,
            arguments: [report.areaCode, report.provinceCode, Data(bytes), report.version])
        return db.changesCount > 0
    }

    static func migrate(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE area_report ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
        for row in try Row.fetchAll(db, sql: "SELECT area_code, payload FROM area_report") {
            let report = try EventJSON.decode(AreaReport.self, from: row["payload"] as Data)
            try db.execute(sql: "UPDATE area_report SET version = ? WHERE area_code = ?", arguments: [report.version, row["area_code"] as String])
        }
    }
}
