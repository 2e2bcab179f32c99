import EventContracts

/// A household's training and job outcomes as area counters (``AreaTally``): the members who reached each step with
/// any of their offers (offered, enrolled, completed, dropped, placed, departed), in total and by support group, and the
/// support committed to the courses they enrolled in (VND). Members, not offers: someone offered a course and a job
/// is one person offered. Pure.
public enum TrainingOutcomes {
    public static let steps: [PlacementStatus] = [.offered, .enrolled, .completed, .dropped, .placed, .departed]

    public static func counts(_ offers: [(group: SupportGroup?, offer: TrainingOffer)]) -> [String: Int] {
        var reached: [PlacementStatus: [String: SupportGroup]] = [:]
        var counts: [String: Int] = [:]
        for (group, offer) in offers {
            let statuses = Set(offer.history.filter { $0.event != nil }.map(\.status))
            for step in steps where statuses.contains(step) || (step == .offered && !statuses.isDisjoint(with: [.enrolled, .placed, .departed])) {
                reached[step, default: [:]][offer.memberId] = group ?? .other
            }
            if statuses.contains(.enrolled) { counts["training.outcome.supportVnd", default: 0] += Int(offer.supportVnd ?? 0) }
        }
        for (step, members) in reached {
            counts["training.outcome.\(step.rawValue)"] = members.count
            for group in members.values { counts["training.outcome.group.\(group.rawValue).\(step.rawValue)", default: 0] += 1 }
        }
        return counts
    }
}
