import EventContracts
import EventStore
import GRDB
import Kafka

/// Keeps every grouping defined on any instance: each instance reads `giamngheo.reporting.grouping.v1` whole, under a
/// group of its own. The latest version per code stands; a definition not newer than the one held, with other
/// content, changes nothing (two instances took the same version at once: the first on the topic stands); a tombstone
/// removes the grouping.
public struct GroupingReplicaHandler: EventHandler {
    let rules: GroupingRules

    init(rules: GroupingRules) { self.rules = rules }

    public static func group(instanceId: String) -> String { "\(ReportingService.name)-groupings-\(instanceId)" }

    /// Version-guarded by the grouping's version.
    public var deduplication: Deduplication { .versions }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.grouping else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.grouping), got '\(event.attributes.type)'"))
        }
        let code = String(decoding: event.message.key ?? [], as: UTF8.self)
        guard event.message.value != nil else {
            _ = try GroupingStore.delete(code, in: db)
            return []
        }
        let grouping = try event.decode(AreaGrouping.self)
        guard grouping.code == code else { throw PoisonRecord(FieldError("code", "'\(grouping.code)' is not the record's key '\(code)'")) }
        let problems = rules.problems(grouping)
        guard problems.isEmpty else { throw PoisonRecord(problems) }
        _ = try GroupingStore.put(grouping, in: db)
        return []
    }
}
