import EventContracts
import EventStore
import Foundation
import GRDB

/// A reclassification of the stored households under a new catalogue revision, as recorded in the store: where it
/// stands, so that it resumes after a crash, and what it did.
public struct ReclassificationJob: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable {
        /// Waiting for an operator (`POST /v1/reclassifications`), because start-up reclassification is off.
        case pending
        /// Under way, or interrupted and resumed at the next start.
        case running
        case completed
        /// Replaced by a job for a newer revision before it finished.
        case superseded
    }

    /// `rev<from>-to-rev<to>`.
    public var jobId: String
    /// The catalogue revision the store had applied in full before (0: none recorded).
    public var fromRevision: Int
    public var toRevision: Int
    public var status: Status
    /// `changed`: only households to which a changed standard applies are classified again; `all`: every household
    /// (no earlier catalogue is known, or an unfinished job was superseded).
    public var scope: String
    /// Standards added, removed or changed between the two revisions (empty when `scope` is `all`).
    public var changedStandardIds: [String]
    /// Households looked at so far, in household-id order.
    public var examined: Int
    /// Households classified again (those a changed standard applies to).
    public var evaluated: Int
    /// Households whose published classification changed, and were therefore published again.
    public var published: Int
    /// Households left as they were because no national standard of the new catalogue is in force on their survey date.
    public var withoutStandard: Int
    public var startedAt: String
    public var updatedAt: String
    public var completedAt: String?

    static func id(from: Int, to: Int) -> String { "rev\(from)-to-rev\(to)" }
}

