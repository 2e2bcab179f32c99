/// Who may see and change what (issue 16): the roles of the programme's users, the areas a token gives them, and what
/// each kind of endpoint needs. Pure: the HTTP edge verifies the token, builds a ``Principal`` from its claims, and
/// asks ``AccessPolicy/decide(_:_:in:)`` for every request.

/// A user's role, as the token's `roles` claim names it.
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Enters and corrects the reviews of its communes.
    case communeOfficer
    /// Follows and corrects the reviews of its province, and loads its figures.
    case provinceOfficer
    /// The commune chairman: records the recognition decisions of its communes.
    case chairman
    /// A VBSP office: the referrals of its province.
    case vbspOffice
    /// An employment service centre: the candidates of its province.
    case employmentCentre
    /// A statistics office or a dashboard: counts of any area, no personal data.
    case statisticsReader
    /// Reads everything, the access log included; changes nothing.
    case auditor
    /// Runs the services: operations endpoints only, no personal data.
    case `operator`

    /// The scope a role's areas are given in.
    public var scope: Scope {
        switch self {
        case .communeOfficer, .chairman: .communes
        case .provinceOfficer, .vbspOffice, .employmentCentre: .provinces
        case .statisticsReader, .auditor, .operator: .everywhere
        }
    }

    public enum Scope: Sendable { case communes, provinces, everywhere }
}

/// The caller of a request, from a verified token.
public struct Principal: Sendable, Hashable {
    /// The token's `sub`: who, for the access log.
    public var subject: String
    public var roles: Set<Role>
    /// Today's commune codes (5 digits) and province codes (2 digits) the roles are given for.
    public var communes: Set<String>
    public var provinces: Set<String>

    public init(subject: String, roles: Set<Role>, communes: Set<String> = [], provinces: Set<String> = []) {
        self.subject = subject
        self.roles = roles
        self.communes = communes
        self.provinces = provinces
    }
}

/// What an endpoint needs of its caller.
public enum Need: String, Sendable, Hashable, CaseIterable {
    /// A household's record with names, CCCD numbers or birth dates.
    case householdRead
    /// A survey, a correction or an import.
    case householdWrite
    /// A commune's recognition decision.
    case recognition
    /// Loan referrals with the head's identity.
    case referralRead
    /// Training and job candidates with the member's identity.
    case candidateRead
    /// Counts only: reports, forms, the dashboard's data.
    case aggregateRead
    /// Denominators, targets, baselines, groupings.
    case figureWrite
    /// A VBSP office's records about its loans (`giamngheo.vbsp.loan-event.v1` and its HTTP twin).
    case bankRecord
    /// An employment centre's courses, vacancies and placement outcomes (their topics and HTTP twins).
    case centreRecord
    /// The access log.
    case auditRead
    /// Readiness, metrics, rebuilds, shadow runs.
    case operations
}

/// The area a request concerns: a commune (with its province) or a province; nil for requests about no one area.
public struct RequestArea: Sendable, Hashable {
    public var commune: String?
    public var province: String

    public init(commune: String? = nil, province: String) {
        self.commune = commune
        self.province = province
    }
}

/// The answer to a request: allowed, or refused with the reason to tell the caller (naming the role or the scope).
public enum Decision: Sendable, Hashable {
    case allowed
    case refused(String)
}

public enum AccessPolicy {
    /// The roles that may meet each need (each still within its areas, unless it is given everywhere).
    public static let roles: [Need: Set<Role>] = [
        .householdRead: [.communeOfficer, .provinceOfficer, .chairman, .auditor],
        .householdWrite: [.communeOfficer, .provinceOfficer],
        .recognition: [.chairman],
        .referralRead: [.vbspOffice, .communeOfficer, .provinceOfficer, .auditor],
        .candidateRead: [.employmentCentre, .communeOfficer, .provinceOfficer, .auditor],
        .aggregateRead: [.communeOfficer, .provinceOfficer, .chairman, .vbspOffice, .employmentCentre, .statisticsReader, .auditor],
        .figureWrite: [.provinceOfficer],
        .bankRecord: [.vbspOffice],
        .centreRecord: [.employmentCentre],
        .auditRead: [.auditor],
        .operations: [.operator],
    ]

    /// Needs whose data carries no person, open to a permitted role in any area.
    static let anyArea: Set<Need> = [.aggregateRead, .operations]

