import ArgumentParser
import Areas
import BankOffice
import EventContracts
import Foundation
import EventStore
import Kafka
import Synchronization

/// `giamngheo-admin vbsp-office`: plays a VBSP transaction office against the topics, as the bank would: it reads the
/// referrals on `giamngheo.loan-referral.v1` and sends each referred household's loan events (``BankOfficePlan``) on
/// `giamngheo.vbsp.loan-event.v1`, then reads loan-referral's answers. Replaying it sends the same events with the same
/// ids, which change nothing.
struct VBSPOffice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vbsp-office",
        abstract: "Play a VBSP office: approve, reject, disburse and collect the referred households' loans on the topics.")

    @OptionGroup var kafka: KafkaOptions
    @Option(help: "Share of requests approved.") var approve = 0.8
    @Option(help: "Share of approved loans disbursed.") var disburse = 0.95
    @Option(help: "Share of disbursed loans that go overdue.") var overdue = 0.1
    @Option(help: "Share of disbursed loans repaid early.") var repay = 0.05
    @Option(help: "Seed of the office's draws.") var seed: UInt64 = 1
    @Option(help: "The office's today (YYYY-MM-DD, default: today in Vietnam); nothing later is sent.") var today: String?
    @Option(help: "JSON file of loans set by hand: {\"<householdId>[/<programmeId>]\": {\"path\": …, \"amountVnd\": …}}.")
    var script: String?
    @Option(help: "The office's ce_source (it must start with loan-referral's VBSP_SOURCE_PREFIX).") var source = "/vbsp/simulated-office"
    @Flag(help: "Keep playing new referrals until stopped, instead of stopping once every referral so far is answered.")
    var follow = false
    @Option(help: "Seconds to wait for every answer (without --follow).") var timeout = 120

    func run() async throws {
        guard let day = CalendarDate(today ?? CalendarDate(Date()).description) else {
            throw ValidationError("--today: '\(today ?? "")' is not a date (YYYY-MM-DD)")
        }
        var policy = BankOfficePolicy(seed: seed, approveShare: approve, disburseShare: disburse, overdueShare: overdue, repaidShare: repay)
        if let script {
            policy.scripts = try JSONDecoder().decode([String: LoanScript].self, from: Data(contentsOf: URL(fileURLWithPath: script)))
        }
        let office = Office(policy: policy, today: day, source: source, areas: try AreaRegistry.bundled())
        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        let outcomes = OutcomeTally()
        let answers = TopicFollower(config: kafka.config, topics: [Topics.loanEventOutcome.name], logger: logger) { message in
            guard let value = message.value, let outcome = try? EventJSON.decode(LoanEventOutcome.self, from: value) else { return }
            outcomes.record(outcome)
        }
        defer { answers.stop() }
        guard follow else {
            // Each household's latest referral set so far, then every plan in one batch.
            var latest: [String: LoanReferralSet] = [:]
            try TopicScan.readToEnd([Topics.loanReferral.name], config: kafka.config, logger: logger) { message in
                guard let value = message.value, let set = try? EventJSON.decode(LoanReferralSet.self, from: value) else { return }
                latest[set.householdId] = set
            }
            try send(try latest.keys.sorted().flatMap { try office.messages(for: latest[$0]!) }, with: producer, outcomes: outcomes)
            try await outcomes.waitForAll(timeout: timeout)
            print(outcomes.summary())
            return
        }
        let (stream, continuation) = AsyncStream.makeStream(of: KafkaConsumerMessage.self)
        let follower = TopicFollower(config: kafka.config, topics: [Topics.loanReferral.name], logger: logger) { continuation.yield($0) }
        defer { follower.stop() }
        for await message in stream {
            guard let value = message.value, let set = try? EventJSON.decode(LoanReferralSet.self, from: value) else { continue }
            try send(try office.messages(for: set), with: producer, outcomes: outcomes)
        }
    }

    func send(_ messages: [KafkaProducerMessage], with producer: KafkaProducer, outcomes: OutcomeTally) throws {
        guard !messages.isEmpty else { return }
        let failed = try producer.send(messages).compactMap(\.error)
        if let error = failed.first { throw ValidationError("\(failed.count) bank events were not delivered: \(error)") }
        outcomes.expect(messages.compactMap { $0.headers.first { $0.key == "ce_id" }?.stringValue })
        if follow { print("sent \(messages.count) bank events; \(outcomes.summary())") }
    }
}

/// The office: its policy, its day, and the events it has sent in this run.
final class Office: @unchecked Sendable {
    // @unchecked: used from the command's one task only.
    let policy: BankOfficePolicy
    let today: CalendarDate
    let source: String
    let areas: AreaRegistry
    private var sent: Set<String> = []

    init(policy: BankOfficePolicy, today: CalendarDate, source: String, areas: AreaRegistry) {
        self.policy = policy
        self.today = today
        self.source = source
        self.areas = areas
    }

    /// The household's planned events not sent yet in this run, as records keyed by the household id.
    func messages(for set: LoanReferralSet) throws -> [KafkaProducerMessage] {
        let commune = set.place?.communeCode ?? set.area.communeCode
        let point = "Điểm giao dịch \(areas.areaName(commune, on: today.description) ?? commune)"
        return try set.referrals.flatMap { referral in
            BankOfficePlan.events(
                for: referral, householdId: set.householdId, communeCode: commune, transactionPoint: point, policy: policy, today: today)
        }
        .filter { sent.insert($0.id).inserted }
        .map { planned in
            let attributes = CloudEventAttributes(
                id: planned.id, source: source, type: EventTypes.bankLoanEvent, time: "\(planned.event.occurredOn)T09:00:00.000+07:00",
                subject: set.householdId)
            return KafkaProducerMessage(
                topic: Topics.loanEvent.name, key: Array(set.householdId.utf8), value: try EventJSON.encode(planned.event),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
    }
}

/// loan-referral's answers to the events sent, by stage or refusal.
final class OutcomeTally: Sendable {
    private struct State {
        var expected: Set<String> = []
        var answers: [String: LoanEventOutcome] = [:]
    }
    private let state = Mutex(State())

    func expect(_ ids: [String]) { state.withLock { $0.expected.formUnion(ids) } }

    func record(_ outcome: LoanEventOutcome) { state.withLock { $0.answers[outcome.eventId] = outcome } }

    var unanswered: Int { state.withLock { state in state.expected.filter { state.answers[$0] == nil }.count } }

    /// Waits until every event sent has its answer, checking every 100 ms.
    func waitForAll(timeout: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while unanswered > 0 {
            guard ContinuousClock.now < deadline else { throw ValidationError("\(unanswered) bank events unanswered after \(timeout) s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Answers so far: accepted by the stage they led to, and refused with their first error.
    func summary() -> String {
        state.withLock { state in
            let mine = state.expected.compactMap { state.answers[$0] }
            var stages: [String: Int] = [:]
            var refused: [String] = []
            for outcome in mine {
                if outcome.status == .accepted { stages[outcome.stage?.rawValue ?? "-", default: 0] += 1 } else {
                    refused.append("\(outcome.eventId): \(outcome.errors.first.map { "\($0.field): \($0.reason)" } ?? "")")
                }
            }
            let accepted = stages.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "\(state.expected.count) bank events sent, \(mine.count) answered: accepted \(mine.count - refused.count) (\(accepted)), "
                + "refused \(refused.count)" + refused.prefix(5).map { "\n  refused \($0)" }.joined()
        }
    }
}
