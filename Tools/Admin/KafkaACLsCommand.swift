import ArgumentParser
import EventContracts

/// `giamngheo-admin kafka-acls`: the broker grants the topology needs, per service and agency principal.
struct KafkaACLsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-acls",
        abstract: "Print the Kafka ACLs each service and agency principal needs, derived from the topology table.")

    @Option(name: .customLong("principal"), help: "A party's principal, e.g. 'VBSP offices=User:vbsp-19' (repeatable).")
    var principals: [String] = []

    @Flag(help: "Leave out the services' right to create the giamngheo. topics (when operators create them).")
    var noCreateTopics = false

    enum Format: String, ExpressibleByArgument { case table, kafkaACLs = "kafka-acls" }
    @Option(help: "table (one grant per line) or kafka-acls (arguments of kafka-acls.sh, one grant per line).")
    var format: Format = .table

    func run() throws {
        var given: [String: String] = [:]
        for entry in principals {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("User:") else {
                throw ValidationError("--principal '\(entry)': expected '<party>=User:<name>'")
            }
            given[parts[0]] = parts[1]
        }
        for acl in KafkaACLs.matrix(principals: given, servicesCreateTopics: !noCreateTopics) {
            switch format {
            case .table: print("\(acl.principal)\t\(acl.operation.rawValue)\t\(acl.resource.rawValue)\t\(acl.name)\t\(acl.pattern.rawValue)")
            case .kafkaACLs: print(acl.kafkaACLsArguments)
            }
        }
    }
}
