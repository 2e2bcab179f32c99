import EventContracts
import EventStore
import Foundation
import GRDB
import Logging
import Synchronization

/// Evaluates a candidate standard over every stored household beside its official classification, changing
/// nothing official, and stores and publishes the diff per commune and province.
///
/// A run reads all households in one read transaction (a consistent snapshot; the consumer keeps writing
/// meanwhile), a chunk at a time, decoding and classifying each chunk on all cores. Its id comes from the candidate
/// standard, the catalogue revision and a fingerprint of the households read, so the same request over the same
/// data gives the same run, which is then not run again. One run at a time per process; runs are kept in memory
/// only until they are stored, so one interrupted by a crash leaves nothing and is simply requested again.
public final class ShadowRunner: Sendable {
    let store: ServiceStore
    let catalogue: StandardsCatalogue
    let place: CurrentPlace
    let logger: Logger
    let chunkSize: Int
    let workers: Int
    /// The run under way (with its progress), or the last one that failed.
    private let current = Mutex<ShadowRun?>(nil)

    public init(
        store: ServiceStore, catalogue: StandardsCatalogue, place: CurrentPlace, logger: Logger, chunkSize: Int = 2_000,
        workers: Int? = nil
    ) {
        self.store = store
        self.catalogue = catalogue
        self.place = place
        self.logger = logger
        self.chunkSize = chunkSize
        self.workers = workers ?? ParallelWork.defaultWorkers
    }

    /// What asking for a run led to.
    public enum Start: Sendable {
        /// A new run, now under way in the background.
        case started(ShadowRun)
        /// The same standard, catalogue and households were already run: the stored run.
        case existing(ShadowRun)
        /// Another run is under way; one at a time.
        case busy(ShadowRun)
    }

    /// The standard to run: a national standard of the catalogue.
    public func candidate(_ standardId: String) throws(FieldError) -> PovertyStandard {
        try catalogue.candidate(standardId, field: "standardId")
    }

    /// The households of commune `areaCode` (as placed today) whose class the completed run `runId` would change,
    /// each with what moves it, from the same households the run counted.
    public func movedHouseholds(of runId: String, in areaCode: String) throws(ShadowListRefusal) -> ShadowAreaHouseholds {
        do {
            return try store.pool.read { db throws -> ShadowAreaHouseholds in
                guard let run = try ShadowRunStore.run(runId, in: db) else {
                    throw inMemory(runId)?.status == .running
                        ? ShadowListRefusal.running("shadow run \(runId) is still running; ask again when it has completed")
                        : ShadowListRefusal.notFound("shadow run \(runId)")
                }
                guard let standard = catalogue.standard(id: run.standard.id) else {
                    throw ShadowListRefusal.changed("the catalogue no longer has \(run.standard.id); start a new run")
                }
                let (households, digest) = try ShadowRunStore.digest(in: db)
                guard households == run.households, digest == run.householdsDigest else {
                    throw ShadowListRefusal.changed(
                        "the stored households changed since run \(runId) counted them (\(run.households) then, \(households) now); "
                            + "start a new run (POST /v1/shadow-runs) for the current list")
                }
                let evaluation = Evaluation(standard: standard, catalogue: catalogue, place: place)
                var moved: [ShadowAreaHouseholds.Row] = []
                try ShadowRunStore.forEachChunk(in: db, chunkSize: chunkSize) { chunk in
                    for result in try ParallelWork.map(chunk, workers: workers, evaluation.evaluate)
                    where result.place.communeAreaCode == areaCode && result.shift.moved {
                        moved.append(
                            .init(
                                householdId: result.householdId, householdVersion: result.householdVersion, village: result.village,
                                officialClass: result.shift.from, candidateClass: result.shift.to, cause: result.shift.cause,
                                newlyDeprived: result.shift.newlyDeprived, noLongerDeprived: result.shift.noLongerDeprived))
                    }
                }
                return ShadowAreaHouseholds(
                    runId: runId, standard: run.standard, areaCode: areaCode, areaName: place.name(of: areaCode),
                    households: moved.sorted { $0.householdId < $1.householdId })
            }
        } catch let refusal as ShadowListRefusal {
            throw refusal
        } catch {
            throw ShadowListRefusal.failed("\(error)")
        }
    }

    /// The run under way, once its id is known.
    public var underWay: ShadowRun? { current.withLock { $0.flatMap { $0.status == .running && !$0.runId.isEmpty ? $0 : nil } } }

    /// The run under way, or the last failed one, if it is `runId`.
    public func inMemory(_ runId: String) -> ShadowRun? { current.withLock { $0?.runId == runId ? $0 : nil } }

    /// Starts a run in the background and returns once its id is known (a fingerprint pass over the households).
    public func start(standardId: String) async throws -> Start {
        let standard = try candidate(standardId)
        let claimed = current.withLock { state -> ShadowRun? in
            if let state, state.status == .running { return state }
            state = ShadowRun(
                runId: "", status: .running, standard: standard.ref, catalogueRevision: catalogue.revision, households: 0, evaluated: 0,
                householdsDigest: "", startedAt: Timestamp.now())
            return nil
        }
        if let claimed { return .busy(claimed) }
        return try await withCheckedThrowingContinuation { continuation in
            let once = Once(continuation)
            let thread = Thread { [self] in
                do {
                    let run = try execute(standard) { run, existing in once.resume(returning: existing ? .existing(run) : .started(run)) }
                    logger.info(
                        "shadow run completed",
                        metadata: ["run": "\(run.runId)", "standard": "\(run.standard.id)", "households": "\(run.households)",
                                   "moved": "\(run.totals?.moved ?? 0)"])
                } catch {
                    logger.error("shadow run failed", metadata: ["standard": "\(standard.id)", "error": "\(error)"])
                    current.withLock {
                        $0?.status = .failed
                        $0?.error = "\(error)"
                    }
                    once.resume(throwing: error)
                }
            }
            thread.name = "shadow-run"
            thread.start()
        }
    }

