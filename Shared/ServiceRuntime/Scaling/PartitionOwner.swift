import EventContracts

/// Who answers for a partition of a service's consumer group, as one instance sees it.
public enum PartitionOwner: Sendable, Equatable {
    /// This instance applies the partition: it answers from its own store.
    case this
    /// This instance was given the partition and is still reading what it missed: its store is not yet the answer, and
    /// no other instance applies the partition any more.
    case catchingUp
    /// Another instance claims it: requests are forwarded there.
    case other(InstanceClaim)
    /// No live instance claims it (it is moving, or its owner died and the group has not reassigned it yet).
    case nobody

    /// Decides from this instance's own assignment (`held`: applied and caught up; `catchingUp`: assigned, not yet
    /// caught up — both always right about itself) and the other members' claims.
    /// A claim counts while announced within `ttlMillis` of `nowMillis`; of several claims on the partition, the latest
    /// assignment wins (the previous owner may not have said yet that it let go), then the greater instance id.
    public static func of(
        _ partition: Int32, held: Set<Int32>, catchingUp: Set<Int32> = [], me: String, claims: some Sequence<InstanceClaim>, nowMillis: Int64,
        ttlMillis: Int64
    ) -> PartitionOwner {
        if held.contains(partition) { return .this }
        if catchingUp.contains(partition) { return .catchingUp }
        let live = claims.filter { claim in
            claim.instanceId != me && nowMillis - claim.announcedAtMillis <= ttlMillis && claim.partitions.contains(partition)
        }
        guard let owner = live.max(by: { ($0.assignedAtMillis, $0.instanceId) < ($1.assignedAtMillis, $1.instanceId) }) else {
            return .nobody
        }
        return .other(owner)
    }
}
