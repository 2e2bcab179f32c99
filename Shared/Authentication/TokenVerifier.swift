import Access
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

/// A local token issuer for development and tests: an ES256 key, its JWKS document, and tokens it signs.
public struct DevelopmentIssuer: Sendable {
    public let issuer: String
    public let audience: String
    public let kid: String
    let key: ES256PrivateKey

    /// A new key, or the one in `privateKeyPEM`.
    public init(issuer: String, audience: String, kid: String = "dev-1", privateKeyPEM: String? = nil) throws {
        (self.issuer, self.audience, self.kid) = (issuer, audience, kid)
        key = try privateKeyPEM.map { try ES256PrivateKey(pem: $0) } ?? ES256PrivateKey()
    }

    public var privateKeyPEM: String { key.pemRepresentation }

    /// The JWKS document the services verify against.
    public var jwksJSON: String {
        let (x, y) = key.publicKey.parameters ?? ("", "")
        return #"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(x)","y":"\#(y)"}]}"#
    }

    /// A signed token for `claims`, valid from `now` for `lifetime`.
    public func token(_ claims: AccessClaims, lifetime: TimeInterval = 8 * 3600, now: Date = Date(), issuer: String? = nil, audience: String? = nil)
        async throws -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(ecdsa: key, kid: JWKIdentifier(string: kid))
        let token = AccessToken(
            iss: IssuerClaim(value: issuer ?? self.issuer), aud: AudienceClaim(value: [audience ?? self.audience]), sub: SubjectClaim(value: claims.sub),
            exp: ExpirationClaim(value: now.addingTimeInterval(lifetime)), nbf: NotBeforeClaim(value: now), roles: claims.roles,
            communes: claims.communes, provinces: claims.provinces)
        return try await keys.sign(token, kid: JWKIdentifier(string: kid))
    }
}
