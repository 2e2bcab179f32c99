import EventContracts
import EventStore
import Foundation
import GRDB

/// The list stage of loan-referral: keeps every partition's latest share of each commune's list
/// (`giamngheo.vbsp.referral-list-part.v1`, group `loan-referral-lists`) and publishes the list a batch changed on
/// `giamngheo.vbsp.referral-list.v1` when its content differs from what was last published (a list that empties is
/// published empty). All shares of a list are on one partition, so one instance makes each list whole.
public struct ReferralListAssembler: EventHandler {
    let programmes: [String: LoanProgramme]
    let service: String

    public init(_ catalogue: ProgrammeCatalogue) {
        programmes = Dictionary(uniqueKeysWithValues: catalogue.programmes.map { ($0.id, $0) })
        service = LoanReferralService.name
    }

    /// Version-guarded: a share not newer than the one held for its partition changes nothing.
    public var deduplication: Deduplication { .versions }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        guard event.attributes.type == EventTypes.referralListPart else {
            throw PoisonRecord(FieldError("ce_type", "expected \(EventTypes.referralListPart), got '\(event.attributes.type)'"))
        }
        let share = try event.decode(ReferralListPart.self)
        guard share.partition >= 0, share.version > 0 else {
            throw PoisonRecord(FieldError(share.partition < 0 ? "partition" : "version", "must not be negative or zero"))
        }
        guard try ReferralListStore.keep(share, payload: Data(try EventJSON.encode(share)), in: db) else { return [] }
        try ReferralListStore.markChanged(ListKey(commune: share.communeCode, round: share.roundId), time: share.time, in: db)
        return []
    }

    public func finishBatch(in db: Database) throws -> [OutboundEvent] {
        try ReferralListStore.takeChanged(in: db).compactMap { key, time -> OutboundEvent? in
            let list = ReferralList.make(key, sets: try ReferralListStore.sets(of: key, in: db), programmes: programmes, time: time)
            let bytes = try EventJSON.encode(list)
            let digest = DeterministicID.make("referral-list-content", String(decoding: bytes, as: UTF8.self))
            if list.rows.isEmpty, try !ReferralListStore.wasPublished(key, in: db) { return nil }
            guard try ReferralListStore.recordPublished(key, digest: digest, in: db) else { return nil }
            return try OutboundEvent.json(
                topic: Topics.referralList, key: key.text, type: EventTypes.referralList, source: EventSources.service(service),
                idParts: ["referral-list", key.commune, key.round, digest], sequence: nil, time: time, encoded: bytes, personal: true)
        }
    }
}

extension ReferralList {
    /// List `key` of `sets`. Its rates are those in force on `on`, by default on the list's latest recognition decision
    /// (else on the day of `time`).
    static func make(_ key: ListKey, sets: [LoanReferralSet], programmes: [String: LoanProgramme], time: String, on: String? = nil) -> ReferralList {
        let on = on ?? sets.compactMap { $0.recognition?.decisionDate }.max() ?? String(time.prefix(10))
        return ReferralList(communeCode: key.commune, roundId: key.round, on: on, rows: ReferralList.rows(sets, programmes: programmes, on: on))
    }
}
