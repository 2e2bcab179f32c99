import Access
import ArgumentParser
import Authentication
import Foundation

/// `giamngheo-admin token`: a development token from the local issuer that `compose/up` configures (its key and JWKS
/// document in `--issuer-dir`, made on first use).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Mint a development bearer token from the local issuer (not for production).")

    @Option(help: "Folder of the local issuer's key (key.pem) and JWKS document (jwks.json).")
    var issuerDir = ".data/issuer"
    @Option(help: "The issuer (iss) the services are configured with.")
    var issuer = Self.developmentIssuer
    @Option(help: "The audience (aud).")
    var audience = Self.developmentAudience
    @Option(help: "Who the token is for (sub).")
    var sub = "developer"
    @Option(name: .customLong("role"), help: "A role (repeatable): \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
    var roles: [String] = []
    @Option(name: .customLong("commune"), help: "A commune code the roles are given for (repeatable).")
    var communes: [String] = []
    @Option(name: .customLong("province"), help: "A province code the roles are given for (repeatable).")
    var provinces: [String] = []
    @Option(help: "Hours the token is valid.")
    var hours: Double = 8

    func run() async throws {
        let claims = AccessClaims(sub: sub, roles: roles, communes: communes.isEmpty ? nil : communes, provinces: provinces.isEmpty ? nil : provinces)
        do { _ = try claims.principal() } catch {
            throw ValidationError(error.problems.map { "\($0.claim): \($0.reason)" }.joined(separator: "\n"))
        }
        let issuer = try Self.localIssuer(in: issuerDir, issuer: issuer, audience: audience)
        print(try issuer.token(claims, lifetime: hours * 3_600))
    }

    /// What `compose/up` configures the services with (`AUTH_ISSUER`, `AUTH_AUDIENCE`).
    static let developmentIssuer = "http://localhost/giamngheo-dev"
    static let developmentAudience = "giamngheo"

    /// The local issuer kept in `dir`, made there on first use (the key readable by its owner only).
    static func localIssuer(in dir: String, issuer: String, audience: String) throws -> DevelopmentIssuer {
        let keyPath = "\(dir)/key.pem"
        if let pem = try? String(contentsOfFile: keyPath, encoding: .utf8) {
            return try DevelopmentIssuer(issuer: issuer, audience: audience, privateKeyPEM: pem)
        }
        let made = try DevelopmentIssuer(issuer: issuer, audience: audience)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: keyPath, contents: Data(made.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600])
        try made.jwksJSON.write(toFile: "\(dir)/jwks.json", atomically: true, encoding: .utf8)
        return made
    }
}
