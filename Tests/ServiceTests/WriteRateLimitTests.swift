import ServiceRuntime
import Testing

/// Writes per caller: a bucket of `capacity` refilled at a steady rate. Times and waits worked out by hand.
@Suite struct WriteRateLimitTests {
    @Test func aBucketGivesItsCapacityThenOneWritePerRefill() {
        var bucket = TokenBucket(capacity: 3, perSecond: 2, now: 10)
        #expect(bucket.take(now: 10) == nil && bucket.take(now: 10) == nil && bucket.take(now: 10) == nil)
        #expect(bucket.take(now: 10) == 0.5)  // empty: one token in half a second at 2 a second
        #expect(bucket.take(now: 10.25) == 0.25)  // half a token there
        #expect(bucket.take(now: 10.5) == nil)  // one token, taken
        #expect(bucket.take(now: 100) == nil && bucket.take(now: 100) == nil && bucket.take(now: 100) == nil)  // refilled to 3, not more
        #expect(bucket.take(now: 100) == 0.5)
    }

    @Test func eachCallerHasItsOwnBucketAndZeroTurnsTheLimitOff() throws {
        let limiter = WriteRateLimiter(perMinute: 2)
        #expect(limiter.admit("a") == nil && limiter.admit("a") == nil)
        #expect((limiter.admit("a") ?? 0) > 25)  // 2 a minute: the next in about 30 s
        #expect(limiter.admit("b") == nil)
        let off = WriteRateLimiter(perMinute: 0)
        #expect((0..<10_000).allSatisfy { _ in off.admit("a") == nil })
        #expect(throws: (any Error).self) { try WriteRateLimiter.configured(["WRITE_RATE_PER_MINUTE": "-1"]) }
    }
}
