import EventContracts
import EventStore
import Foundation
import GRDB
import Hummingbird
import ServiceRuntime

/// Refers classified households to VBSP programmes and keeps each household's current referrals.
public enum LoanReferralService {
    public static let name = "loan-referral"
    public static let defaultPort = 8083

    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("loan-referral-v1") { db in
            try ReferralHandler.join.migrate(db)
            try ReferralHandler.latest.migrate(db)
            try db.execute(
                sql: """
                    CREATE TABLE referral (
                      referral_id TEXT PRIMARY KEY, household_id TEXT NOT NULL, programme_id TEXT NOT NULL,
                      status TEXT NOT NULL, first_version INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE INDEX referral_household ON referral(household_id);
                    """)
        }
        migrator.registerMigration("loan-referral-v2-join") { db in try ReferralHandler.join.migrateCompletedWithoutPayload(db) }
    }

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: migrations)
        try app.ensureTopics()
        let handler = ReferralHandler(programmes: try ProgrammeCatalogue.bundled().programmes)
        let consumer = app.consumer(group: name, topics: [Topics.household, Topics.classification], handler: handler, store: store)
        let router = Router()
        router.get("/v1/households/:id/referrals") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let payload = try await store.pool.read({ db in try ReferralHandler.latest.payload(householdId: id, in: db) })
            else { return JSONResponse.notFound("referrals of household \(id)") }
            return JSONResponse.make(.ok, try EventJSON.decode(LoanReferralSet.self, from: payload))
        }
        router.get("/v1/programmes") { _, _ in JSONResponse.make(.ok, handler.programmes) }
        try await app.run(store: store, consumers: [consumer], router: router)
    }
}

/// Joins household and classification, computes the referrals, and publishes the set when it changes.
public struct ReferralHandler: EventHandler {
    static let join = ClassifiedHouseholdJoin()
    static let latest = LatestPerHousehold(table: "referral_set")
    public let programmes: [LoanProgramme]

    public init(programmes: [LoanProgramme]) { self.programmes = programmes }

    public func handle(_ event: InboundEvent, in db: Database) throws -> [OutboundEvent] {
        try Self.join.handle(event, in: db) { snapshot, classification in
            let referrals = ReferralRules.referrals(for: classification, programmes: programmes)
            let set = LoanReferralSet(
                householdId: snapshot.householdId, version: classification.version, area: classification.area,
                householdClass: classification.householdClass, head: snapshot.head, referrals: referrals)
            // What the bank sees, without the version: unchanged referrals for the same head and area publish nothing.
            var unversioned = set
            unversioned.version = 0
            let bytes = try EventJSON.encode(set)
            let changed = try Self.latest.replace(
                householdId: snapshot.householdId, version: set.version, payload: bytes, visible: try EventJSON.encode(unversioned),
                isEmpty: referrals.isEmpty, in: db)
            for referral in referrals {
                try db.run(
                    """
                        INSERT INTO referral (referral_id, household_id, programme_id, status, first_version) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (referral_id) DO NOTHING
                        """, [referral.referralId, snapshot.householdId, referral.programmeId, referral.status.rawValue, set.version])
            }
            guard changed else { return [] }
            return [
                try OutboundEvent.json(
                    topic: Topics.loanReferral, key: snapshot.householdId, type: EventTypes.loanReferral,
                    source: EventSources.service("loan-referral"),
                    idParts: ["loan-referral", snapshot.householdId, String(set.version)], sequence: set.version,
                    time: snapshot.recordedAt, encoded: bytes, causationId: nil, personal: true)
            ]
        }
    }
}
