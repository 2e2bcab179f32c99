import Access
import Testing

/// Who may do what, as issue 16 gives it: a commune officer sees and changes their commune; a province officer their
/// province; a chairman records the decisions of their commune; a VBSP office reads the referrals of its province, an
/// employment centre the candidates of its province; a statistics reader reads counts of any area; an auditor reads
/// everything and changes nothing; an operator reaches the operations endpoints only. Written by hand, not from the
/// policy's table.
@Suite struct AccessPolicyTests {
    /// Needs in this order: householdRead, householdWrite, recognition, referralRead, candidateRead, aggregateRead,
    /// figureWrite, auditRead, operations, bankRecord, centreRecord. Y allowed, - refused; first for the caller's own area (commune 01843 of
    /// province 19), then for another (commune 02000 of province 20).
    static let matrix: [(Role, own: String, other: String)] = [
        (.communeOfficer, "YY-YYY-----", "-----Y-----"),
        (.provinceOfficer, "YY-YYYY----", "-----Y-----"),
        (.chairman, "Y-Y--Y-----", "-----Y-----"),
        (.vbspOffice, "---Y-Y---Y-", "-----Y-----"),
        (.employmentCentre, "----YY----Y", "-----Y-----"),
        (.statisticsReader, "-----Y-----", "-----Y-----"),
        (.auditor, "Y--YYY-Y---", "Y--YYY-Y---"),
        (.operator, "--------Y--", "--------Y--"),
    ]
    static let needs: [Need] = [.householdRead, .householdWrite, .recognition, .referralRead, .candidateRead, .aggregateRead, .figureWrite, .auditRead, .operations, .bankRecord, .centreRecord]
    static let own = RequestArea(commune: "01843", province: "19")
    static let other = RequestArea(commune: "02000", province: "20")

    static func principal(_ role: Role) -> Principal {
        switch role.scope {
        case .communes: Principal(subject: "u", roles: [role], communes: ["01843"])
        case .provinces: Principal(subject: "u", roles: [role], provinces: ["19"])
        case .everywhere: Principal(subject: "u", roles: [role])
        }
    }

    @Test(arguments: matrix)
    func everyRoleMeetsExactlyItsNeedsInItsAreas(_ row: (Role, own: String, other: String)) {
        let p = Self.principal(row.0)
        for (index, need) in Self.needs.enumerated() {
            for (area, expected) in [(Self.own, row.own), (Self.other, row.other)] {
                let allowed = Array(expected)[index] == "Y"
                let decision = AccessPolicy.decide(p, need, in: area)
                #expect((decision == .allowed) == allowed, "\(row.0.rawValue) \(need.rawValue) in \(area.commune ?? area.province): \(decision)")
            }
        }
    }

    @Test func aRefusalNamesTheScopeOrTheRoles() {
        let officer = Self.principal(.communeOfficer)
        #expect(AccessPolicy.decide(officer, .householdRead, in: Self.other) == .refused("commune 02000 is outside the areas the token gives (communes 01843)"))
        #expect(AccessPolicy.decide(Self.principal(.vbspOffice), .referralRead, in: Self.other) == .refused("province 20 is outside the areas the token gives (provinces 19)"))
        let reader = Self.principal(.statisticsReader)
        guard case .refused(let why) = AccessPolicy.decide(reader, .householdRead, in: Self.own) else { Issue.record("allowed"); return }
        #expect(why.hasPrefix("householdRead needs one of the roles") && why.contains("communeOfficer"))
        // A province-wide request is not a commune officer's, even for their own commune's province.
        #expect(AccessPolicy.decide(officer, .householdRead, in: RequestArea(province: "19")) != .allowed)
        #expect(AccessPolicy.visible(officer, .householdRead, commune: "01843", province: "19"))
        #expect(!AccessPolicy.visible(officer, .householdRead, commune: "01840", province: "19"))
    }

    @Test func claimsBecomeAPrincipalOrNameTheClaimAtFault() throws {
        let good = AccessClaims(sub: "cb-01843", roles: ["communeOfficer", "chairman"], communes: ["01843"])
        #expect(try good.principal() == Principal(subject: "cb-01843", roles: [.communeOfficer, .chairman], communes: ["01843"]))
        let cases: [(AccessClaims, String)] = [
            (AccessClaims(sub: "", roles: ["auditor"]), "sub"),
            (AccessClaims(sub: "x", roles: []), "roles"),
            (AccessClaims(sub: "x", roles: ["auditor", "admin"]), "roles[1]"),
            (AccessClaims(sub: "x", roles: ["communeOfficer"]), "communes"),
            (AccessClaims(sub: "x", roles: ["vbspOffice"], provinces: ["019"]), "provinces[0]"),
            (AccessClaims(sub: "x", roles: ["vbspOffice"]), "provinces"),
        ]
        for (claims, claim) in cases {
            do {
                _ = try claims.principal()
                Issue.record("accepted \(claims)")
            } catch {
                #expect(error.problems.contains { $0.claim == claim }, "\(error.problems)")
            }
        }
    }
}
