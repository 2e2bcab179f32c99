import Authentication
import EventContracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a service finds the keys it verifies tokens with, and what their `iss` and `aud` must be: `AUTH_JWKS_FILE`
/// (a JWKS document) or `AUTH_JWKS_URL` (fetched once at start), `AUTH_ISSUER`, and `AUTH_AUDIENCE` (default
/// `giamngheo`). A service without them does not start: no endpoint is ever open by omission.
public struct AuthenticationSettings: Sendable {
    public var jwksFile: String?
    public var jwksURL: String?
    public var issuer: String
    public var audience: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        jwksFile = value("AUTH_JWKS_FILE")
        jwksURL = value("AUTH_JWKS_URL")
        guard jwksFile != nil || jwksURL != nil else {
            throw FieldError("AUTH_JWKS_FILE", "is not set (nor AUTH_JWKS_URL): the service verifies every request's token against its issuer's keys (docs/security.md)")
        }
        guard let issuer = value("AUTH_ISSUER") else {
            throw FieldError("AUTH_ISSUER", "is not set: the issuer (iss) tokens must name (docs/security.md)")
        }
        self.issuer = issuer
        audience = value("AUTH_AUDIENCE") ?? "giamngheo"
    }

    public var keySource: String { jwksFile ?? jwksURL ?? "" }

    /// The verifier for these settings, with the keys read now.
    public func verifier() async throws -> TokenVerifier {
        let document: String
        if let jwksFile {
            do {
                document = try String(contentsOfFile: jwksFile, encoding: .utf8)
            } catch {
                throw FieldError("AUTH_JWKS_FILE", "cannot be read (\(jwksFile)): \(error.localizedDescription)")
            }
        } else {
            guard let url = jwksURL.flatMap(URL.init(string:)) else { throw FieldError("AUTH_JWKS_URL", "is not a URL") }
            let (data, response) = try await URLSession.shared.data(from: url)
            guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                throw FieldError("AUTH_JWKS_URL", "answered \((response as? HTTPURLResponse)?.statusCode ?? 0), not 200")
            }
            document = String(decoding: data, as: UTF8.self)
        }
        do {
            return try await TokenVerifier(jwksJSON: document, issuer: issuer, audience: audience)
        } catch {
            throw FieldError(jwksFile != nil ? "AUTH_JWKS_FILE" : "AUTH_JWKS_URL", "is not a JWKS document of RS256 or ES256 keys: \(error)")
        }
    }
}
