/// The broker's access-control list for the topology: what each service's principal and each agency's may read and
/// write, derived from ``Topics`` (producers, consumers, HTTP twins, what a service reads back), so that it never drifts
/// from the topics the system has. `giamngheo-admin kafka-acls` prints it; docs/operations.md explains it.
public struct KafkaACL: Sendable, Hashable, Comparable {
    public enum Resource: String, Sendable, Comparable {
        case topic, group
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }
    public enum Pattern: String, Sendable, Comparable {
        case literal, prefixed
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }
    public enum Operation: String, Sendable, Comparable {
        case read = "Read", write = "Write", describe = "Describe", create = "Create"
        public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    public var principal: String
    public var resource: Resource
    public var pattern: Pattern
    public var name: String
    public var operation: Operation

    public init(_ principal: String, _ operation: Operation, _ resource: Resource, _ name: String, _ pattern: Pattern = .literal) {
        (self.principal, self.operation, self.resource, self.name, self.pattern) = (principal, operation, resource, name, pattern)
    }

    public static func < (a: KafkaACL, b: KafkaACL) -> Bool {
        (a.principal, a.resource, a.name, a.pattern, a.operation) < (b.principal, b.resource, b.name, b.pattern, b.operation)
    }

    /// The `kafka-acls.sh` arguments that grant it.
    public var kafkaACLsArguments: String {
        let pattern = pattern == .prefixed ? " --resource-pattern-type prefixed" : ""
        return "--add --allow-principal \(principal) --operation \(operation.rawValue) --\(resource.rawValue) \(name)\(pattern)"
    }
}

public enum KafkaACLs {
    /// The principal of a service (`User:giamngheo-<service>`) or of an agency kind as the topology names it
    /// (`VBSP offices` → `User:vbsp-offices`), unless `principals` maps it to another.
    public static func principal(of party: String, _ principals: [String: String] = [:]) -> String {
        if let given = principals[party] { return given }
        let slug = party.lowercased().split(separator: " ").joined(separator: "-")
        return Topics.consumingServices.contains(party) ? "User:giamngheo-\(party)" : "User:\(slug)"
    }

    /// Every grant the topology needs. A consumer reads its topics and its consumer groups (a service's groups start
    /// with its name; an agency's with its principal's name); a producer or an HTTP twin writes; a service reads back
    /// the compacted topics it publishes (``Topics/readBack``) through a group of its own (`giamngheo-scan-`). With
    /// `servicesCreateTopics`, the services may create the `giamngheo.` topics at start-up, as they do by default.
    public static func matrix(principals: [String: String] = [:], servicesCreateTopics: Bool = true) -> [KafkaACL] {
        var acls: Set<KafkaACL> = []
        func grant(_ party: String, _ operations: [KafkaACL.Operation], topic: String) {
            for operation in operations { acls.insert(KafkaACL(principal(of: party, principals), operation, .topic, topic)) }
        }
        var parties: Set<String> = []
        for topic in Topics.all {
            for producer in topic.producers + topic.twins {
                grant(producer, [.write, .describe], topic: topic.name)
                parties.insert(producer)
            }
            for consumer in topic.consumers {
                grant(consumer, [.read, .describe], topic: topic.name)
                parties.insert(consumer)
            }
        }
        for (service, topics) in Topics.readBack {
            for topic in topics { grant(service, [.read, .describe], topic: topic.name) }
        }
        for party in parties {
            let who = principal(of: party, principals)
            if Topics.consumingServices.contains(party) {
                acls.insert(KafkaACL(who, .read, .group, party, .prefixed))
                if servicesCreateTopics { acls.insert(KafkaACL(who, .create, .topic, "giamngheo.", .prefixed)) }
            } else {
                acls.insert(KafkaACL(who, .read, .group, String(who.drop { $0 != ":" }.dropFirst()) + "-", .prefixed))
            }
        }
        for service in Topics.readBack.keys {
            acls.insert(KafkaACL(principal(of: service, principals), .read, .group, "giamngheo-scan-", .prefixed))
        }
        return acls.sorted()
    }
}