    /// Whether `principal` may meet `need` for `area` (nil: the request names no area, and a list must keep to the
    /// caller's areas, ``visible(_:_:commune:province:)``).
    public static func decide(_ principal: Principal, _ need: Need, in area: RequestArea?) -> Decision {
        let permitted = principal.roles.intersection(roles[need] ?? [])
        guard !permitted.isEmpty else {
            let allowed = (roles[need] ?? []).map(\.rawValue).sorted().joined(separator: ", ")
            return .refused("\(need.rawValue) needs one of the roles \(allowed)")
        }
        guard let area, !anyArea.contains(need) else { return .allowed }
        if permitted.contains(where: { covers($0, principal, area) }) { return .allowed }
        // Named as the caller's roles see it: a province-wide role is refused a province, a commune role a commune.
        let byProvince = permitted.allSatisfy { $0.scope == .provinces }
        let place = area.commune.flatMap { byProvince ? nil : "commune \($0)" } ?? "province \(area.province)"
        return .refused("\(place) is outside the areas the token gives (\(scopeText(principal)))")
    }

    /// For list endpoints: whether a row of `commune` in `province` may be shown to `principal` under `need`.
    public static func visible(_ principal: Principal, _ need: Need, commune: String?, province: String) -> Bool {
        decide(principal, need, in: RequestArea(commune: commune, province: province)) == .allowed
    }

    static func covers(_ role: Role, _ p: Principal, _ area: RequestArea) -> Bool {
        switch role.scope {
        case .everywhere: true
        case .provinces: p.provinces.contains(area.province)
        case .communes: area.commune.map(p.communes.contains) ?? false
        }
    }

    static func scopeText(_ p: Principal) -> String {
        let parts = (p.communes.isEmpty ? [] : ["communes " + p.communes.sorted().joined(separator: ", ")])
            + (p.provinces.isEmpty ? [] : ["provinces " + p.provinces.sorted().joined(separator: ", ")])
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}

/// A token's claims that say who the caller is: `sub`, `roles`, `communes`, `provinces`.
public struct AccessClaims: Codable, Sendable, Hashable {
    public var sub: String
    public var roles: [String]
    public var communes: [String]?
    public var provinces: [String]?

    public init(sub: String, roles: [String], communes: [String]? = nil, provinces: [String]? = nil) {
        self.sub = sub
        self.roles = roles
        self.communes = communes
        self.provinces = provinces
    }

    /// A claim at fault, named, with the reason (the value is not echoed when it could be personal).
    public struct Problem: Error, Sendable, Hashable {
        public var claim: String
        public var reason: String
    }

    /// Every claim at fault.
    public struct Problems: Error, Sendable, Hashable {
        public var problems: [Problem]
    }

    /// The principal these claims describe, or every claim at fault.
    public func principal() throws(Problems) -> Principal {
        var problems: [Problem] = []
        if sub.isEmpty { problems.append(Problem(claim: "sub", reason: "is empty")) }
        var known: Set<Role> = []
        for (index, name) in roles.enumerated() {
            if let role = Role(rawValue: name) { known.insert(role) } else {
                problems.append(Problem(claim: "roles[\(index)]", reason: "'\(name.prefix(40))' is not a role; the roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        if roles.isEmpty { problems.append(Problem(claim: "roles", reason: "names no role")) }
        let communes = communes ?? [], provinces = provinces ?? []
        for (index, code) in communes.enumerated() where !Self.isCode(code, digits: 5) {
            problems.append(Problem(claim: "communes[\(index)]", reason: "is not a commune code (5 digits)"))
        }
        for (index, code) in provinces.enumerated() where !Self.isCode(code, digits: 2) {
            problems.append(Problem(claim: "provinces[\(index)]", reason: "is not a province code (2 digits)"))
        }
        for role in known {
            if role.scope == .communes && communes.isEmpty {
                problems.append(Problem(claim: "communes", reason: "role \(role.rawValue) is given for communes, and none is named"))
            }
            if role.scope == .provinces && provinces.isEmpty {
                problems.append(Problem(claim: "provinces", reason: "role \(role.rawValue) is given for provinces, and none is named"))
            }
        }
        guard problems.isEmpty else { throw Problems(problems: problems) }
        return Principal(subject: sub, roles: known, communes: Set(communes), provinces: Set(provinces))
    }

    static func isCode(_ text: String, digits: Int) -> Bool {
        text.utf8.count == digits && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
