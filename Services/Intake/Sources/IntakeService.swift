import Areas
import EventStore
import Hummingbird
import ServiceRuntime

/// The household registry: validates, de-duplicates and versions surveys, and publishes household snapshots.
public enum IntakeService {
    public static let name = "intake"
    public static let defaultPort = 8081

    public static func run(options: CommonOptions) async throws {
        let app = try ServiceApp(service: name, defaultPort: defaultPort, options: options)
        let store = try app.openStore(migrations: IntakeStore.migrations)
        try app.ensureTopics()
        let router = Router()
        IntakeRoutes(store: store, areas: try AreaRegistry.bundled()).register(on: router)
        try await app.run(store: store, consumers: [], router: router)
    }
}
