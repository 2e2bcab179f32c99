import EventContracts
import Kafka

/// Creates the topology's topics on a broker and checks that the ones there can serve it.
public enum TopologySetup {
    /// Creates the topics that do not exist yet (with the table's cleanup policy and retention) with `partitions` each, then
    /// refuses, naming the topics and counts, when co-partitioned topics differ. Without `create` it only checks, and a
    /// missing topic is a problem too (the platform team provisions topics).
    /// - Returns: the partition count of every `giamngheo.` topic.
    @discardableResult
    public static func ensure(with producer: KafkaProducer, partitions: Int, create: Bool = true) throws -> [String: Int] {
        if create {
            try producer.createTopics(
                Topics.all.map {
                    TopicSpec(name: $0.name, partitions: partitions, configs: Topics.configs(of: $0))
                })
        }
        let counts = try producer.partitionCounts().filter { $0.key.hasPrefix("giamngheo.") }
        var problems = Topics.partitioningProblems(counts)
        if !create {
            problems += Topics.all.map(\.name).filter { counts[$0] == nil }.map { "topic \($0) does not exist and CREATE_TOPICS is false" }
        }
        guard problems.isEmpty else { throw TopologyError(problems: problems) }
        return counts
    }
}

/// The topics on the broker cannot serve the topology; the service refuses to start.
public struct TopologyError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "refusing to start: " + problems.joined(separator: "; ") }
}
