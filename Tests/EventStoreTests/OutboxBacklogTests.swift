import EventContracts
import EventStore
import Foundation
import GRDB
import TestSupport
import Testing

/// The outbox gauges read the store itself, whatever the relay is doing: rows and the oldest row's age.
@Suite struct OutboxBacklogTests {
    @Test func theBacklogCountsEveryRowAndDatesTheOldest() throws {
        let store = try ServiceStore(path: "\(try TestEnvironment.temporaryDirectory("outbox-backlog"))/test.sqlite")
        #expect(try store.outboxBacklog().depth == 0 && store.outboxBacklog().oldestQueuedAt == nil)
        try store.pool.write { db in
            for (index, time) in ["2026-06-01T00:00:00.250Z", "2026-06-01T00:00:05.000Z", "2026-06-01T00:01:00.000Z"].enumerated() {
                try db.execute(
                    sql: "INSERT INTO outbox (event_id, topic, message_key, headers, payload, created_at) VALUES (?, 't', NULL, x'', NULL, ?)",
                    arguments: ["e\(index)", time])
            }
        }
        // 2,500 rows more than a relay batch would see are still counted.
        try store.pool.write { db in
            for index in 3..<2_503 {
                try db.execute(
                    sql: "INSERT INTO outbox (event_id, topic, message_key, headers, payload, created_at) VALUES (?, 't', NULL, x'', NULL, ?)",
                    arguments: ["e\(index)", "2026-06-01T00:02:00.000Z"])
            }
        }
        let backlog = try store.outboxBacklog()
        #expect(backlog.depth == 2_503 && backlog.oldestQueuedAt == "2026-06-01T00:00:00.250Z")
        // 2026-06-01T00:10:00Z is 599.75 s after the oldest row.
        #expect(OutboxAge.seconds(since: backlog.oldestQueuedAt, now: Date(timeIntervalSince1970: 1_780_272_600)) == 599.75)
        #expect(OutboxAge.seconds(since: nil, now: Date()) == 0)
    }
}
