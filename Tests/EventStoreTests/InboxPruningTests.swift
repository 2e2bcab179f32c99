import EventContracts
import EventStore
import Foundation
import GRDB
import TestSupport
import Testing

@Suite("Inbox pruning")
struct InboxPruningTests {
    /// 2026-06-01T00:00:00Z: "now" for these tests.
    let now = Date(timeIntervalSince1970: 1_780_272_000)

    func makeStore(retentionDays: Double) throws -> ServiceStore {
        let dir = try TestEnvironment.temporaryDirectory("inbox-pruning")
        return try ServiceStore(path: "\(dir)/test.sqlite", inboxRetention: retentionDays * 86_400)
    }

    func insert(_ store: ServiceStore, _ rows: [(time: String, id: String, receivedAt: String)]) throws {
        try store.pool.write { db in
            for row in rows {
                try db.execute(
                    sql: "INSERT INTO inbox (event_time, source, id, received_at) VALUES (?, '/test', ?, ?)",
                    arguments: [row.time, row.id, row.receivedAt])
            }
        }
    }

    func ids(_ store: ServiceStore) throws -> Set<String> {
        Set(try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM inbox") })
    }

    @Test func deletesOnlyRowsWhoseTimeAndArrivalAreBothPastTheRetention() throws {
        let store = try makeStore(retentionDays: 30)
        try insert(store, [
            ("2026-01-01T00:00:00.000Z", "old", "2026-01-01T00:00:01.000Z"),
            ("2026-05-31T00:00:00.000Z", "recent", "2026-05-31T00:00:01.000Z"),
            // A replay of an old event that arrived yesterday: kept until its arrival is past the retention too.
            ("2025-03-01T00:00:00.000Z", "replayed", "2026-05-31T00:00:00.000Z"),
            // An agency's event without ce_time, received long ago.
            ("", "untimed-old", "2026-01-02T00:00:00.000Z"),
            ("", "untimed-recent", "2026-05-30T00:00:00.000Z"),
        ])
        let deleted = try store.pool.write { db in try store.pruneInbox(in: db, now: now, force: true) }
        #expect(deleted == 2)
        #expect(try ids(store) == ["recent", "replayed", "untimed-recent"])
    }

    @Test func runsAtMostOnceAnHourAndAtMostTheLimitAtATime() throws {
        let store = try makeStore(retentionDays: 1)
        try insert(store, (0..<5).map { ("2026-01-01T00:00:0\($0).000Z", "old-\($0)", "2026-01-01T00:00:00.000Z") })
        let first = try store.pool.write { db in try store.pruneInbox(in: db, now: now, limit: 3) }
        #expect(first == 3)
        #expect(try ids(store) == ["old-3", "old-4"], "the oldest event times go first")
        let tooSoon = try store.pool.write { db in try store.pruneInbox(in: db, now: now.addingTimeInterval(3_599), limit: 3) }
        #expect(tooSoon == 0)
        let nextHour = try store.pool.write { db in try store.pruneInbox(in: db, now: now.addingTimeInterval(3_600), limit: 3) }
        #expect(nextHour == 2)
        #expect(try ids(store).isEmpty)
    }
}
