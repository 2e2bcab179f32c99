import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import Logging
import ServiceRuntime

/// Announces each calendar day (in Vietnam) on every partition of `giamngheo.classified-household.v1`
/// (``CalendarDay``), so that rules that change with time alone (a referral window ending) change as an ordered input
/// in every consumer. Each day is announced once, through the outbox, with ids derived from the day and the partition;
/// the loop checks the day every minute and at start.
public final class CalendarAnnouncer: Sendable {
    let store: ServiceStore
    let partitionCount: Int32
    let today: @Sendable () -> String
    let logger: Logger
    private let loop = PeriodicLoop(every: .seconds(60))

    /// - Parameter today: the day to announce (YYYY-MM-DD); the operator may pin it (`CALENDAR_DAY`) to replay a day.
    public init(store: ServiceStore, partitionCount: Int32, today: @escaping @Sendable () -> String, logger: Logger) {
        self.store = store
        self.partitionCount = partitionCount
        self.today = today
        self.logger = logger
    }

    static func migrate(_ db: Database) throws {
        try db.execute(sql: "CREATE TABLE calendar_announced (day TEXT PRIMARY KEY) WITHOUT ROWID")
    }

    /// The records announcing `day`, one per partition, keyed so that each lands on its partition.
    public static func announcements(of day: String, partitionCount: Int32) throws -> [OutboundEvent] {
        var keys: [Int32: String] = [:]
        var serial = 0
        while keys.count < partitionCount {
            let key = "calendar-\(serial)"
            let partition = KeyPartitioner.partition(key: Array(key.utf8), partitionCount: partitionCount)
            if keys[partition] == nil { keys[partition] = key }
            serial += 1
        }
        return try keys.sorted { $0.key < $1.key }.map { partition, key in
            try OutboundEvent.json(
                topic: Topics.classifiedHousehold, key: key, type: EventTypes.calendarDay, source: EventSources.service(EligibilityService.name),
                idParts: ["calendar-day", day, String(partition), String(partitionCount)], sequence: nil, time: CalendarDay.start(of: day),
                payload: CalendarDay(day: day, partition: partition))
        }
    }

    /// Announces `day` unless it was announced before; returns whether it did.
    @discardableResult
    public func announce(_ day: String) throws -> Bool {
        let announced = try store.pool.write { db -> Bool in
            guard try String.fetchOne(db, sql: "SELECT day FROM calendar_announced WHERE day = ?", arguments: [day]) == nil else { return false }
            try db.run("INSERT INTO calendar_announced (day) VALUES (?)", [day])
            for event in try Self.announcements(of: day, partitionCount: partitionCount) { try Outbox.append(event, in: db) }
            return true
        }
        if announced {
            store.outboxChanged()
            logger.info("calendar day announced", metadata: ["day": "\(day)", "partitions": "\(partitionCount)"])
        }
        return announced
    }

    /// The loop, on the calling thread, until ``stop()``.
    public func runBlocking() {
        loop.run {
            do { try announce(today()) } catch { logger.error("calendar day not announced; retrying", metadata: ["error": "\(error)"]) }
        }
    }

    public func stop() { loop.stop() }
}