    /// Runs `standardId` to the end on the calling thread (tests, benchmarks): the stored run.
    public func runNow(standardId: String) throws -> ShadowRun {
        try execute(try candidate(standardId)) { _, _ in }
    }

    /// The run itself. `identified` is called once the run id is known: with the stored run and `true` when it was
    /// run before (nothing more is done), else with the new run and `false` before the households are evaluated.
    func execute(_ standard: PovertyStandard, identified: (ShadowRun, Bool) -> Void) throws -> ShadowRun {
        var tally = ShadowTally()
        let evaluation = Evaluation(standard: standard, catalogue: catalogue, place: place)
        let begun: Result<ShadowRun, ShadowRunDone> = try store.pool.read { db in
            let (households, digest) = try ShadowRunStore.digest(in: db)
            let runId = ShadowRunStore.runId(standard: standard, catalogueRevision: catalogue.revision, households: households, digest: digest)
            if let stored = try ShadowRunStore.run(runId, in: db) { return .failure(ShadowRunDone(run: stored)) }
            let run = ShadowRun(
                runId: runId, status: .running, standard: standard.ref, catalogueRevision: catalogue.revision, households: households,
                evaluated: 0, householdsDigest: digest, startedAt: Timestamp.now())
            current.withLock { $0 = run }
            identified(run, false)
            logger.info("shadow run started", metadata: ["run": "\(runId)", "standard": "\(standard.id)", "households": "\(households)"])
            var evaluated = 0
            try ShadowRunStore.forEachChunk(in: db, chunkSize: chunkSize) { chunk in
                for result in try ParallelWork.map(chunk, workers: workers, evaluation.evaluate) {
                    tally.add(result.shift, officialStandardId: result.officialStandardId, at: result.place)
                }
                evaluated += chunk.count
                current.withLock { [evaluated] in $0?.evaluated = evaluated }
            }
            return .success(run)
        }
        var run: ShadowRun
        switch begun {
        case .failure(let done):
            current.withLock { $0 = nil }
            identified(done.run, true)
            return done.run
        case .success(let started): run = started
        }
        let completion = Date()
        run.status = .completed
        run.completedAt = Timestamp.string(completion)
        run.totals = tally.total.counts
        run.evaluated = run.totals?.households ?? 0
        let finished = run
        let saved = try store.pool.write { db in
            try ShadowRunStore.save(finished, completedAt: completion, in: db) { version in
                tally.diffs(
                    runId: finished.runId, version: version, standard: standard.ref, catalogueRevision: finished.catalogueRevision,
                    completedAt: finished.completedAt!, name: place.name(of:))
            }
        }
        store.outboxChanged()
        current.withLock { $0 = nil }
        return saved
    }
}

/// The run was done before: its stored result (not an error; it leaves the read early).
private struct ShadowRunDone: Error {
    var run: ShadowRun
}

/// One household of a run: official against candidate, and where it counts. Pure, so chunks run in parallel.
private struct Evaluation: Sendable {
    let standard: PovertyStandard
    let catalogue: StandardsCatalogue
    let place: CurrentPlace

    struct Result: Sendable {
        var householdId: String
        var householdVersion: Int64
        var village: String?
        var shift: HouseholdShift
        var officialStandardId: String
        var place: HouseholdPlace
    }

    func evaluate(_ stored: (snapshot: Data, published: Data)) throws -> Result {
        let snapshot = try EventJSON.decode(HouseholdSnapshot.self, from: stored.snapshot)
        let published = try EventJSON.decode(PublishedSummary.self, from: stored.published)
        let threshold = catalogue.standard(id: published.standard.id)?.deprivationThreshold ?? standard.deprivationThreshold
        let official = OfficialResult(
            householdClass: published.householdClass, atOrBelowPovertyLine: published.income.atOrBelowPovertyLine,
            deprivedIndicatorIds: Set(published.indicators.filter(\.deprived).map(\.id)),
            deprivedEnoughToBePoor: published.deprivationCount >= threshold, standardId: published.standard.id)
        let outcome = Classifier.classify(snapshot, under: standard)
        return Result(
            householdId: snapshot.householdId, householdVersion: snapshot.version, village: snapshot.area.village,
            shift: ShadowComparison.compare(official: official, candidate: outcome, candidateThreshold: standard.deprivationThreshold),
            officialStandardId: published.standard.id, place: place.place(of: snapshot.area, surveyDate: snapshot.surveyDate))
    }
}

/// The fields of a stored classification that a comparison reads.
private struct PublishedSummary: Decodable {
    struct Income: Decodable { var atOrBelowPovertyLine: Bool }
    struct Indicator: Decodable {
        var id: String
        var deprived: Bool
    }
    struct Standard: Decodable { var id: String }

    var householdClass: HouseholdClass
    var income: Income
    var indicators: [Indicator]
    var deprivationCount: Int
    var standard: Standard
}

/// Resumes a continuation at most once (the first outcome wins).
private final class Once<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }

    func resume(returning value: T) { continuation.withLock { $0.take() }?.resume(returning: value) }
    func resume(throwing error: any Error) { continuation.withLock { $0.take() }?.resume(throwing: error) }
}
