// swift-tools-version: 6.1
// GiamNgheo: household events for Vietnam's poverty-reduction programme, as five services over Kafka.
import Foundation
import PackageDescription

/// Where `compose/setup` builds librdkafka when the system one is too old; linked with an rpath so the
/// executables run without `LD_LIBRARY_PATH`.
let privateLibrdkafka = Context.packageDirectory + "/.deps/librdkafka/lib"
let rpathSettings: [LinkerSetting] =
    FileManager.default.fileExists(atPath: privateLibrdkafka)
    ? [.unsafeFlags(["-Xlinker", "-rpath", "-Xlinker", privateLibrdkafka])] : []

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")

/// A service: its library (domain, store, consumers, HTTP) and its executable (`main` only).
func service(_ name: String, executable: String, folder: String, resources: Bool, extra: [Target.Dependency]) -> [Target] {
    [
        .target(
            name: name,
            dependencies: ["EventContracts", "EventStore", "Kafka", "ServiceRuntime", "Areas", "Access", grdb, hummingbird, log, metrics] + extra,
            path: "Services/\(folder)/Sources",
            resources: resources ? [.copy("Resources")] : [],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "\(name)Main",
            dependencies: [.target(name: name), "ServiceRuntime", argumentParser],
            path: "Services/\(folder)/Main",
            swiftSettings: strict,
            linkerSettings: rpathSettings
        ),
    ]
}

/// (module, executable, folder, has a Resources folder of rule data, further dependencies)
let services: [(String, String, String, Bool, [Target.Dependency])] = [
    ("Intake", "intake", "Intake", true, [crypto]),  // HMAC for household ids
    ("Eligibility", "eligibility", "Eligibility", true, []),
    ("LoanReferral", "loan-referral", "LoanReferral", true, []),
    ("TrainingMatch", "training-match", "TrainingMatch", true, []),
    ("Reporting", "reporting", "Reporting", true, [lifecycle]),  // the dashboard's static files; SSE ends on shutdown
]

let package = Package(
    name: "GiamNgheo",
    platforms: [.macOS(.v15)],
    products: services.map { .executable(name: $0.1, targets: ["\($0.0)Main"]) } + [
        .executable(name: "giamngheo-admin", targets: ["AdminMain"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "4.1.0"..<"6.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        // Already in the graph through hummingbird; named for the handler that answers malformed requests with a body.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.26.0"),
        // Spans: the API where they are made, and OTLP/HTTP export (off unless an endpoint is configured; no gRPC).
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .systemLibrary(name: "CRdKafka", path: "Shared/CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .target(name: "Kafka", dependencies: ["CRdKafka", log], path: "Shared/Kafka", swiftSettings: strict),
        .target(name: "EventContracts", path: "Shared/EventContracts", swiftSettings: strict),
        // Roles, areas and what each kind of endpoint needs (issue 16): pure, decided before any handler runs.
        .target(name: "Access", path: "Shared/Access", swiftSettings: strict),
        // Bearer tokens verified against an issuer's keys, and a local issuer for development and tests.
        .target(
            name: "Authentication", dependencies: ["Access", crypto, .product(name: "JWTKit", package: "jwt-kit")], path: "Shared/Authentication",
            swiftSettings: strict),
        .target(name: "Areas", path: "Shared/Areas", resources: [.copy("Resources")], swiftSettings: strict),
        .target(
            name: "EventStore",
            dependencies: ["Kafka", "EventContracts", grdb, log, metrics, tracing],
            path: "Shared/EventStore",
            swiftSettings: strict
        ),
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "Kafka", "EventStore", "EventContracts", "Areas", "Access", "Authentication", hummingbird, lifecycle, log, metrics, argumentParser,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                tracing, .product(name: "OTel", package: "swift-otel"),
            ],
            path: "Shared/ServiceRuntime",
            swiftSettings: strict
        ),
        // The simulated VBSP office's plans: pure, so that they can be tested without the tool.
        .target(name: "Simulation", path: "Tools/Simulation", swiftSettings: strict),
        .target(name: "BankOffice", dependencies: ["EventContracts", "Simulation"], path: "Tools/BankOffice", swiftSettings: strict),
        // The simulated employment centre's catalogue and outcomes: pure, like the bank office's plans.
        .target(name: "EmploymentCentre", dependencies: ["EventContracts", "Simulation"], path: "Tools/EmploymentCentre", swiftSettings: strict),
        .executableTarget(
            name: "AdminMain",
            dependencies: [
                "Kafka", "EventContracts", "EventStore", "ServiceRuntime", "Intake", "Eligibility", "TrainingMatch", "BankOffice", "EmploymentCentre",
                "Access", "Authentication", grdb, argumentParser,
                log,
            ],
            path: "Tools/Admin",
            swiftSettings: strict,
            linkerSettings: rpathSettings
        ),
        .testTarget(name: "AccessTests", dependencies: ["Access", "Authentication"], path: "Tests/AccessTests", linkerSettings: rpathSettings),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"], path: "Tests/KafkaTests", linkerSettings: rpathSettings),
        .testTarget(name: "EventContractsTests", dependencies: ["EventContracts", "TestSupport"], path: "Tests/EventContractsTests", linkerSettings: rpathSettings),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore", "Kafka", "TestSupport", grdb], path: "Tests/EventStoreTests", linkerSettings: rpathSettings),
        .testTarget(name: "ServiceTests", dependencies: ["Intake", "Eligibility", "LoanReferral", "TrainingMatch", "Reporting", "BankOffice", "EmploymentCentre", "TestSupport"], path: "Tests/ServiceTests", linkerSettings: rpathSettings),
        .testTarget(name: "SystemTests", dependencies: ["Access", "Authentication", "Kafka", "EventContracts", "TestSupport", "Intake", "Eligibility", "LoanReferral", "TrainingMatch", "Reporting", "Areas", "ServiceRuntime", "EmploymentCentre", hummingbird], path: "Tests/SystemTests", linkerSettings: rpathSettings),
        .target(name: "TestSupport", dependencies: ["Kafka", "EventContracts", "EventStore", "ServiceRuntime", "Access", "Authentication", "Areas"], path: "Tests/TestSupport", swiftSettings: strict),
    ] + services.flatMap { service($0.0, executable: $0.1, folder: $0.2, resources: $0.3, extra: $0.4) }
)
