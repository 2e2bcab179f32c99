import ArgumentParser
import Areas
import EmploymentCentre
import EventContracts
import EventStore
import Foundation
import Intake
import Kafka
import Synchronization

/// `giamngheo-admin employment-centre`: plays the employment service centres against the topics, as they would. It
/// publishes a month's catalogue (``CentreCatalogue``) on `giamngheo.employment.course.v1` and `.vacancy.v1`, reads
/// training-match's offers on `giamngheo.training-offer.v1` and reports what becomes of each (``CentrePlan``) on
/// `giamngheo.employment.placement-event.v1`, then reads training-match's answers. Replaying it sends the same records
/// with the same ids, which change nothing.
struct EmploymentCentreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "employment-centre",
        abstract: "Play the employment centres: publish courses and vacancies, and offer, enrol, certify and place the matched members.")

    @OptionGroup var kafka: KafkaOptions
    @Flag(help: "Publish this month's catalogue (courses and vacancies) for the provinces.") var catalogue = false
    @Flag(help: "Report outcomes for the offers on giamngheo.training-offer.v1 as they stand, then stop.") var outcomes = false
    @Flag(help: "Keep reading offers and reporting their outcomes until stopped (after publishing the catalogue with --catalogue).")
    var follow = false
    @Option(help: "Provinces of the catalogue, comma-separated (default: the demo's seed provinces, in the demo's communes).")
    var provinces: String?
    @Option(help: "Share of proposals taken up; the rest are declined.") var accept = 0.75
    @Option(help: "Share of enrolled trainees who complete their course.") var complete = 0.85
    @Option(help: "Share hired for a vacancy (or departed abroad), and of course graduates who find a job.") var place = 0.6
    @Option(help: "Seed of the catalogue and of the outcomes.") var seed: UInt64 = 1
    @Option(help: "The centres' today (YYYY-MM-DD, default: today in Vietnam); nothing later is sent. A later day plays ahead.")
    var today: String?
    @Option(help: "ce_source of every record (default: /employment-centre/<province> of the entry or household; it must start with training-match's EMPLOYMENT_SOURCE_PREFIX).")
    var source: String?
    @Option(help: "Seconds to wait for every answer (without --follow).") var timeout = 120
    @Option(help: "A JSON file of paths set by hand: {\"<householdId>/<memberId>/<entryId>\": {\"accept\": true, \"complete\": true, \"place\": false}}; only the offers it names are played.")
    var script: String?

    func validate() throws {
        guard catalogue || outcomes || follow else { throw ValidationError("nothing to do: give --catalogue, --outcomes or --follow") }
        if let today, CalendarDate(today) == nil { throw ValidationError("--today: '\(today)' is not a date (YYYY-MM-DD)") }
    }

    /// The centres' day: `--today`, else today in Vietnam (read again as the days pass, with --follow).
    var day: CalendarDate { today.flatMap { CalendarDate($0) } ?? CalendarDate(Date()) }

    func run() async throws {
        // The areas training-match validates the catalogue against: AREAS_DIR when set, else the shipped ones.
        let areas = try AreaRegistry.configured().registry
        let centre = Centre(
            policy: CentrePolicy(
                seed: seed, acceptShare: accept, completeShare: complete, placeShare: place,
                scripts: try script.map { try JSONDecoder().decode([String: CentreScript].self, from: Data(contentsOf: URL(fileURLWithPath: $0))) } ?? [:]),
            source: source)
        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        let answers = CentreAnswers()
        let answerFollower = TopicFollower(
            config: kafka.config, topics: [Topics.catalogueOutcome.name, Topics.placementOutcome.name], logger: logger
        ) { message in
            guard let value = message.value else { return }
            if message.topic == Topics.catalogueOutcome.name, let outcome = try? EventJSON.decode(CatalogueOutcome.self, from: value) {
                answers.record(
                    source: outcome.eventSource, id: outcome.eventId, accepted: outcome.status == .accepted,
                    standing: outcome.standing?.rawValue, error: outcome.errors.first)
            } else if let outcome = try? EventJSON.decode(PlacementOutcome.self, from: value) {
                answers.record(
                    source: outcome.eventSource, id: outcome.eventId, accepted: outcome.status == .accepted,
                    standing: outcome.standing?.rawValue, error: outcome.errors.first)
            }
        }
        defer { answerFollower.stop() }

        if catalogue {
            let made = CentreCatalogue.make(
                provinces: try catalogueProvinces(areas), today: day.description, seed: seed, names: areaNames(areas))
            try send(try centre.catalogueMessages(made, today: day), kind: .catalogue, with: producer, answers: answers)
            if !follow {
                try await answers.waitForAll(timeout: timeout)
                print(answers.summary(.catalogue))
            }
        }
        if follow {
            try await keepFollowing(centre, producer: producer, answers: answers, answerFollower: answerFollower)
        } else if outcomes {
            // Each household's latest offers so far, and the catalogue as it stands, then every plan in one batch.
            let state = CentreState()
            try TopicScan.readToEnd([Topics.course.name, Topics.vacancy.name, Topics.trainingOffer.name], config: kafka.config, logger: logger) {
                state.read($0)
            }
            let (sets, entries) = state.takeDirty(all: true)
            try send(
                sets.flatMap { centre.messages(for: $0, today: day, catalogue: entries) }, kind: .placement, with: producer, answers: answers)
            try await answers.waitForAll(timeout: timeout)
            print(answers.summary(.placement))
        }
    }

    /// Reads the catalogue and the offers from their beginning and keeps reading; once a second, plays the households
    /// whose offers changed (a household's sets in quick succession are played once, at the latest), and every
    /// household again when the catalogue changed or the day turned.
    func keepFollowing(_ centre: Centre, producer: KafkaProducer, answers: CentreAnswers, answerFollower: TopicFollower) async throws {
        let state = CentreState()
        let follower = TopicFollower(
            config: kafka.config, topics: [Topics.course.name, Topics.vacancy.name, Topics.trainingOffer.name], logger: logger
        ) { state.read($0) }
        defer { follower.stop() }
        var lastDay = day
        say("following \(Topics.trainingOffer.name) (today \(lastDay))")
        while true {
            try await Task.sleep(for: .seconds(1))
            if let error = follower.error ?? answerFollower.error { throw error }
            let today = day
            let (sets, entries) = state.takeDirty(all: today != lastDay)
            lastDay = today
            let messages = sets.flatMap { centre.messages(for: $0, today: today, catalogue: entries) }
            guard !messages.isEmpty else { continue }
            try send(messages, kind: .placement, with: producer, answers: answers)
            say("sent \(messages.count) placement events; \(answers.counts())")
        }
    }

    /// A line on standard output at once (not buffered: the log of a running follower is read as it grows).
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// The catalogue's provinces, each with the communes where the demo's households live: the demo's seed provinces by
    /// default; for `--provinces`, the first communes of each (as the demo picks them).
    func catalogueProvinces(_ areas: AreaRegistry) throws -> [(provinceCode: String, communeCodes: [String])] {
        let demo = DemoHouseholds.demoCommunes(areas)
        let codes: [String] =
            provinces?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            ?? demo.map(\.provinceCode).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        return try codes.map { code in
            guard areas.provinceNames[code] != nil, !areas.communes(on: day.description, province: code).isEmpty else {
                throw ValidationError(
                    "--provinces: '\(code)' is not a province with communes in force on \(day) in the area data (AREAS_DIR, from giamngheo-admin areas import, holds the whole country)")
            }
            let demoCommunes = demo.filter { $0.provinceCode == code }.map(\.code)
            return (code, demoCommunes.isEmpty ? areas.communes(on: day.description, province: code).prefix(3).map(\.code) : demoCommunes)
        }
    }

    /// Province and commune names by code, for the providers' names.
    func areaNames(_ areas: AreaRegistry) -> [String: String] {
        var names = areas.provinceNames
        for commune in areas.communes(on: day.description) { names[commune.code] = commune.name }
        return names
    }

    func send(_ messages: [KafkaProducerMessage], kind: CentreAnswers.Kind, with producer: KafkaProducer, answers: CentreAnswers) throws {
        guard !messages.isEmpty else { return }
        let failed = try producer.send(messages).compactMap(\.error)
        if let error = failed.first { throw ValidationError("\(failed.count) \(kind.rawValue) records were not delivered: \(error)") }
        answers.expect(
            kind,
            messages.compactMap { message in
                let header = { (name: String) in message.headers.first { $0.key == name }?.stringValue }
                return header("ce_source").flatMap { source in header("ce_id").map { CentreAnswers.key(source, $0) } }
            })
    }
}

