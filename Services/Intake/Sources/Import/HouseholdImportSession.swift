import Areas
import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// One CSV upload being imported: feeds the bytes to the pure import as they arrive, stores valid households a
/// chunk per transaction, and keeps the report in the store as it goes (each chunk's households, issues and running
/// totals commit together). Memory holds one chunk, never the file.
public struct HouseholdImportSession: Sendable {
    /// Households stored per transaction: one fsync for many, and a bounded amount of memory.
    public static let householdsPerTransaction = 250
    /// Errors (and, separately, warnings) listed in the upload's answer; the stored report has them all.
    public static let listedIssues = 1_000
    /// Errors and warnings stored per import; beyond this they are counted only.
    public static let storedIssuesLimit = 100_000

    public let importId: String
    public let startedAt: String
    private var plan: HouseholdCSVImport
    private let writer: GroupCommitWriter
    /// Whether the uploader may change households of a commune: rows of other communes are rejected.
    private let permits: @Sendable (String) -> Bool
    /// The uploader, for the access log.
    private let actor: AccessActor?
    /// Where each household is written when intake runs as several instances, and the upload's headers to send on.
    private let routing: (router: HouseholdWriteRouter, caller: HTTPFields)?
    private var status = ImportStatus.running
    private var finishedAt: String?
    private var totals = ImportTotals()
    private var pending: [ImportedHousehold] = []
    private var pendingIssues: [(ImportReportStore.IssueKind, ImportIssue)] = []
    private var storedIssues = 0
    private var errors = IssueList()
    private var warnings = IssueList()

    /// Starts an import: its report exists (status `running`) from now on.
    public static func begin(
        writer: GroupCommitWriter, rules: SurveyRules, today: CalendarDate, permits: @escaping @Sendable (String) -> Bool = { _ in true },
        actor: AccessActor? = nil
    ) async throws -> Self {
        try await begin(writer: writer, rules: rules, today: today, permits: permits, actor: actor, routing: nil)
    }

    static func begin(
        writer: GroupCommitWriter, rules: SurveyRules, today: CalendarDate, permits: @escaping @Sendable (String) -> Bool, actor: AccessActor?,
        routing: (router: HouseholdWriteRouter, caller: HTTPFields)?
    ) async throws -> Self {
        let session = Self(
            importId: UUID().uuidString.lowercased(), startedAt: Timestamp.now(), writer: writer,
            plan: HouseholdCSVImport(rules: rules, today: today), permits: permits, actor: actor, routing: routing)
        let (id, startedAt) = (session.importId, session.startedAt)
        try await writer.write { db in try ImportReportStore.begin(id, startedAt: startedAt, in: db) }
        return session
    }

    private init(
        importId: String, startedAt: String, writer: GroupCommitWriter, plan: HouseholdCSVImport, permits: @escaping @Sendable (String) -> Bool,
        actor: AccessActor?, routing: (router: HouseholdWriteRouter, caller: HTTPFields)?
    ) {
        self.routing = routing
        self.permits = permits
        self.actor = actor
        self.importId = importId
        self.startedAt = startedAt
        self.writer = writer
        self.plan = plan
    }

