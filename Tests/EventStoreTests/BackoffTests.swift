import EventStore
import Testing

@Suite struct BackoffTests {
    @Test func doublesUpToItsMaximumAndStartsAgainAfterASuccess() {
        var backoff = Backoff(initial: 0.5, maximum: 30)
        #expect((0..<9).map { _ in backoff.failed() } == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        backoff.succeeded()
        #expect(backoff.failed() == 0.5)
        #expect(backoff.failures == 1)
    }
}
