import Access
import ArgumentParser
import Areas
import EventContracts
import Foundation
import Intake
import Kafka
import Logging
import ServiceRuntime

/// `giamngheo-admin`: operator and developer tasks — create topics, load demo data, measure.
@main
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "giamngheo-admin",
        abstract: "Operator tools for GiamNgheo.",
        subcommands: [
            CreateTopics.self, LoadDemo.self, ImportCSV.self, CSVTemplate.self, BrokerBench.self, SystemBench.self, ImportBench.self,
            CodecBench.self, StoreBench.self, ReclassifyBench.self, CountRecords.self, AreasCommand.self,
            VBSPOffice.self, MatchBench.self,
            EmploymentCentreCommand.self, KafkaACLsCommand.self, TokenCommand.self, OffsetsCommand.self,
        ])
}

struct KafkaOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (env KAFKA_BROKERS).")
    var kafkaBrokers: String?

    @Option(help: "Partitions per topic (env TOPIC_PARTITIONS).")
    var partitions: Int?

    /// The broker and any `KAFKA_PROPERTY_*` settings (security included), as the services read them.
    var config: KafkaConfig {
        let environment = ProcessInfo.processInfo.environment
        return KafkaConfig(RuntimeConfig.kafkaProperties(from: environment)).merging([
            "bootstrap.servers": kafkaBrokers ?? environment["KAFKA_BROKERS"] ?? "127.0.0.1:9092",
            "allow.auto.create.topics": "false",
        ])
    }

    var partitionCount: Int { partitions ?? ProcessInfo.processInfo.environment["TOPIC_PARTITIONS"].flatMap { Int($0) } ?? 6 }
}

let logger: Logger = {
    var logger = Logger(label: "giamngheo.admin")
    logger.logLevel = .warning
    return logger
}()

struct CreateTopics: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "topics", abstract: "Create the system's topics (existing ones are kept).")
    @OptionGroup var kafka: KafkaOptions

    func run() throws {
        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        for (name, partitions) in try TopologySetup.ensure(with: producer, partitions: kafka.partitionCount).sorted(by: { $0.key < $1.key }) {
            print("\(name)\t\(partitions) partitions")
        }
    }
}

struct LoadDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Post demo households (a few communes per seed province) to intake.")
    @Option(help: "Intake's base URL.") var intake = "http://127.0.0.1:8081"
    @Option(help: "Households to post.") var households = 300
    @Option(help: "Seed of the generator.") var seed: UInt64 = 1
    @Option(help: "Communes per seed province.") var communesPerProvince = 3
    @Option(help: "Write the households as one JSON batch to this file instead of posting them.") var write: String?
    @Option(help: "Write the households as a household CSV (docs/intake/csv-import.md) to this file instead of posting them.") var csv: String?
    @Option(help: "Date of each commune's recognition decision for the demo's review round (YYYY-MM-DD), or 'none' to leave the households proposed.")
    var recogniseOn = "2025-11-25"
    @OptionGroup var auth: AdminAuth

    func run() async throws {
        let communes = DemoHouseholds.demoCommunes(try AreaRegistry.bundled(), perProvince: communesPerProvince)
        if let csv {
            try writeDemoCSV(to: csv, households: households, seed: seed, firstSerial: 0, communes: communes)
            print("wrote \(households) households to \(csv)")
            return
        }
        var generator = DemoHouseholds(seed: seed, communes: communes)
        if let write {
            let batch = (0..<households).map { generator.next(serial: $0) }
            try Data(EventJSON.encode(batch)).write(to: URL(fileURLWithPath: write))
            print("wrote \(households) households to \(write)")
            return
        }
        // The demo acts as the province officers and the commune chairmen of its communes.
        let client = JSONHTTPClient(
            baseURL: intake,
            token: try auth.bearer(
                roles: [.provinceOfficer, .chairman], communes: communes.map(\.code), provinces: Array(Set(communes.map(\.provinceCode))).sorted()))
        var accepted = 0
        var rounds: [String: Set<String>] = [:]
        for start in stride(from: 0, to: households, by: 200) {
            let batch = (start..<min(start + 200, households)).map { generator.next(serial: $0) }
            let reply = try await client.post("/v1/household-batches", json: batch)
            guard reply.status == 200 else { throw ValidationError("intake answered \(reply.status): \(reply.text)") }
            accepted += batch.count
            for survey in batch { rounds[survey.roundId ?? "\(survey.surveyDate.prefix(4))-periodic", default: []].insert(survey.communeCode) }
        }
        print("posted \(accepted) households in \(communes.count) communes: \(communes.map(\.code).joined(separator: " "))")
        guard recogniseOn != "none" else { return }
        // The commune chairmen recognise the lists, so that the recognised households are referred to the bank.
        var decisions = 0
        for (round, communes) in rounds.sorted(by: { $0.key < $1.key }) {
            for commune in communes.sorted() {
                decisions += 1
                let reply = try await client.post(
                    "/v1/review-rounds/\(round)/communes/\(commune)/recognition",
                    json: RecognitionRequest(decisionNumber: "\(decisions)/QĐ-UBND", decisionDate: recogniseOn))
                guard [200, 201].contains(reply.status) else {
                    throw ValidationError("recognition of \(round) in \(commune) answered \(reply.status): \(reply.text)")
                }
            }
        }
        print("recognised \(decisions) communes' lists on \(recogniseOn)")
    }
}

struct CountRecords: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "count", abstract: "Records held by each of the system's topics.")
    @OptionGroup var kafka: KafkaOptions

    func run() throws {
        let producer = try KafkaProducer(config: kafka.config, logger: logger)
        for topic in Topics.all { print("\(topic.name)\t\(try producer.recordCount(topic: topic.name))") }
    }
}
