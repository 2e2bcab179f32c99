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
        let observed = [0, 30, 59, 60].map { at in watch.observe(positions: [tp: 30], ends: [tp: 35], now: start + TimeInterval(at)).map(\.0) }
        #expect(observed == [[], [], [], [tp]])
    }

    @Test func movingStartsTheClockOver() {
        var watch = StallWatch(grace: 60)
        _ = watch.observe(positions: [tp: 30], ends: [tp: 40], now: start)
        _ = watch.observe(positions: [tp: 31], ends: [tp: 40], now: start + 50)
        #expect(watch.observe(positions: [tp: 31], ends: [tp: 40], now: start + 100).isEmpty)
        #expect(watch.observe(positions: [tp: 31], ends: [tp: 40], now: start + 110).map(\.0) == [tp])
    }

    @Test func aCaughtUpPartitionOrOneMarkerShortIsNotWatched() {
        var watch = StallWatch(grace: 60)
        for at in [0, 100, 200] {
            #expect(watch.observe(positions: [tp: 35], ends: [tp: 35], now: start + TimeInterval(at)).isEmpty)
            #expect(watch.observe(positions: [tp: 34], ends: [tp: 35], now: start + TimeInterval(at)).isEmpty)
        }
    }
}
