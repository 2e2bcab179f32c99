import Access
import Authentication
import Foundation
import Testing

/// Bearer tokens: accepted with the claims that say who the caller is, or refused with the reason (RFC 7519's claims,
/// the issue's list: missing, expired, wrong issuer or audience, bad signature).
@Suite struct TokenVerifierTests {
    static let issuer = "http://localhost/giamngheo-dev"
    static let officer = AccessClaims(sub: "cb-01843", roles: ["communeOfficer"], communes: ["01843"])
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    func verifier(_ issuer: DevelopmentIssuer) async throws -> TokenVerifier {
        try await TokenVerifier(jwksJSON: issuer.jwksJSON, issuer: Self.issuer, audience: "giamngheo", now: { Self.now })
    }

    @Test func aTokenOfTheIssuerGivesItsPrincipal() async throws {
        let local = try DevelopmentIssuer(issuer: Self.issuer, audience: "giamngheo")
        let token = try local.token(Self.officer, now: Self.now.addingTimeInterval(-60))
        let result = await try verifier(local).principal(authorization: "Bearer \(token)")
        #expect(try result.get() == Principal(subject: "cb-01843", roles: [.communeOfficer], communes: ["01843"]))
        // The key survives a restart: the same PEM signs tokens the same JWKS verifies.
        let again = try DevelopmentIssuer(issuer: Self.issuer, audience: "giamngheo", privateKeyPEM: local.privateKeyPEM)
        #expect(again.jwksJSON == local.jwksJSON)
    }

    @Test func everyRefusalSaysWhy() async throws {
        let local = try DevelopmentIssuer(issuer: Self.issuer, audience: "giamngheo")
        let stranger = try DevelopmentIssuer(issuer: Self.issuer, audience: "giamngheo")  // same kid, another key
        let verifier = try await verifier(local)
        let hourAgo = Self.now.addingTimeInterval(-3_600)
        let cases: [(String?, String)] = [
            (nil, "Authorization header is missing"),
            ("Basic dXNlcjpwYXNz", "not a bearer token"),
            ("Bearer not.a.token", "malformed"),
            ("Bearer " + (try local.token(Self.officer, lifetime: 60, now: hourAgo)), "expired at"),
            ("Bearer " + (try local.token(Self.officer, now: Self.now.addingTimeInterval(600))), "not valid before"),
            ("Bearer " + (try local.token(Self.officer, now: hourAgo, issuer: "https://elsewhere")), "issuer (iss)"),
            ("Bearer " + (try local.token(Self.officer, now: hourAgo, audience: "another-system")), "audience (aud)"),
            ("Bearer " + (try stranger.token(Self.officer, now: hourAgo)), "signature does not verify"),
            ("Bearer " + (try local.token(AccessClaims(sub: "x", roles: ["superuser"]), now: hourAgo)), "roles[0]"),
        ]
        for (header, reason) in cases {
            let result = await verifier.principal(authorization: header)
            guard case .failure(let failure) = result else { Issue.record("accepted: \(reason)"); continue }
            #expect(failure.reason.contains(reason), "\(failure.reason)")
        }
    }
}
