import EventContracts
import EventStore
import Foundation
import GRDB

/// The access log kept in intake's store: every record of `giamngheo.audit.access.v1`, from the five services, for
/// auditors (`GET /v1/audit`).
public enum AccessLog {
    static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("intake-v9-access-log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE access_log (
                      event_id TEXT PRIMARY KEY, at TEXT NOT NULL, request_id TEXT NOT NULL, subject TEXT NOT NULL, roles TEXT NOT NULL,
                      service TEXT NOT NULL, endpoint TEXT NOT NULL, action TEXT NOT NULL, household_id TEXT, area_code TEXT,
                      status INTEGER NOT NULL);
                    CREATE INDEX access_log_household ON access_log(household_id, at);
                    CREATE INDEX access_log_subject ON access_log(subject, at);
                    CREATE INDEX access_log_at ON access_log(at);
                    """)
        }
    }

    static func insert(_ record: AccessRecord, eventId: String, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO access_log (event_id, at, request_id, subject, roles, service, endpoint, action, household_id, area_code, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING
                """,
            arguments: [
                eventId, record.at, record.requestId, record.subject, record.roles.joined(separator: ","), record.service, record.endpoint,
                record.action.rawValue, record.householdId, record.areaCode, record.status,
            ])
    }

    /// What an auditor asks for: each filter optional; `from` and `to` compare with the records' RFC 3339 times.
    public struct Query: Sendable {
        public var householdId: String?
        public var subject: String?
        public var from: String?
        public var to: String?
        public var limit: Int
    }

    /// The records that match, oldest first.
    public static func records(_ query: Query, in db: Database) throws -> [AccessRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let id = query.householdId { conditions.append("household_id = ?"); arguments += [id.lowercased()] }
        if let subject = query.subject { conditions.append("subject = ?"); arguments += [subject] }
        if let from = query.from { conditions.append("at >= ?"); arguments += [from] }
        if let to = query.to { conditions.append("at < ?"); arguments += [to] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [query.limit]
        return try Row.fetchAll(db, sql: "SELECT * FROM access_log \(filter) ORDER BY at, event_id LIMIT ?", arguments: arguments).map { row in
            AccessRecord(
                requestId: row["request_id"], at: row["at"], subject: row["subject"],
                roles: (row["roles"] as String).split(separator: ",").map(String.init), service: row["service"], endpoint: row["endpoint"],
                action: AccessRecord.Action(rawValue: row["action"]) ?? .read, householdId: row["household_id"], areaCode: row["area_code"],
                status: row["status"])
        }
    }
}

/// Applies `giamngheo.audit.access.v1` to the access log. Only the system's services write there (the applier
/// dead-letters records of other sources or types); a record that is not an access record is dead-lettered.
public struct AccessLogHandler: EventHandler {
    public init() {}

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        let record = try event.decode(AccessRecord.self)
        try AccessLog.insert(record, eventId: event.attributes.id, in: db)
        return []
    }
}
