import Foundation
import Kafka
import Testing

@testable import EventStore

/// A partition whose fetch position stays below its end without moving for the grace (60 s) is due for the broker's
/// confirmation; one that moves, or whose only unseen offset is a transaction's closing marker, is not.
struct StallWatchTests {
    let tp = TopicPartition(topic: "t", partition: 0)
    let start = Date(timeIntervalSince1970: 0)

    @Test func unmovedBelowTheEndForTheGraceIsDue() {
        var watch = StallWatch(grace: 60)
        let observed = [0, 30, 59, 60].map { at in watch.observe(fetching: [tp: 30], stored: [:], ends: [tp: 35], now: start + TimeInterval(at)).map(\.0) }
        #expect(observed == [[], [], [], [tp]])
    }

    @Test func movingStartsTheClockOver() {
        var watch = StallWatch(grace: 60)
        _ = watch.observe(fetching: [tp: 30], stored: [:], ends: [tp: 40], now: start)
        _ = watch.observe(fetching: [tp: 31], stored: [:], ends: [tp: 40], now: start + 50)
        #expect(watch.observe(fetching: [tp: 31], stored: [:], ends: [tp: 40], now: start + 100).isEmpty)
        #expect(watch.observe(fetching: [tp: 31], stored: [:], ends: [tp: 40], now: start + 110).map(\.0) == [tp])
    }

    @Test func aCaughtUpPartitionOrOneMarkerShortIsNotWatched() {
        var watch = StallWatch(grace: 60)
        for at in [0, 100, 200] {
            #expect(watch.observe(fetching: [tp: 35], stored: [:], ends: [tp: 35], now: start + TimeInterval(at)).isEmpty)
            #expect(watch.observe(fetching: [tp: 34], stored: [:], ends: [tp: 35], now: start + TimeInterval(at)).isEmpty)
        }
    }

    /// A partition just given to this member has no fetch position until one of its records is consumed: when nothing
    /// new comes, the store's position (where the fetcher resumes) says it is caught up, not stuck at 0.
    @Test func aPartitionWithoutAFetchPositionIsWhereTheStoreResumes() {
        var watch = StallWatch(grace: 60)
        for at in [0, 60, 120] {
            #expect(watch.observe(fetching: [:], stored: [tp: 446], ends: [tp: 446], now: start + TimeInterval(at)).isEmpty)
        }
        // The fetcher's own position, once it has one, is the one watched.
        #expect(watch.observe(fetching: [tp: 400], stored: [tp: 446], ends: [tp: 446], now: start + 130).isEmpty)
        #expect(watch.observe(fetching: [tp: 400], stored: [tp: 446], ends: [tp: 446], now: start + 190).map(\.0) == [tp])
        // Neither (a rewound partition): the beginning, which the broker does not serve here.
        var rewound = StallWatch(grace: 60)
        _ = rewound.observe(fetching: [:], stored: [:], ends: [tp: 18], now: start)
        #expect(rewound.observe(fetching: [:], stored: [:], ends: [tp: 18], now: start + 60).map(\.0) == [tp])
    }
}
