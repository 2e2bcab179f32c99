import Access
import Crypto
import Foundation
import JWTKit

/// The claims a service reads from a bearer token: the standard ones it checks itself, naming each, and the access
/// claims (``AccessClaims``).
struct AccessToken: JWTPayload {
    var iss: IssuerClaim
    var aud: AudienceClaim
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var roles: [String]
    var communes: [String]?
    var provinces: [String]?

    /// Nothing here: ``TokenVerifier`` checks the claims after the signature, so that each refusal says which.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Why a request's token was not accepted (answered 401 with this reason; the token itself is never echoed).
public struct AuthenticationFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Verifies bearer JWTs against an issuer's keys (a JWKS document: RS256 or ES256 keys with their `kid`), and turns
/// their claims into a ``Principal``.
public struct TokenVerifier: Sendable {
    let keys: JWTKeyCollection
    public let issuer: String
    public let audience: String
    let now: @Sendable () -> Date

    public init(jwksJSON: String, issuer: String, audience: String, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        keys = JWTKeyCollection()
        try await keys.add(jwksJSON: jwksJSON)
        self.issuer = issuer
        self.audience = audience
        self.now = now
    }

    /// The caller of a request with this `Authorization` header, or why not.
    public func principal(authorization: String?) async -> Result<Principal, AuthenticationFailure> {
        guard let authorization, !authorization.isEmpty else {
            return .failure(AuthenticationFailure("the Authorization header is missing: send 'Bearer <token>'"))
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .failure(AuthenticationFailure("the Authorization header is not a bearer token ('Bearer <token>')"))
        }
        let token: AccessToken
        do {
            token = try await keys.verify(String(parts[1]), as: AccessToken.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .unknownKID, .missingKIDHeader: return .failure(AuthenticationFailure("the token is signed with a key this service does not know (kid)"))
            case .signatureVerificationFailed: return .failure(AuthenticationFailure("the token's signature does not verify"))
            case .malformedToken: return .failure(AuthenticationFailure("the token is malformed"))
            default: return .failure(AuthenticationFailure("the token cannot be verified"))
            }
        } catch {
            return .failure(AuthenticationFailure("the token's claims cannot be read"))
        }
        let now = now()
        if token.exp.value <= now { return .failure(AuthenticationFailure("the token expired at \(Self.time(token.exp.value))")) }
        if let nbf = token.nbf, nbf.value > now { return .failure(AuthenticationFailure("the token is not valid before \(Self.time(nbf.value))")) }
        if token.iss.value != issuer { return .failure(AuthenticationFailure("the token's issuer (iss) is not \(issuer)")) }
        if !token.aud.value.contains(audience) { return .failure(AuthenticationFailure("the token's audience (aud) does not include \(audience)")) }
        do {
            return .success(try AccessClaims(sub: token.sub.value, roles: token.roles, communes: token.communes, provinces: token.provinces).principal())
        } catch {
            let first = error.problems.map { "\($0.claim): \($0.reason)" }.joined(separator: "; ")
            return .failure(AuthenticationFailure("the token's claims do not say who the caller is: \(first)"))
        }
    }

    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// A local token issuer for development and tests: an ES256 key, its JWKS document, and tokens it signs. Signs with
/// swift-crypto directly (synchronously, so tests and tools can mint tokens anywhere); the services verify with
/// jwt-kit, so every test with a token also checks one implementation against the other.
public struct DevelopmentIssuer: Sendable {
    public let issuer: String
    public let audience: String
    public let kid: String
    let key: P256.Signing.PrivateKey

    /// A new key, or the one in `privateKeyPEM`.
    public init(issuer: String, audience: String, kid: String = "dev-1", privateKeyPEM: String? = nil) throws {
        (self.issuer, self.audience, self.kid) = (issuer, audience, kid)
        key = try privateKeyPEM.map { try P256.Signing.PrivateKey(pemRepresentation: $0) } ?? P256.Signing.PrivateKey()
    }

    public var privateKeyPEM: String { key.pemRepresentation }

    /// The JWKS document the services verify against.
    public var jwksJSON: String {
        let raw = key.publicKey.rawRepresentation  // x ‖ y, 32 bytes each
        let (x, y) = (Self.base64URL(raw.prefix(32)), Self.base64URL(raw.suffix(32)))
        return #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}]}"#
    }

    struct Header: Encodable {
        var alg = "ES256"
        var typ = "JWT"
        var kid: String
    }

    struct Claims: Encodable {
        var iss: String
        var aud: [String]
        var sub: String
        var exp: Int
        var nbf: Int
        var roles: [String]
        var communes: [String]?
        var provinces: [String]?
    }

    /// A signed token for `claims`, valid from `now` for `lifetime`.
    public func token(_ claims: AccessClaims, lifetime: TimeInterval = 8 * 3600, now: Date = Date(), issuer: String? = nil, audience: String? = nil)
        throws -> String
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = Claims(
            iss: issuer ?? self.issuer, aud: [audience ?? self.audience], sub: claims.sub, exp: Int(now.addingTimeInterval(lifetime).timeIntervalSince1970),
            nbf: Int(now.timeIntervalSince1970), roles: claims.roles, communes: claims.communes, provinces: claims.provinces)
        let input = Self.base64URL(try encoder.encode(Header(kid: kid))) + "." + Self.base64URL(try encoder.encode(body))
        let signature = try key.signature(for: Data(input.utf8)).rawRepresentation  // r ‖ s, as JWS wants
        return input + "." + Self.base64URL(signature)
    }

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