    /// Reads the next bytes of the upload, storing a chunk of households whenever one is full.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) async throws {
        take(plan.read(bytes))
        if pending.count >= Self.householdsPerTransaction || pendingIssues.count >= Self.listedIssues {
            try await flush(.running)
        }
    }

    /// Ends the upload: stores the last households and the final report, and returns it.
    public mutating func finish() async throws -> ImportReport {
        take(plan.finish())
        for issue in plan.headerIssues { note(.error, issue) }
        try await flush(plan.headerIssues.isEmpty ? .completed : .rejected)
        return report
    }

    /// Ends an upload that broke off (`interrupted`: the households complete so far are stored) or that the store
    /// refused (`failed`: the report keeps what was stored before); best effort, since the store may be the problem.
    public mutating func abandon(_ reason: ImportStatus) async -> ImportReport {
        if reason != .interrupted {
            pending = []
            pendingIssues = []
        }
        do {
            try await flush(reason)
        } catch {
            status = reason
        }
        return report
    }

    /// The report as it stands, listing the first errors and warnings.
    public var report: ImportReport {
        ImportReport(
            importId: importId, status: status, startedAt: startedAt, finishedAt: finishedAt, totals: totals, errors: errors.listed,
            moreErrors: errors.count - errors.listed.count, warnings: warnings.listed, moreWarnings: warnings.count - warnings.listed.count)
    }

    private mutating func take(_ decisions: [HouseholdCSVImport.Decision]) {
        for decision in decisions {
            switch decision {
            case .store(let household) where !permits(household.valid.area.communeCode):
                totals.households += 1
                totals.rejected += 1
                for issue in HouseholdCSVImport.issues([OutsideScope(communeCode: household.valid.area.communeCode).fieldError], in: household.household) {
                    note(.error, issue)
                }
            case .store(let household): pending.append(household)
            case .reject(let rejected):
                totals.households += 1
                totals.rejected += 1
                for issue in rejected.issues { note(.error, issue) }
            }
        }
        totals.rows = plan.rows
    }

    private mutating func note(_ kind: ImportReportStore.IssueKind, _ issue: ImportIssue) {
        if kind == .error { errors.add(issue) } else { warnings.add(issue) }
        if storedIssues + pendingIssues.count < Self.storedIssuesLimit { pendingIssues.append((kind, issue)) }
    }

    /// Stores the pending households, their warnings, the pending issues and the totals in one transaction.
    private mutating func flush(_ newStatus: ImportStatus) async throws {
        let chunk = pending
        var local = Array(chunk.indices)
        // The households other instances write are sent to them first; their answers are counted with this chunk's.
        var elsewhere: [(Int, IntakeRoutes.BatchItemResult)] = []
        if let routing {
            let ids = try await routing.router.ids(of: chunk.map(\.valid))
            let items = chunk.indices.map { HouseholdWriteRouter.Item(index: $0, householdId: ids[$0], input: chunk[$0].household.survey) }
            let routed = await routing.router.route(items, like: routing.caller)
            elsewhere = routed.elsewhere.map { ($0.key, $0.value) }
            let here = Set(routed.here.map(\.index))
            local = chunk.indices.filter { here.contains($0) }
        }
        let (ownership, answeredElsewhere, storedHere) = (routing?.router.ownership, elsewhere, local)
        let issues = pendingIssues
        let (id, before, firstSeq, errorCount, warningCount) = (importId, totals, storedIssues, errors.count, warnings.count)
        let room = Self.storedIssuesLimit - storedIssues - issues.count
        let finished = newStatus == .running ? nil : Timestamp.now()
        let (permits, actor, trace) = (permits, actor, TraceContext.current)
        let result = try await writer.write { db -> ChunkResult in
            var totals = before
            var warnings: [ImportIssue] = []
            var refused: [ImportIssue] = []
            var answers: [(Int, Answer)] = answeredElsewhere.map { ($0.0, $0.1.outcome.map(Answer.stored) ?? .refused($0.1.errors ?? [])) }
            for index in storedHere {
                let imported = chunk[index]
                do {
                    let outcome = try IntakeStore.accept(
                        imported.valid, input: imported.household.survey, idempotencyKey: nil, permits: permits, actor: actor, trace: trace,
                        writes: ownership?.stillAssigned, in: db)
                    answers.append((index, .stored(outcome)))
                } catch let outside as OutsideScope {
                    answers.append((index, .refused([outside.fieldError])))
                } catch let moved as NotTheWriter {
                    answers.append((index, .refused([FieldError("", "household \(moved.householdId) was let go to another intake instance; import the file again")])))
                }
            }
            for (index, answer) in answers.sorted(by: { $0.0 < $1.0 }) {
                let imported = chunk[index]
                let outcome: AcceptOutcome
                switch answer {
                case .stored(let accepted): outcome = accepted
                case .refused(let errors):
                    totals.households += 1
                    totals.rejected += 1
                    // A batch's fields are numbered by its items ("[3].members[0].cccd"): the household's own fields here.
                    let fields = errors.map { FieldError(String($0.field.drop { $0 != "]" }.dropFirst().drop { $0 == "." }), $0.reason) }
                    refused += HouseholdCSVImport.issues(errors.first?.field.hasPrefix("[") == true ? fields : errors, in: imported.household)
                    continue
                }
                totals.households += 1
                switch outcome.result {
                case .created: totals.created += 1
                case .updated: totals.updated += 1
                case .unchanged: totals.unchanged += 1
                }
                warnings += HouseholdCSVImport.issues(outcome.warnings, in: imported.household)
            }
            let storedRefusals = refused.prefix(max(0, room)).map { (ImportReportStore.IssueKind.error, $0) }
            let storedWarnings = warnings.prefix(max(0, room - storedRefusals.count)).map { (ImportReportStore.IssueKind.warning, $0) }
            try ImportReportStore.append(issues + storedRefusals + storedWarnings, firstSeq: firstSeq, importId: id, in: db)
            try ImportReportStore.update(
                id, status: newStatus, finishedAt: finished, totals: totals, errors: errorCount + refused.count,
                warnings: warningCount + warnings.count, in: db)
            return ChunkResult(totals: totals, warnings: warnings, refused: refused, stored: issues.count + storedRefusals.count + storedWarnings.count)
        }
        pending = []
        pendingIssues = []
        totals = result.totals
        storedIssues += result.stored
        for warning in result.warnings { warnings.add(warning) }
        for refusal in result.refused { errors.add(refusal) }
        status = newStatus
        finishedAt = finished
    }

    /// What became of one household of a chunk, here or at the instance that writes it.
    private enum Answer: Sendable {
        case stored(AcceptOutcome)
        case refused([FieldError])
    }

    private struct ChunkResult: Sendable {
        var totals: ImportTotals
        var warnings: [ImportIssue]
        var refused: [ImportIssue]
        var stored: Int
    }

    /// The first issues, for the answer, and how many there are in all.
    private struct IssueList: Sendable {
        var listed: [ImportIssue] = []
        var count = 0

        mutating func add(_ issue: ImportIssue) {
            count += 1
            if listed.count < HouseholdImportSession.listedIssues { listed.append(issue) }
        }
    }
}
