import EventContracts
import EventStore
import Hummingbird
import ServiceRuntime

/// Applies the multidimensional poverty standard in force on each survey date and publishes classifications.
public enum EligibilityService {
    public static let name = "eligibility"
    public static let defaultPort = 8082

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: EligibilityStore.migrations)
        try app.ensureTopics()
        let catalogue = try StandardsCatalogue.bundled()
        let consumer = app.consumer(
            group: "eligibility", topics: [Topics.household], handler: ClassificationHandler(catalogue: catalogue), store: store)
        let router = Router()
        EligibilityRoutes(store: store, catalogue: catalogue).register(on: router)
        try await app.run(store: store, consumers: [consumer], router: router)
    }
}
