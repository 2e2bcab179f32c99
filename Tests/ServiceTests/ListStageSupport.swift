import EventContracts
import EventStore
import Foundation
import GRDB
import Kafka
import LoanReferral
import Synchronization

/// loan-referral's list stage in a test: the shares the household stage queued, applied in order to the list stage over
/// the same store, as the relay and the `loan-referral-lists` consumer would.
final class ListStage: Sendable {
    let store: ServiceStore
    let applier: BatchApplier
    private let applied = Mutex<Int64>(0)

    init(store: ServiceStore, catalogue: ProgrammeCatalogue) {
        self.store = store
        applier = BatchApplier(store: store, handler: ReferralListAssembler(catalogue), service: "loan-referral")
    }

    /// Applies the shares queued since the last call, then returns every list queued for the bank so far.
    func lists() throws -> [ReferralList] {
        let after = applied.withLock { $0 }
        let shares = try store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, message_key, payload FROM outbox WHERE topic = ? AND seq > ? ORDER BY seq",
                arguments: [Topics.referralListPart.name, after])
        }
        let messages = shares.map { row -> KafkaConsumerMessage in
            let seq: Int64 = row["seq"]
            let key: Data = row["message_key"]
            let attributes = CloudEventAttributes(
                id: "share-\(seq)", source: "/giamngheo/loan-referral", type: EventTypes.referralListPart, time: "2026-01-05T00:00:00.000Z",
                subject: String(decoding: key, as: UTF8.self))
            return KafkaConsumerMessage(
                topic: Topics.referralListPart.name, partition: 0, offset: seq, key: [UInt8](key), value: [UInt8](row["payload"] as Data),
                headers: attributes.headers.map { KafkaHeader(key: $0.0, string: $0.1) })
        }
        if !messages.isEmpty { _ = try applier.apply(messages) }
        if let last = shares.last { applied.withLock { $0 = last["seq"] } }
        return try store.pool.read { db in
            try Data.fetchAll(db, sql: "SELECT payload FROM outbox WHERE topic = ? ORDER BY seq", arguments: [Topics.referralList.name])
        }.map { try EventJSON.decode(ReferralList.self, from: $0) }
    }
}
