import Access
import Foundation
import Hummingbird
import ServiceRuntime

/// The dashboard: static files (`Resources/dashboard`) read once at start and served from memory, with headers that
/// keep it to its own origin. It draws everything from the JSON routes and `/v1/report-events`; no external CDN.
struct DashboardRoutes: Sendable {
    struct File: Sendable {
        var contentType: String
        var bytes: ByteBuffer
    }
    let files: [String: File]

    static let contentTypes = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "ico": "image/x-icon", "json": "application/json",
    ]
    /// Scripts, styles, data and frames only from the service itself.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPFields.Element.Name("X-Content-Type-Options")!: "nosniff",
        HTTPFields.Element.Name("Referrer-Policy")!: "no-referrer",
    ]

    /// Reads the dashboard's files; a missing folder is a build fault and stops the service.
    init() throws {
        guard let folder = Bundle.module.url(forResource: "dashboard", withExtension: nil, subdirectory: "Resources") else {
            throw DashboardMissing()
        }
        var files: [String: File] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            guard let type = Self.contentTypes[(name as NSString).pathExtension] else { continue }
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            files[name] = File(contentType: type, bytes: ByteBuffer(bytes: data))
        }
        guard files["index.html"] != nil else { throw DashboardMissing() }
        self.files = files
    }

    struct DashboardMissing: Error, CustomStringConvertible {
        var description: String { "the dashboard's files (Resources/dashboard/index.html) are missing from the build" }
    }

    func register(on router: SecuredRouter) {
        router.router.get("/") { _, _ in serve("index.html") }
        router.router.get("/dashboard/:file") { _, context in serve(context.parameters.get("file") ?? "") }
    }

    private func serve(_ name: String) -> Response {
        guard let file = files[name] else {
            return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "not found\n")))
        }
        var headers = Self.securityHeaders
        headers[.contentType] = file.contentType
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: file.bytes))
    }
}