/// The simulated centres: their policy and the records they have sent in this run.
final class Centre: @unchecked Sendable {
    // @unchecked: used from the command's one task only.
    let policy: CentrePolicy
    let source: String?
    private var sent: Set<String> = []

    init(policy: CentrePolicy, source: String?) {
        self.policy = policy
        self.source = source
    }

    func source(province: String?) -> String { source ?? "/employment-centre/\(province.flatMap { $0.isEmpty ? nil : $0 } ?? "simulated")" }

    /// The catalogue's courses and vacancies, keyed by their ids, each from its province's centre (`ce_id`
    /// `<entryId>/v<version>`, `ce_time` the first of the month of the edition).
    func catalogueMessages(_ catalogue: (courses: [Course], vacancies: [Vacancy]), today: CalendarDate) throws -> [KafkaProducerMessage] {
        var month = today
        month.day = 1
        func message<Entry: Encodable>(_ entry: Entry, id: String, version: Int, province: String?, topic: TopicDefinition, type: String) throws
            -> KafkaProducerMessage
        {
            let attributes = CloudEventAttributes(
                id: "\(id)/v\(version)", source: source(province: province ?? CentreCatalogue.centreProvince(ofEntry: id)), type: type,
                time: "\(month)T08:00:00.000+07:00", subject: id, dataclassification: "none")
            return KafkaProducerMessage(
                topic: topic.name, key: Array(id.utf8), value: try EventJSON.encode(entry),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        return try catalogue.courses.map {
            try message($0, id: $0.courseId, version: $0.version, province: $0.place.provinceCode, topic: Topics.course, type: EventTypes.course)
        }
            + catalogue.vacancies.map {
                try message($0, id: $0.vacancyId, version: $0.version, province: $0.place.provinceCode, topic: Topics.vacancy, type: EventTypes.vacancy)
            }
    }

    /// The household's planned placement events not sent yet in this run, keyed by the household id, from the centre of
    /// the household's province.
    func messages(for set: TrainingOfferSet, today: CalendarDate, catalogue: CentreEntries) -> [KafkaProducerMessage] {
        let source = source(province: set.provinceCode)
        return CentrePlan.steps(for: set, policy: policy, today: today.description, catalogue: catalogue)
            .filter { sent.insert("\(source)|\($0.id)").inserted }
            .compactMap { planned in
                let attributes = CloudEventAttributes(
                    id: planned.id, source: source, type: EventTypes.placementEvent, time: "\(planned.event.occurredOn)T09:00:00.000+07:00",
                    subject: set.householdId, dataclassification: "personal")
                guard let value = try? EventJSON.encode(planned.event) else { return nil }
                return KafkaProducerMessage(
                    topic: Topics.placementEvent.name, key: Array(set.householdId.utf8), value: value,
                    headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
            }
    }
}

/// What the centres read: the catalogue (latest version of each entry, withdrawn ones removed) and each household's
/// latest offers, with the households whose offers changed since they were last taken.
final class CentreState: Sendable {
    private struct State {
        var courses: [String: Course] = [:]
        var vacancies: [String: Vacancy] = [:]
        var sets: [String: TrainingOfferSet] = [:]
        var dirty: Set<String> = []
        var catalogueChanged = false
    }
    private let state = Mutex(State())

    func read(_ message: KafkaConsumerMessage) {
        let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? ""
        state.withLock { state in
            switch message.topic {
            case Topics.course.name:
                if let value = message.value {
                    guard let course = try? EventJSON.decode(Course.self, from: value), course.version >= state.courses[course.courseId]?.version ?? 0
                    else { return }
                    state.courses[course.courseId] = course
                } else {
                    state.courses[key] = nil
                }
                state.catalogueChanged = true
            case Topics.vacancy.name:
                if let value = message.value {
                    guard let vacancy = try? EventJSON.decode(Vacancy.self, from: value),
                        vacancy.version >= state.vacancies[vacancy.vacancyId]?.version ?? 0
                    else { return }
                    state.vacancies[vacancy.vacancyId] = vacancy
                } else {
                    state.vacancies[key] = nil
                }
                state.catalogueChanged = true
            default:
                guard let value = message.value, let set = try? EventJSON.decode(TrainingOfferSet.self, from: value),
                    set.version > state.sets[set.householdId]?.version ?? 0
                else { return }
                state.sets[set.householdId] = set
                state.dirty.insert(set.householdId)
            }
        }
    }

    /// The households whose offers changed since the last call (every household when `all`, or when the catalogue
    /// changed), in id order, and the catalogue.
    func takeDirty(all: Bool) -> ([TrainingOfferSet], CentreEntries) {
        state.withLock { state in
            let ids = all || state.catalogueChanged ? Array(state.sets.keys) : Array(state.dirty)
            (state.dirty, state.catalogueChanged) = ([], false)
            return (ids.sorted().compactMap { state.sets[$0] }, CentreEntries(courses: Array(state.courses.values), vacancies: Array(state.vacancies.values)))
        }
    }
}

/// training-match's answers to the catalogue records and placement events sent, by standing or refusal.
final class CentreAnswers: Sendable {
    enum Kind: String, Sendable { case catalogue, placement }
    struct Answer: Sendable {
        var accepted: Bool
        var standing: String?
        var error: FieldError?
    }
    private struct State {
        var expected: [Kind: Set<String>] = [:]
        var answers: [String: Answer] = [:]
    }
    private let state = Mutex(State())

    static func key(_ source: String, _ id: String) -> String { "\(source)|\(id)" }

    func expect(_ kind: Kind, _ keys: [String]) { state.withLock { $0.expected[kind, default: []].formUnion(keys) } }

    func record(source: String, id: String, accepted: Bool, standing: String?, error: FieldError?) {
        state.withLock { $0.answers[Self.key(source, id)] = Answer(accepted: accepted, standing: standing, error: error) }
    }

    var unanswered: Int {
        state.withLock { state in state.expected.values.reduce(0) { $0 + $1.filter { state.answers[$0] == nil }.count } }
    }

    /// Waits until every record sent has its answer, checking every 100 ms.
    func waitForAll(timeout: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while unanswered > 0 {
            guard ContinuousClock.now < deadline else { throw ValidationError("\(unanswered) records unanswered after \(timeout) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// One line: records sent and answered of each kind, accepted by standing, refused.
    func counts() -> String {
        state.withLock { state in
            Kind.allCases.compactMap { kind -> String? in
                guard let expected = state.expected[kind], !expected.isEmpty else { return nil }
                let (stages, refused, answered) = Self.tally(expected, state.answers)
                return "\(kind.rawValue): \(expected.count) sent, \(answered) answered, accepted \(Self.describe(stages)), refused \(refused.count)"
            }.joined(separator: "; ")
        }
    }

    /// Answers so far of one kind, with the first few refusals (field and reason; no personal data).
    func summary(_ kind: Kind) -> String {
        state.withLock { state in
            let expected = state.expected[kind] ?? []
            let (stages, refused, answered) = Self.tally(expected, state.answers)
            return "\(expected.count) \(kind.rawValue) records sent, \(answered) answered: accepted \(answered - refused.count) (\(Self.describe(stages))), "
                + "refused \(refused.count)" + refused.sorted().prefix(5).map { "\n  refused \($0)" }.joined()
        }
    }

    private static func tally(_ expected: Set<String>, _ answers: [String: Answer]) -> ([String: Int], [String], Int) {
        var stages: [String: Int] = [:]
        var refused: [String] = []
        var answered = 0
        for key in expected {
            guard let answer = answers[key] else { continue }
            answered += 1
            if answer.accepted { stages[answer.standing ?? "-", default: 0] += 1 } else {
                let id = key.split(separator: "|", maxSplits: 1).last.map(String.init) ?? key
                refused.append("\(id): \(answer.error.map { "\($0.field): \($0.reason)" } ?? "")")
            }
        }
        return (stages, refused, answered)
    }

    private static func describe(_ stages: [String: Int]) -> String { stages.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") }
}

extension CentreAnswers.Kind: CaseIterable {}
