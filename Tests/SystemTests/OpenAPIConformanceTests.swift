import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// The services' APIs as documented in docs/openapi, tested against the running services with schemathesis:
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
        try Self.conforms(system["intake"].baseURL, to: "intake.yaml", operations: 14)
    }

    /// reporting's API as documented in docs/openapi/reporting.yaml: reports, years, forms, figures and their files,
    /// groupings and the event stream.
    @Test func reportingAnswersAsItsOpenAPIDocumentSays() async throws {
        let system = try RunningSystem(["reporting"])
        defer { system.stop() }
        try await system.start()
        let reporting = system["reporting"].client()
        // Figures and a grouping to find, so the GETs reach more than their 404s.
        struct Denominator: Encodable { var version = 1; var households = 7_050; var source = "Cục Thống kê (synthetic)" }
        let figure = try await reporting.put(
            "/v1/denominators/01843/2026", json: Denominator(), headers: ["ce-source": "/statistics/thai-nguyen", "ce-id": "seed-1"])
        #expect(figure.status == 200, "\(figure.text)")
        struct Grouping: Encodable { var name = "Hai phường"; var communes = ["01843", "01840"]; var version = 1; var source = "test" }
        #expect(try await reporting.put("/v1/groupings/G-TEST", json: Grouping()).status == 201)
        try Self.conforms(system["reporting"].baseURL, to: "reporting.yaml", operations: 20)
    }

    /// Runs schemathesis on `spec` against `url` and records what it found; `operations` is the fewest the document
    /// should have, so that a document emptied by mistake does not pass.
    static func conforms(_ url: String, to spec: String, operations atLeast: Int) throws {
        let docs = "\(TestEnvironment.root)/docs/openapi"
        // schemathesis keeps its example database in its working directory: a temporary one, not the checkout.
        let workDir = try TestEnvironment.temporaryDirectory("schemathesis")
        let output: String
        do {
            output = try run([
                "/usr/bin/env", "-C", workDir, "\(TestEnvironment.root)/.deps/venv/bin/st", "--config-file", "\(docs)/schemathesis.toml",
                "run", "\(docs)/\(spec)", "--url", url, "--max-examples", "25", "--seed", "20261122", "--no-color",
                "--header", "Authorization: Bearer \(TestEnvironment.officeToken)",
            ])
        } catch {
            Issue.record("schemathesis found answers that differ from docs/openapi/\(spec):\n\(String(describing: error).suffix(6_000))")
            return
        }
        // Every documented operation ran in a phase (schemathesis prints "✅ N passed" per phase), and no test case
        // failed (its summary: "N generated, N passed", with ", M failed" when some did).
        let operations = try String(contentsOfFile: "\(docs)/\(spec)", encoding: .utf8).components(separatedBy: "operationId:").count - 1
        #expect(operations >= atLeast)
        let summary = output.split(separator: "\n").first { $0.contains(" generated, ") } ?? ""
        #expect(output.contains("\(operations) passed") && summary.contains("passed") && !summary.contains("failed"), "\(output.suffix(2_000))")
    }
}
