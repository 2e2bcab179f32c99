import Access
import Areas
import Authentication
import EventContracts
import Foundation
import Kafka
import Logging

/// Where the test command put things: the repository, the shared broker, the built executables.
public enum TestEnvironment {
    /// The repository root (from this file's path, or `GIAMNGHEO_ROOT`).
    public static let root: String = {
        if let root = ProcessInfo.processInfo.environment["GIAMNGHEO_ROOT"] { return root }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The broker `compose/test` started; tests fail with a pointer to it when it is missing.
    public static func brokers() throws -> String {
        guard let brokers = ProcessInfo.processInfo.environment["KAFKA_BROKERS"], !brokers.isEmpty else {
            throw TestFailure("KAFKA_BROKERS is not set: run the suite with compose/test, which starts a broker")
        }
        return brokers
    }

    public static func kafkaConfig(_ brokers: String) -> KafkaConfig {
        KafkaConfig(["bootstrap.servers": brokers, "allow.auto.create.topics": "false"])
    }

    /// The test suite's household id key file (a published test key and a former one): every intake the tests start
    /// uses it, and tests that work out a household's id load it (`HouseholdIDKeys.load(file:)`).
    public static var householdIdKeyFile: String { "\(root)/Tests/Fixtures/household-id.test-key" }

    /// The tests' token issuer: a key made for this test process, its JWKS document in a file every service started
    /// by the tests verifies against (`AUTH_JWKS_FILE`).
    public static let issuer: DevelopmentIssuer = {
        do {
            let issuer = try DevelopmentIssuer(issuer: "http://localhost/giamngheo-tests", audience: "giamngheo")
            try issuer.jwksJSON.write(toFile: jwksFile, atomically: true, encoding: .utf8)
            return issuer
        } catch {
            fatalError("cannot make the tests' token issuer: \(error)")
        }
    }()

    static let jwksFile = "\(NSTemporaryDirectory())giamngheo-tests-jwks-\(ProcessInfo.processInfo.processIdentifier).json"

    /// The environment that points a service at the tests' issuer.
    public static var authenticationEnvironment: [String: String] {
        _ = issuer
        return ["AUTH_JWKS_FILE": jwksFile, "AUTH_ISSUER": issuer.issuer, "AUTH_AUDIENCE": issuer.audience]
    }

    /// A token from the tests' issuer.
    public static func token(sub: String = "tests", roles: [Role], communes: [String] = [], provinces: [String] = []) -> String {
        let claims = AccessClaims(
            sub: sub, roles: roles.map(\.rawValue), communes: communes.isEmpty ? nil : communes, provinces: provinces.isEmpty ? nil : provinces)
        do {
            return try issuer.token(claims)
        } catch {
            fatalError("cannot sign a test token: \(error)")
        }
    }

    /// The token system tests use where they do not test access itself: every role but the chairman's (whose
    /// decisions tests make with ``chairmanToken(_:)``), in every province.
    public static let officeToken: String = token(
        sub: "system-tests", roles: [.provinceOfficer, .vbspOffice, .employmentCentre, .statisticsReader, .auditor, .operator],
        provinces: ((try? AreaRegistry.bundled().provinceNames.keys.sorted()) ?? []))

    /// A commune chairman's token, for recognition decisions.
    public static func chairmanToken(_ communes: String...) -> String {
        token(sub: "chairman-\(communes.joined(separator: "-"))", roles: [.chairman], communes: communes)
    }

    /// The debug build's executables folder.
    public static var binDirectory: String { "\(root)/.build/debug" }

    public static let logger: Logger = {
        var logger = Logger(label: "giamngheo.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A fresh, empty folder for one test's files.
    public static func temporaryDirectory(_ name: String) throws -> String {
        let path = "\(NSTemporaryDirectory())giamngheo-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A topic name no other test uses.
    public static func uniqueTopic(_ name: String) -> String { "test.\(name).\(UUID().uuidString.prefix(8))" }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes; the error names what was awaited.
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) waiting for \(what)") }
        try await Task.sleep(for: interval)
    }
}
