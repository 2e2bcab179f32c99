import Foundation
import TestSupport
import Testing

/// intake's API as documented in docs/openapi/intake.yaml, tested against the running service with schemathesis:
/// every operation, examples generated from the schemas (valid and invalid), and checked for no server error,
/// documented status codes, content types and response bodies that match their schemas.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct OpenAPIConformanceTests {
    @Test func intakeAnswersAsItsOpenAPIDocumentSays() async throws {
        let system = try RunningSystem(["intake"])
        defer { system.stop() }
        try await system.start()
        // Households to find, so the GETs reach more than their 404s.
        try await system.post(try RunningSystem.demo(20, seed: 3))

        let docs = "\(TestEnvironment.root)/docs/openapi"
        // schemathesis keeps its example database in its working directory: a temporary one, not the checkout.
        let workDir = try TestEnvironment.temporaryDirectory("schemathesis")
        let output: String
        do {
            output = try run([
                "/usr/bin/env", "-C", workDir, "\(TestEnvironment.root)/.deps/venv/bin/st", "--config-file", "\(docs)/schemathesis.toml",
                "run", "\(docs)/intake.yaml", "--url", system["intake"].baseURL, "--max-examples", "25", "--seed", "20261122",
                "--no-color",
            ])
        } catch {
            Issue.record("schemathesis found answers that differ from docs/openapi/intake.yaml:\n\(String(describing: error).suffix(6_000))")
            return
        }
        // Every documented operation ran in each phase (schemathesis prints "✅ N passed" per phase).
        let operations = try String(contentsOfFile: "\(docs)/intake.yaml", encoding: .utf8).components(separatedBy: "operationId:").count - 1
        #expect(operations >= 13)
        #expect(output.contains("\(operations) passed") && !output.contains("failed"), "\(output.suffix(2_000))")
    }
}
