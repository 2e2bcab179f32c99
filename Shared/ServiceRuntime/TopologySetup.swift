import EventContracts
import Kafka

/// Creates the topology's topics on a broker and checks that the ones there can serve it.
public enum TopologySetup {
    /// Creates the topics that do not exist yet (compacted where the table says so) with `partitions` each, then
    /// refuses, naming the topics and counts, when co-partitioned topics differ.
    /// - Returns: the partition count of every `giamngheo.` topic.
    @discardableResult
    public static func ensure(with producer: KafkaProducer, partitions: Int) throws -> [String: Int] {
        try producer.createTopics(
            Topics.all.map {
                TopicSpec(name: $0.name, partitions: partitions, configs: $0.compacted ? ["cleanup.policy": "compact"] : [:])
            })
        let counts = try producer.partitionCounts().filter { $0.key.hasPrefix("giamngheo.") }
        let problems = Topics.partitioningProblems(counts)
        guard problems.isEmpty else { throw TopologyError(problems: problems) }
        return counts
    }
}

/// The topics on the broker cannot serve the topology; the service refuses to start.
public struct TopologyError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "refusing to start: " + problems.joined(separator: "; ") }
}
