import Access
import ArgumentParser
import Authentication
import Foundation

/// The bearer token the admin tool sends to the services' APIs: `--token` (or env `GIAMNGHEO_TOKEN`), else, on a
/// development machine, one minted for the task from the local issuer in `--issuer-dir` (which `compose/up` sets up).
struct AdminAuth: ParsableArguments {
    @Option(help: "Bearer token for the services' APIs (env GIAMNGHEO_TOKEN).")
    var token: String?
    @Option(help: "Without a token: the local development issuer's folder to mint one from.")
    var issuerDir = ".data/issuer"

    /// The token to send, or nil when there is none to give (the services will answer 401, saying why).
    func bearer(roles: [Role], communes: [String] = [], provinces: [String] = []) throws -> String? {
        if let given = token ?? ProcessInfo.processInfo.environment["GIAMNGHEO_TOKEN"].flatMap({ $0.isEmpty ? nil : $0 }) { return given }
        guard FileManager.default.fileExists(atPath: "\(issuerDir)/key.pem") else { return nil }
        let issuer = try TokenCommand.localIssuer(in: issuerDir, issuer: TokenCommand.developmentIssuer, audience: TokenCommand.developmentAudience)
        let claims = AccessClaims(
            sub: "giamngheo-admin", roles: roles.map(\.rawValue), communes: communes.isEmpty ? nil : communes,
            provinces: provinces.isEmpty ? nil : provinces)
        return try issuer.token(claims, lifetime: 3_600)
    }
}