/// The catalogues a store has applied in full, and the decision taken at start-up with the catalogue loaded: nothing
/// to do, or a reclassification job (new, resumed, or replacing an unfinished one).
///
/// Revisions only go up: a catalogue whose revision is below the one applied, or equal to it with other content,
/// is refused, because its classifications would carry versions that consumers drop or confuse with older ones.
public enum CatalogueLedger {
    static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE applied_catalogue (
                  revision INTEGER PRIMARY KEY, content_hash TEXT NOT NULL, catalogue BLOB NOT NULL, applied_at TEXT NOT NULL);
                CREATE TABLE reclassification (
                  job_id TEXT PRIMARY KEY, from_revision INTEGER NOT NULL, to_revision INTEGER NOT NULL, content_hash TEXT NOT NULL,
                  status TEXT NOT NULL, scope TEXT NOT NULL, changed_standards TEXT NOT NULL, cursor TEXT NOT NULL,
                  examined INTEGER NOT NULL, evaluated INTEGER NOT NULL, published INTEGER NOT NULL, without_standard INTEGER NOT NULL,
                  started_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT);
                """)
    }

    /// A catalogue that cannot be applied to this store, and why.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// A fingerprint of the catalogue's content (its canonical JSON), to tell a changed file from the same one.
    public static func contentHash(_ catalogue: StandardsCatalogue) throws -> String {
        DeterministicID.make("catalogue", String(decoding: try EventJSON.encode(catalogue), as: UTF8.self))
    }

    /// The catalogue applied in full most recently, if any.
    static func latestApplied(in db: Database) throws -> (revision: Int, hash: String, catalogue: StandardsCatalogue)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT revision, content_hash, catalogue FROM applied_catalogue ORDER BY revision DESC LIMIT 1")
        else { return nil }
        return (row["revision"], row["content_hash"], try EventJSON.decode(StandardsCatalogue.self, from: row["catalogue"] as Data))
    }

    /// The catalogue applied in full most recently, if any (tools that work on a store directly).
    public static func latestAppliedCatalogue(in db: Database) throws -> StandardsCatalogue? {
        try latestApplied(in: db)?.catalogue
    }

    /// The catalogue applied at `revision`, if it was recorded.
    static func applied(revision: Int, in db: Database) throws -> StandardsCatalogue? {
        try Data.fetchOne(db, sql: "SELECT catalogue FROM applied_catalogue WHERE revision = ?", arguments: [revision])
            .map { try EventJSON.decode(StandardsCatalogue.self, from: $0) }
    }

    static func recordApplied(_ catalogue: StandardsCatalogue, in db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO applied_catalogue (revision, content_hash, catalogue, applied_at) VALUES (?, ?, ?, ?)",
            arguments: [catalogue.revision, try contentHash(catalogue), Data(try EventJSON.encode(catalogue)), Timestamp.now()])
    }

    /// Decides, at start-up, what `catalogue` requires of the store, and records it:
    /// - the same revision and content as applied: nothing;
    /// - an empty store: the catalogue is recorded as applied;
    /// - a higher revision: a reclassification job, `running` when `start` is true, else `pending`; an unfinished
    ///   job for the same revision and content is resumed; one for an older revision is superseded by a job over
    ///   every household.
    /// - Returns: the job to run, if any.
    /// - Throws: ``Refusal`` for a revision below the applied one, or reused with other content.
    public static func prepare(_ catalogue: StandardsCatalogue, start: Bool, in db: Database) throws -> ReclassificationJob? {
        let hash = try contentHash(catalogue)
        let revision = catalogue.revision
        let applied = try latestApplied(in: db)
        if let applied {
            if applied.revision > revision {
                throw Refusal(description: "the standards catalogue has revision \(revision), below revision \(applied.revision) already applied to this store; raise the revision instead of lowering it")
            }
            if applied.revision == revision {
                guard applied.hash == hash else {
                    throw Refusal(description: "the standards catalogue's content differs from revision \(revision) already applied to this store; a corrected catalogue needs a new revision (raise \"revision\" by 1)")
                }
                return nil
            }
        }
        let open = try jobs(in: db).first { $0.status == .pending || $0.status == .running }
        if let open {
            if open.toRevision > revision {
                throw Refusal(description: "the standards catalogue has revision \(revision), below revision \(open.toRevision) of the unfinished reclassification \(open.jobId); raise the revision instead of lowering it")
            }
            if open.toRevision == revision {
                let openHash = try String.fetchOne(db, sql: "SELECT content_hash FROM reclassification WHERE job_id = ?", arguments: [open.jobId])
                guard openHash == hash else {
                    throw Refusal(description: "revision \(revision) was already used for other content by the unfinished reclassification \(open.jobId); raise the revision")
                }
                if start { try setStatus(.running, of: open.jobId, in: db) }
                return try job(open.jobId, in: db)
            }
            try setStatus(.superseded, of: open.jobId, in: db)
        }
        if applied == nil, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM household_facts") == 0 {
            try recordApplied(catalogue, in: db)
            return nil
        }
        let change = CatalogueChange(from: open == nil ? applied?.catalogue : nil, to: catalogue)
        let now = Timestamp.now()
        let from = applied?.revision ?? 0
        try db.execute(
            sql: """
                INSERT INTO reclassification (job_id, from_revision, to_revision, content_hash, status, scope, changed_standards, cursor,
                  examined, evaluated, published, without_standard, started_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, '', 0, 0, 0, 0, ?, ?)
                """,
            arguments: [
                ReclassificationJob.id(from: from, to: revision), from, revision, hash, (start ? ReclassificationJob.Status.running : .pending).rawValue,
                change.old == nil ? "all" : "changed", change.changedStandardIds.sorted().joined(separator: ","), now, now,
            ])
        return try job(ReclassificationJob.id(from: from, to: revision), in: db)
    }

    /// Every reclassification job, newest first.
    public static func jobs(in db: Database) throws -> [ReclassificationJob] {
        try Row.fetchAll(db, sql: "SELECT * FROM reclassification ORDER BY started_at DESC, to_revision DESC").map(job(from:))
    }

    public static func job(_ id: String, in db: Database) throws -> ReclassificationJob? {
        try Row.fetchOne(db, sql: "SELECT * FROM reclassification WHERE job_id = ?", arguments: [id]).map(job(from:))
    }

    static func setStatus(_ status: ReclassificationJob.Status, of id: String, in db: Database) throws {
        try db.execute(
            sql: "UPDATE reclassification SET status = ?, updated_at = ? WHERE job_id = ?", arguments: [status.rawValue, Timestamp.now(), id])
    }

    /// Where the job resumes: the last household id it finished.
    static func cursor(of id: String, in db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT cursor FROM reclassification WHERE job_id = ?", arguments: [id]) ?? ""
    }

    private static func job(from row: Row) -> ReclassificationJob {
        let changed: String = row["changed_standards"]
        return ReclassificationJob(
            jobId: row["job_id"], fromRevision: row["from_revision"], toRevision: row["to_revision"],
            status: ReclassificationJob.Status(rawValue: row["status"]) ?? .running, scope: row["scope"],
            changedStandardIds: changed.isEmpty ? [] : changed.split(separator: ",").map(String.init), examined: row["examined"],
            evaluated: row["evaluated"], published: row["published"], withoutStandard: row["without_standard"], startedAt: row["started_at"],
            updatedAt: row["updated_at"], completedAt: row["completed_at"])
    }
}
