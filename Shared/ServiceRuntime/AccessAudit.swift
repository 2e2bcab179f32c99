import Access
import EventContracts
import EventStore
import Foundation
import GRDB

/// Who made a request, for the access log: the caller, its request and the endpoint it reached.
public struct AccessActor: Sendable {
    public var requestId: String
    public var principal: Principal
    public var service: String
    public var endpoint: String

    /// The record of this request's access to one household or area.
    public func record(_ action: AccessRecord.Action, householdId: String? = nil, areaCode: String? = nil, status: Int) -> AccessRecord {
        AccessRecord(
            requestId: requestId, at: Timestamp.now(), subject: principal.subject, roles: principal.roles.map(\.rawValue).sorted(),
            service: service, endpoint: endpoint, action: action, householdId: householdId, areaCode: areaCode, status: status)
    }
}

/// Puts access records on `giamngheo.audit.access.v1` through the service's outbox: in the transaction of the change
/// they record (``append(_:service:in:)``), or in one of their own for reads (``record(_:)``).
public struct AccessAuditor: Sendable {
    let store: ServiceStore
    let service: String

    public init(store: ServiceStore, service: String) {
        self.store = store
        self.service = service
    }

    public func record(_ records: [AccessRecord]) async throws {
        guard !records.isEmpty else { return }
        let service = service
        try await store.pool.write { db in try Self.append(records, service: service, in: db) }
        store.outboxChanged()
    }

    public static func append(_ records: [AccessRecord], service: String, in db: Database) throws {
        for (index, record) in records.enumerated() {
            try Outbox.append(
                OutboundEvent.json(
                    topic: Topics.accessAudit, key: record.key, type: EventTypes.accessRecord, source: EventSources.service(service),
                    idParts: ["access", record.requestId, String(index), record.householdId ?? record.areaCode ?? ""], sequence: nil,
                    time: record.at, payload: record),
                in: db)
        }
    }
}
