import EventContracts
import Foundation
import GRDB

/// The reports of CSV imports: one row per import with its totals, and every error and warning with its row and
/// column, so that `GET /v1/household-imports/{id}` can return the full list after the upload's answer.
public enum ImportReportStore {
    static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-csv-import-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE household_import (
                      import_id TEXT PRIMARY KEY, status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,
                      rows INTEGER NOT NULL DEFAULT 0, households INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,
                      updated INTEGER NOT NULL DEFAULT 0, unchanged INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
                      error_count INTEGER NOT NULL DEFAULT 0, warning_count INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
                    CREATE TABLE household_import_issue (
                      import_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, row INTEGER NOT NULL, column_name TEXT,
                      household_ref TEXT, reason TEXT NOT NULL, PRIMARY KEY (import_id, seq)) WITHOUT ROWID;
                    """)
        }
    }

    enum IssueKind: String { case error, warning }

    static func begin(_ importId: String, startedAt: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO household_import (import_id, status, started_at) VALUES (?, ?, ?)",
            arguments: [importId, ImportStatus.running.rawValue, startedAt])
    }

    /// Closes the imports still `running` when intake starts: the process that read them is gone (a crash, a kill),
    /// so each becomes `interrupted`, keeping the counts of the households it stored (they were committed with them).
    /// Intake runs as one instance, so no other process is reading them.
    /// - Returns: the ids closed.
    public static func closeInterrupted(at time: String, in db: Database) throws -> [String] {
        let ids = try String.fetchAll(db, sql: "SELECT import_id FROM household_import WHERE status = ?", arguments: [ImportStatus.running.rawValue])
        try db.execute(
            sql: "UPDATE household_import SET status = ?, finished_at = ? WHERE status = ?",
            arguments: [ImportStatus.interrupted.rawValue, time, ImportStatus.running.rawValue])
        return ids
    }

    /// Appends issues numbered from `firstSeq`.
    static func append(_ issues: [(IssueKind, ImportIssue)], firstSeq: Int, importId: String, in db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO household_import_issue (import_id, seq, kind, row, column_name, household_ref, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
        for (offset, (kind, issue)) in issues.enumerated() {
            try statement.execute(arguments: [
                importId, firstSeq + offset, kind.rawValue, issue.row, issue.column, issue.householdRef, issue.reason,
            ])
        }
    }

    /// Records the totals so far (and the status, once known), in the transaction of the households they count.
    static func update(
        _ importId: String, status: ImportStatus, finishedAt: String?, totals: ImportTotals, errors: Int, warnings: Int, in db: Database
    ) throws {
        try db.execute(
            sql: """
                UPDATE household_import SET status = ?, finished_at = ?, rows = ?, households = ?, created = ?, updated = ?,
                  unchanged = ?, rejected = ?, error_count = ?, warning_count = ? WHERE import_id = ?
                """,
            arguments: [
                status.rawValue, finishedAt, totals.rows, totals.households, totals.created, totals.updated, totals.unchanged,
                totals.rejected, errors, warnings, importId,
            ])
    }

    /// The whole report: totals and every stored error and warning.
    public static func report(_ importId: String, in db: Database) throws -> ImportReport? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM household_import WHERE import_id = ?", arguments: [importId]) else {
            return nil
        }
        var errors: [ImportIssue] = []
        var warnings: [ImportIssue] = []
        let issues = try Row.fetchCursor(
            db, sql: "SELECT kind, row, column_name, household_ref, reason FROM household_import_issue WHERE import_id = ? ORDER BY seq",
            arguments: [importId])
        while let issue = try issues.next() {
            let value = ImportIssue(row: issue["row"], column: issue["column_name"], householdRef: issue["household_ref"], reason: issue["reason"])
            if issue["kind"] == IssueKind.warning.rawValue { warnings.append(value) } else { errors.append(value) }
        }
        var totals = ImportTotals()
        (totals.rows, totals.households, totals.created) = (row["rows"], row["households"], row["created"])
        (totals.updated, totals.unchanged, totals.rejected) = (row["updated"], row["unchanged"], row["rejected"])
        let errorCount: Int = row["error_count"]
        let warningCount: Int = row["warning_count"]
        return ImportReport(
            importId: importId, status: ImportStatus(rawValue: row["status"]) ?? .failed, startedAt: row["started_at"],
            finishedAt: row["finished_at"], totals: totals, errors: errors, moreErrors: errorCount - errors.count, warnings: warnings,
            moreWarnings: warningCount - warnings.count)
    }
}
