import EventContracts
import EventStore
import Foundation
import GRDB

/// Classifies the stored households again under a new catalogue revision, one chunk per write transaction, and
/// publishes only the households whose classification decides differently (``Classification/hasSameDecision(as:)``).
///
/// Each chunk commits, in one transaction: the changed classifications, their events (outbox), the official
/// classes they change, and the job's cursor and counts. A crash loses at most the chunk in hand, which is done
/// again from the cursor with the same results and event ids. Households the consumer has meanwhile classified
/// under the new revision are left alone.
public struct Reclassifier: Sendable {
    public let store: ServiceStore
    public let catalogue: StandardsCatalogue
    /// Households per transaction: long enough to amortise the commit, short enough not to hold up the consumer.
    public var chunkSize = 1_000
    /// Threads that decode and classify a chunk.
    public var workers = ParallelWork.defaultWorkers

    /// Places each republished household in today's units for the reports.
    public let place: CurrentPlace

    public init(store: ServiceStore, catalogue: StandardsCatalogue, place: CurrentPlace) {
        self.store = store
        self.catalogue = catalogue
        self.place = place
    }

    /// Runs the job from its cursor until it completes or `shouldStop` says so between chunks.
    /// - Parameter progress: called after every chunk with the job as committed.
    /// - Returns: the job as it stands.
    @discardableResult
    public func run(
        _ jobId: String, shouldStop: () -> Bool = { false }, progress: (ReclassificationJob) -> Void = { _ in }
    ) throws -> ReclassificationJob {
        let change = try store.pool.read { db in
            guard let job = try CatalogueLedger.job(jobId, in: db) else { throw CatalogueLedger.Refusal(description: "no reclassification \(jobId)") }
            guard job.toRevision == catalogue.revision else {
                throw CatalogueLedger.Refusal(description: "reclassification \(jobId) targets revision \(job.toRevision), the catalogue loaded is \(catalogue.revision)")
            }
            let old = job.scope == "all" ? nil : try CatalogueLedger.applied(revision: job.fromRevision, in: db)
            return CatalogueChange(from: old, to: catalogue)
        }
        while true {
            let (job, published) = try store.pool.write { db in try step(jobId, change: change, in: db) }
            if published > 0 { store.outboxChanged() }
            progress(job)
            if job.status != .running || shouldStop() { return job }
        }
    }

    /// One chunk: the next households after the cursor, in one transaction. Returns the job and the events queued.
    func step(_ jobId: String, change: CatalogueChange, in db: Database) throws -> (ReclassificationJob, Int) {
        guard let job = try CatalogueLedger.job(jobId, in: db) else {
            throw CatalogueLedger.Refusal(description: "no reclassification \(jobId)")
        }
        guard job.status == .running else { return (job, 0) }
        let cursor = try CatalogueLedger.cursor(of: jobId, in: db)
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT f.household_id, f.version, f.survey_date, f.province_code, f.list_year, f.standard_id, c.rules_revision
                    FROM household_facts f LEFT JOIN classification c ON c.household_id = f.household_id
                    WHERE f.household_id > ? ORDER BY f.household_id LIMIT ?
                    """),
            arguments: [cursor, chunkSize])
        var work: [Stored] = []
        for row in rows {
            let classifiedUnder: Int? = row["rules_revision"]
            // Already classified under this revision (by the consumer, or by this job before a crash): nothing to do.
            if let classifiedUnder, classifiedUnder >= catalogue.revision { continue }
            let choice = (row["survey_date"] as String?).flatMap { date in
                (row["province_code"] as String?).map {
                    StandardChoice(surveyDate: date, provinceCode: $0, listYear: row["list_year"], standardId: row["standard_id"])
                }
            }
            guard change.affects(choice) else { continue }
            work.append(try Stored.load(householdId: row["household_id"], in: db))
        }
        let catalogue = catalogue
        let verdicts = try ParallelWork.map(work, workers: workers) { try $0.reclassify(under: catalogue) }
        let now = Timestamp.now()
        var published = 0
        var withoutStandard = 0
        for verdict in verdicts {
            switch verdict {
            case .unchanged: break
            case .withoutStandard: withoutStandard += 1
            case .changed(let classification, let bytes, let basis, let snapshot):
                try EligibilityStore.record(classification, bytes: bytes, basis: basis, in: db)
                let history = try EligibilityStore.officialHistory(
                    classification.householdId, upTo: classification.householdVersion, placedBy: place, in: db)
                try Outbox.append(
                    EligibilityStore.event(for: classification, of: snapshot, placedBy: place, history: history, correlationId: jobId), in: db)
                published += 1
            }
        }
        let done = rows.count < chunkSize
        try db.execute(
            sql: """
                UPDATE reclassification SET cursor = ?, examined = examined + ?, evaluated = evaluated + ?, published = published + ?,
                  without_standard = without_standard + ?, updated_at = ?, status = ?, completed_at = ?
                WHERE job_id = ?
                """,
            arguments: [
                rows.last.map { $0["household_id"] as String } ?? cursor, rows.count, work.count, published, withoutStandard, now,
                (done ? ReclassificationJob.Status.completed : .running).rawValue, done ? now : nil, jobId,
            ])
        if done { try CatalogueLedger.recordApplied(catalogue, in: db) }
        return (try CatalogueLedger.job(jobId, in: db)!, published)
    }
}

/// A household as stored, read in the transaction and reclassified off it (pure).
private struct Stored: Sendable {
    var householdId: String
    var snapshot: Data
    var published: Data?
    var official: OfficialRow?

    static func load(householdId: String, in db: Database) throws -> Stored {
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT f.snapshot, c.payload FROM household_facts f LEFT JOIN classification c ON c.household_id = f.household_id
                    WHERE f.household_id = ?
                    """),
            arguments: [householdId])!
        return Stored(householdId: householdId, snapshot: row["snapshot"], published: row["payload"], official: try EligibilityStore.official(householdId, in: db))
    }

    enum Verdict: Sendable {
        case unchanged
        case withoutStandard
        case changed(Classification, [UInt8], TransitionBasis, HouseholdSnapshot)
    }

    /// The household classified under `catalogue`, its transition judged against the same official history as
    /// when this version was first classified; `.unchanged` when it decides the same as the stored one.
    func reclassify(under catalogue: StandardsCatalogue) throws -> Verdict {
        let snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: self.snapshot)
        guard let standard = catalogue.national(for: snapshot.standardChoice) else { return .withoutStandard }
        let published = try self.published.map { try EventJSON.decode(Classification.self, from: $0) }
        let basis = official?.basis(forVersion: snapshot.version, published: published) ?? .none
        let classification = ClassificationBuilder.build(snapshot, under: standard, catalogue: catalogue, basis: basis)
        if let published, published.householdVersion == snapshot.version, published.hasSameDecision(as: classification) { return .unchanged }
        return .changed(classification, try EventJSON.encode(classification), basis, snapshot)
    }
}
