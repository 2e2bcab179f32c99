/// One instance's word on which partitions of its consumer group it applies and where it answers HTTP
/// (`giamngheo.instance.v1`, key `<group>/<instanceId>`). Each instance repeats it every few seconds and when its
/// assignment changes, and says it holds nothing as it stops; the instances of a service read each other's claims to
/// forward a request for a household to the instance that holds its partition. No personal data.
public struct InstanceClaim: Codable, Sendable, Hashable {
    public var service: String
    /// The consumer group whose partitions these are.
    public var group: String
    public var instanceId: String
    /// Base URL other instances forward requests to (`ADVERTISED_URL`), without a trailing slash.
    public var url: String
    /// Partitions of the group's topics the instance is assigned now, ascending (it answers for them once caught up);
    /// empty when it leaves.
    public var partitions: [Int32]
    /// When the instance got this set of partitions (milliseconds since 1970): of two claims on one partition, the
    /// later assignment is the current one.
    public var assignedAtMillis: Int64
    /// When the instance said so; a claim not repeated within the directory's time to live is no longer believed.
    public var announcedAtMillis: Int64

    public init(
        service: String, group: String, instanceId: String, url: String, partitions: [Int32], assignedAtMillis: Int64,
        announcedAtMillis: Int64
    ) {
        self.service = service
        self.group = group
        self.instanceId = instanceId
        self.url = url
        self.partitions = partitions
        self.assignedAtMillis = assignedAtMillis
        self.announcedAtMillis = announcedAtMillis
    }

    /// The record key: one claim per group member.
    public var key: String { "\(group)/\(instanceId)" }
}
