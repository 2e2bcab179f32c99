import Foundation
import Testing

@testable import EventStore

/// When a member left without partitions, while its topics exist, rejoins its group: 20 s after it was first seen
/// empty, then 40 s, 80 s … up to 10 min after the previous try; an assignment starts it over. Written from the rule in
/// docs/operations.md ("When things go wrong").
struct RejoinTests {
    @Test func triesAfterTwentySecondsThenAtDoublingIntervals() {
        var rejoin = Rejoin()
        let start = Date(timeIntervalSince1970: 0)
        let checks: [(at: TimeInterval, due: Bool)] = [
            (0, false), (10, false), (19, false), (20, true), (30, false), (59, false), (60, true), (130, false), (140, true),
            (299, false), (300, true),
        ]
        for check in checks {
            let due = rejoin.due(now: start + check.at)
            #expect(due == check.due, "at \(check.at) s")
        }
    }

    @Test func anAssignmentStartsItOver() {
        var rejoin = Rejoin()
        let start = Date(timeIntervalSince1970: 0)
        let answers = [rejoin.due(now: start), rejoin.due(now: start + 20)]
        rejoin.reset()
        let after = [rejoin.due(now: start + 25), rejoin.due(now: start + 44), rejoin.due(now: start + 45)]
        #expect(answers == [false, true])
        #expect(after == [false, false, true])
    }

    @Test func neverWaitsLongerThanTenMinutes() {
        var rejoin = Rejoin()
        var now = Date(timeIntervalSince1970: 0)
        _ = rejoin.due(now: now)
        var gaps: [TimeInterval] = []
        var last = now
        while gaps.count < 8 {
            now += 1
            if rejoin.due(now: now) {
                gaps.append(now.timeIntervalSince(last))
                last = now
            }
        }
        #expect(gaps == [20, 40, 80, 160, 320, 600, 600, 600])
    }
}
