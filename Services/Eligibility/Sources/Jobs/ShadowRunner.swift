import EventContracts
import EventStore
import Foundation
import GRDB
import Logging
import ServiceRuntime
import Synchronization

/// Evaluates a candidate standard over every stored household beside its official classification, changing
/// nothing official, and stores and publishes the diff per commune and province.
///
/// A run is two passes over the households, each made of parts (``ShadowPart``): with several eligibility instances,
/// one part per instance, over the partitions it holds (``PartitionGather``); alone, the whole store. The first pass
/// fingerprints the households: the run id comes from the candidate standard, the catalogue revision and that
/// fingerprint, so the same request over the same data gives the same run, which is then not run again. The second,
/// in the background, evaluates them: each part reads its households in one read transaction (a consistent snapshot;
/// the consumer keeps writing meanwhile), a chunk at a time, decoding and classifying each chunk on all cores, and
/// the tallies of the parts are added up. The run records the households the second pass counted. One run at a time
/// per process; runs are kept in memory only until they are stored, so one interrupted by a crash leaves nothing and
/// is simply requested again.
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

    /// Every partition's part of a pass: this instance's and the other instances', or the whole store's.
    public typealias Parts = @Sendable (ShadowPartRequest) async throws -> [ShadowPart]

    /// The parts of a pass when this instance is alone: one, the whole store.
    public var wholeStore: Parts { { [self] asked in [try await partOffThread(asked, scope: .all)] } }

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

    /// This store's part of a pass over the households in `scope`; `progress` hears how many a tally has evaluated.
    public func part(_ asked: ShadowPartRequest, scope: HouseholdScope, progress: ((Int) -> Void)? = nil) throws -> ShadowPart {
        let standard: PovertyStandard
        switch asked.want {
        case .fingerprint, .tally: standard = try candidate(asked.standardId)
        case .moved:
            guard let known = catalogue.standard(id: asked.standardId) else {
                throw ShadowListRefusal.changed("the catalogue no longer has \(asked.standardId); start a new run")
            }
            standard = known
        }
        let evaluation = Evaluation(standard: standard, catalogue: catalogue, place: place)
        return try store.pool.read { db in
            let (households, sum) = try ShadowRunStore.digest(of: scope, in: db)
            var part = ShadowPart(households: households, digest: ShadowRunStore.digestText(sum))
            switch asked.want {
            case .fingerprint:
                break
            case .tally:
                var tally = ShadowTally()
                var evaluated = 0
                try ShadowRunStore.forEachChunk(of: scope, in: db, chunkSize: chunkSize) { chunk in
                    for result in try ParallelWork.map(chunk, workers: workers, evaluation.evaluate) {
                        tally.add(result.shift, officialStandardId: result.officialStandardId, at: result.place)
                    }
                    evaluated += chunk.count
                    progress?(evaluated)
                }
                part.tally = tally
            case .moved:
                let areaCode = asked.areaCode ?? ""
                var moved: [ShadowAreaHouseholds.Row] = []
                try ShadowRunStore.forEachChunk(of: scope, in: db, chunkSize: chunkSize) { chunk in
                    for result in try ParallelWork.map(chunk, workers: workers, evaluation.evaluate)
                    where result.place.communeAreaCode == areaCode && result.shift.moved {
                        moved.append(
                            .init(
                                householdId: result.householdId, householdVersion: result.householdVersion, village: result.village,
                                officialClass: result.shift.from, candidateClass: result.shift.to, cause: result.shift.cause,
                                newlyDeprived: result.shift.newlyDeprived, noLongerDeprived: result.shift.noLongerDeprived))
                    }
                }
                part.moved = moved
            }
            return part
        }
    }

    /// This store's part on a thread of its own (a pass is long and uses every core), the run under way here hearing
    /// its progress.
    public func partOffThread(_ asked: ShadowPartRequest, scope: HouseholdScope) async throws -> ShadowPart {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(
                    with: Result {
                        try part(asked, scope: scope) { evaluated in
                            self.current.withLock { if $0?.status == .running, $0?.standard.id == asked.standardId { $0?.evaluated = evaluated } }
                        }
                    })
            }
            thread.name = "shadow-part"
            thread.start()
        }
    }

    /// The households of commune `areaCode` (as placed today) whose class the completed run `run` would change,
    /// each with what moves it, from the same households the run counted.
    /// Throws ``ShadowListRefusal``, or the gather's refusal when a part cannot be had now.
    public func movedHouseholds(of run: ShadowRun, in areaCode: String, parts: Parts) async throws -> ShadowAreaHouseholds {
        let answers: [ShadowPart]
        do {
            answers = try await parts(ShadowPartRequest(standardId: run.standard.id, want: .moved, areaCode: areaCode))
        } catch let refusal as ShadowListRefusal {
            throw refusal
        } catch let refusal as PartitionGather.Refusal {
            throw refusal
        } catch {
            throw ShadowListRefusal.failed("\(error)")
        }
        let (households, sum) = Self.addUp(answers)
        guard households == run.households, ShadowRunStore.digestText(sum) == run.householdsDigest else {
            throw ShadowListRefusal.changed(
                "the stored households changed since run \(run.runId) counted them (\(run.households) then, \(households) now); "
                    + "start a new run (POST /v1/shadow-runs) for the current list")
        }
        return ShadowAreaHouseholds(
            runId: run.runId, standard: run.standard, areaCode: areaCode, areaName: place.name(of: areaCode),
            households: answers.flatMap { $0.moved ?? [] }.sorted { $0.householdId < $1.householdId })
    }

    /// The households and fingerprint of several parts together.
    public static func addUp(_ parts: [ShadowPart]) -> (households: Int, sum: UInt64) {
        parts.reduce(into: (0, UInt64(0))) { total, part in
            total.0 += part.households
            total.1 &+= UInt64(part.digest, radix: 16) ?? 0
        }
    }

    /// The run under way, once its id is known.
    public var underWay: ShadowRun? { current.withLock { $0.flatMap { $0.status == .running && !$0.runId.isEmpty ? $0 : nil } } }

    /// The run under way, or the last failed one, if it is `runId`.
    public func inMemory(_ runId: String) -> ShadowRun? { current.withLock { $0?.runId == runId ? $0 : nil } }

    /// Fingerprints the households (every part), and starts the run in the background unless it was run before.
    /// - Parameter elsewhere: a run stored by another instance, by id (the run stored where it was started).
    public func start(
        standardId: String, parts: @escaping Parts, elsewhere: @Sendable (String) async -> ShadowRun? = { _ in nil }
    ) async throws -> Start {
        let standard = try candidate(standardId)
        let claimed = current.withLock { state -> ShadowRun? in
            if let state, state.status == .running { return state }
            state = ShadowRun(
                runId: "", status: .running, standard: standard.ref, catalogueRevision: catalogue.revision, households: 0, evaluated: 0,
                householdsDigest: "", startedAt: Timestamp.now())
            return nil
        }
        if let claimed { return .busy(claimed) }
        let run: ShadowRun
        do {
            let (households, sum) = Self.addUp(try await parts(ShadowPartRequest(standardId: standardId, want: .fingerprint)))
            let digest = ShadowRunStore.digestText(sum)
            let runId = ShadowRunStore.runId(standard: standard, catalogueRevision: catalogue.revision, households: households, digest: digest)
            if let stored = try await store.pool.read({ db in try ShadowRunStore.run(runId, in: db) }), stored.status == .completed {
                current.withLock { $0 = nil }
                return .existing(stored)
            }
            if let stored = await elsewhere(runId), stored.status == .completed {
                current.withLock { $0 = nil }
                return .existing(stored)
            }
            run = ShadowRun(
                runId: runId, status: .running, standard: standard.ref, catalogueRevision: catalogue.revision, households: households,
                evaluated: 0, householdsDigest: digest, startedAt: Timestamp.now())
            current.withLock { $0 = run }
        } catch {
            current.withLock { $0 = nil }
            throw error
        }
        logger.info("shadow run started", metadata: ["run": "\(run.runId)", "standard": "\(standard.id)", "households": "\(run.households)"])
        Task.detached { [self] in
            do {
                let tallies = try await parts(ShadowPartRequest(standardId: standardId, want: .tally))
                let done = try finish(run, standard: standard, parts: tallies)
                logger.info(
                    "shadow run completed",
                    metadata: ["run": "\(done.runId)", "standard": "\(done.standard.id)", "households": "\(done.households)",
                               "moved": "\(done.totals?.moved ?? 0)"])
            } catch {
                let why = (error as? PartitionGather.Refusal).map { _ in "an instance could not give its part of the households; start the run again" } ?? "\(error)"
                logger.error("shadow run failed", metadata: ["run": "\(run.runId)", "standard": "\(standard.id)", "error": "\(why)"])
                current.withLock {
                    $0?.status = .failed
                    $0?.error = why
                }
            }
        }
        return .started(run)
    }

    /// Runs `standardId` to the end over the whole store on the calling thread (tests, benchmarks): the stored run.
    public func runNow(standardId: String) throws -> ShadowRun {
        let standard = try candidate(standardId)
        let fingerprint = try part(ShadowPartRequest(standardId: standardId, want: .fingerprint), scope: .all)
        let runId = ShadowRunStore.runId(
            standard: standard, catalogueRevision: catalogue.revision, households: fingerprint.households, digest: fingerprint.digest)
        if let stored = try store.pool.read({ db in try ShadowRunStore.run(runId, in: db) }) { return stored }
        let run = ShadowRun(
            runId: runId, status: .running, standard: standard.ref, catalogueRevision: catalogue.revision, households: fingerprint.households,
            evaluated: 0, householdsDigest: fingerprint.digest, startedAt: Timestamp.now())
        return try finish(run, standard: standard, parts: [try part(ShadowPartRequest(standardId: standardId, want: .tally), scope: .all)])
    }

    /// Adds up the parts' tallies, and stores and publishes the run with the households they counted.
    func finish(_ started: ShadowRun, standard: PovertyStandard, parts: [ShadowPart]) throws -> ShadowRun {
        var tally = ShadowTally()
        for part in parts { tally.merge(part.tally ?? ShadowTally()) }
        let (households, sum) = Self.addUp(parts)
        let completion = Date()
        var run = started
        run.households = households
        run.householdsDigest = ShadowRunStore.digestText(sum)
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

/// What one instance is asked of its households in a shadow run's pass.
public struct ShadowPartRequest: Codable, Sendable {
    public enum Want: String, Codable, Sendable {
        /// How many households and their fingerprint (the run id's).
        case fingerprint
        /// Those, and the tally of the candidate standard against the official classes.
        case tally
        /// Those, and the households of commune `areaCode` the candidate would move.
        case moved
    }

    public var standardId: String
    public var want: Want
    public var areaCode: String?

    public init(standardId: String, want: Want, areaCode: String? = nil) {
        self.standardId = standardId
        self.want = want
        self.areaCode = areaCode
    }
}

/// One instance's part of a pass: its households, their fingerprint sum (hexadecimal) and what was asked.
public struct ShadowPart: Codable, Sendable {
    public var households: Int
    public var digest: String
    public var tally: ShadowTally?
    public var moved: [ShadowAreaHouseholds.Row]?
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
