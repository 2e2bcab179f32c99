import EventContracts
import ServiceRuntime
import Testing

/// Who answers for a partition when a service runs as several instances (issue 18): each row is written by hand from the
/// rule in docs/operations.md ("Scaling"): this instance's own assignment first (answered once caught up, "catching up"
/// before); then the live claim with the latest assignment; nobody when no live instance claims the partition.
struct PartitionOwnerTests {
    static func claim(_ instance: String, _ partitions: [Int32], assignedAt: Int64, announcedAt: Int64) -> InstanceClaim {
        InstanceClaim(
            service: "eligibility", group: "eligibility", instanceId: instance, url: "http://\(instance):8082", partitions: partitions,
            assignedAtMillis: assignedAt, announcedAtMillis: announcedAt)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var why: String
        var held: Set<Int32>
        var catchingUp: Set<Int32> = []
        var claims: [InstanceClaim]
        /// The instance id expected to answer: "me", "me, catching up", another's id, or nil for nobody.
        var expected: String?
        var testDescription: String { why }
    }

    // Partition 3 asked at now = 100_000 ms; claims live for 6_000 ms.
    static let rows: [Row] = [
        Row(why: "held here, though another claims it later", held: [3], claims: [claim("e-2", [3], assignedAt: 99_000, announcedAt: 99_500)], expected: "me"),
        Row(why: "given here and still catching up, while e-2 has not yet let go", held: [0], catchingUp: [3],
            claims: [claim("e-2", [3], assignedAt: 40_000, announcedAt: 99_000)], expected: "me, catching up"),
        Row(why: "claimed by e-2, announced 1 s ago", held: [0, 1], claims: [claim("e-2", [2, 3], assignedAt: 50_000, announcedAt: 99_000)], expected: "e-2"),
        Row(why: "claimed exactly at the time to live", held: [], claims: [claim("e-2", [3], assignedAt: 50_000, announcedAt: 94_000)], expected: "e-2"),
        Row(why: "e-2 silent for longer than the time to live", held: [], claims: [claim("e-2", [3], assignedAt: 50_000, announcedAt: 93_999)], expected: nil),
        Row(why: "e-2 let go and e-3 took it later", held: [],
            claims: [claim("e-2", [3], assignedAt: 40_000, announcedAt: 99_000), claim("e-3", [3], assignedAt: 97_000, announcedAt: 98_000)], expected: "e-3"),
        Row(why: "two claims from one moment: the greater instance id", held: [],
            claims: [claim("e-3", [3], assignedAt: 97_000, announcedAt: 99_000), claim("e-2", [3], assignedAt: 97_000, announcedAt: 99_000)], expected: "e-3"),
        Row(why: "this instance's own old claim read back is not an owner", held: [], claims: [claim("e-1", [3], assignedAt: 10_000, announcedAt: 99_000)], expected: nil),
        Row(why: "others claim only other partitions", held: [0], claims: [claim("e-2", [1, 2], assignedAt: 1_000, announcedAt: 99_000)], expected: nil),
        Row(why: "an instance that left claims nothing", held: [], claims: [claim("e-2", [], assignedAt: 99_000, announcedAt: 99_000)], expected: nil),
    ]

    @Test(arguments: rows) func decides(_ row: Row) {
        let owner = PartitionOwner.of(3, held: row.held, catchingUp: row.catchingUp, me: "e-1", claims: row.claims, nowMillis: 100_000, ttlMillis: 6_000)
        switch (owner, row.expected) {
        case (.this, "me"?), (.catchingUp, "me, catching up"?), (.nobody, nil): break
        case (.other(let claim), let expected?) where claim.instanceId == expected: break
        default: Issue.record("\(row.why): got \(owner), expected \(row.expected ?? "nobody")")
        }
    }
}
