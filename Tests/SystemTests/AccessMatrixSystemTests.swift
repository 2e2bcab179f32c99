import Access
import Areas
import Authentication
import Eligibility
import EventContracts
import Foundation
import Intake
import LoanReferral
import Reporting
import ServiceRuntime
import TestSupport
import Testing
import TrainingMatch

/// Who may call what, over the five real services (issue 16): every endpoint of every service with a token of every
/// role, given for commune A (01843, province 19) or its province, against households and areas of A and of B (a
/// commune of province 20); and with no token or a forged one. The expected answers are written by hand from the roles
/// as the issue gives them (docs/security.md), not from the services' access tables: those only say which endpoints
/// there are, so that a new endpoint without a row here fails the test.
extension SystemTests {
    /// Roles by letter: c communeOfficer, p provinceOfficer, h chairman, v vbspOffice, e employmentCentre,
    /// s statisticsReader, a auditor, o operator.
    static let roleLetters: [Character: Role] = [
        "c": .communeOfficer, "p": .provinceOfficer, "h": .chairman, "v": .vbspOffice, "e": .employmentCentre,
        "s": .statisticsReader, "a": .auditor, "o": .operator,
    ]
    static let readers = "cphvesa"

    /// One request and the roles that may make it (letters); every other role gets 403, no token 401.
    struct Row: Sendable, CustomStringConvertible {
        var service: String
        var method: String
        /// The endpoint as its table names it, for the coverage check.
        var endpoint: String
        /// The request's path, with `{A}` / `{B}` for the household ids of communes A and B.
        var path: String
        var allowed: String
        var body: String? = nil
        var contentType = "application/json"
        var description: String { "\(method) \(path) (\(service))" }
    }

    static let matrix: [Row] = [
        // intake
        Row(service: "intake", method: "POST", endpoint: "/v1/households", path: "/v1/households", allowed: "cp", body: "{A-survey}"),
        Row(service: "intake", method: "POST", endpoint: "/v1/households", path: "/v1/households", allowed: "", body: "{B-survey}"),
        Row(service: "intake", method: "POST", endpoint: "/v1/household-batches", path: "/v1/household-batches", allowed: "cp", body: "[]"),
        Row(service: "intake", method: "POST", endpoint: "/v1/household-imports", path: "/v1/household-imports", allowed: "cp", body: "", contentType: "text/csv"),
        Row(service: "intake", method: "GET", endpoint: "/v1/household-imports/:id", path: "/v1/household-imports/00000000-0000-0000-0000-000000000000", allowed: "cp"),
        Row(service: "intake", method: "GET", endpoint: "/v1/households/:id", path: "/v1/households/{A}", allowed: "cpha"),
        Row(service: "intake", method: "GET", endpoint: "/v1/households/:id", path: "/v1/households/{B}", allowed: "a"),
        Row(service: "intake", method: "GET", endpoint: "/v1/households/:id/versions", path: "/v1/households/{A}/versions", allowed: "cpha"),
        Row(service: "intake", method: "GET", endpoint: "/v1/households/:id/versions", path: "/v1/households/{B}/versions", allowed: "a"),
        Row(service: "intake", method: "GET", endpoint: "/v1/review-rounds", path: "/v1/review-rounds", allowed: readers),
        Row(service: "intake", method: "GET", endpoint: "/v1/audit", path: "/v1/audit?limit=1", allowed: "a"),
        Row(service: "intake", method: "GET", endpoint: "/v1/review-rounds/:roundId", path: "/v1/review-rounds/2025-periodic", allowed: readers),
        Row(service: "intake", method: "GET", endpoint: "/v1/review-rounds/:roundId/communes/:communeCode", path: "/v1/review-rounds/2025-periodic/communes/01843", allowed: readers),
        Row(service: "intake", method: "POST", endpoint: "/v1/review-rounds/:roundId/communes/:communeCode/recognition",
            path: "/v1/review-rounds/2025-periodic/communes/01843/recognition", allowed: "h", body: "{}"),
        Row(service: "intake", method: "POST", endpoint: "/v1/review-rounds/:roundId/communes/:communeCode/recognition",
            path: "/v1/review-rounds/2025-periodic/communes/{B-commune}/recognition", allowed: "", body: "{}"),
        // eligibility
        Row(service: "eligibility", method: "GET", endpoint: "/v1/households/:id/classification", path: "/v1/households/{A}/classification", allowed: "cpha"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/households/:id/classification", path: "/v1/households/{B}/classification", allowed: "a"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/standards", path: "/v1/standards", allowed: readers),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/reclassifications", path: "/v1/reclassifications", allowed: "o"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/reclassifications/:jobId", path: "/v1/reclassifications/none", allowed: "o"),
        Row(service: "eligibility", method: "POST", endpoint: "/v1/reclassifications", path: "/v1/reclassifications", allowed: "o", body: "not json"),
        Row(service: "eligibility", method: "POST", endpoint: "/v1/shadow-runs", path: "/v1/shadow-runs", allowed: "o", body: "not json"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs", path: "/v1/shadow-runs", allowed: "o"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs/:runId", path: "/v1/shadow-runs/none", allowed: "o"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs/:runId/areas/:areaCode", path: "/v1/shadow-runs/none/areas/20", allowed: readers),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs/:runId/areas/:areaCode/households",
            path: "/v1/shadow-runs/none/areas/01843/households", allowed: "cpha"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs/:runId/areas/:areaCode/households",
            path: "/v1/shadow-runs/none/areas/19/households", allowed: "pa"),
        Row(service: "eligibility", method: "GET", endpoint: "/v1/shadow-runs/:runId/areas/:areaCode/households",
            path: "/v1/shadow-runs/none/areas/{B-commune}/households", allowed: "a"),
        // loan-referral
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/households/:id/referrals", path: "/v1/households/{A}/referrals", allowed: "cpva"),
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/households/:id/referrals", path: "/v1/households/{B}/referrals", allowed: "a"),
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/programmes", path: "/v1/programmes", allowed: readers),
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/referral-lists/:communeCode", path: "/v1/referral-lists/01843?round=2025-periodic", allowed: "cpva"),
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/referral-lists/:communeCode", path: "/v1/referral-lists/{B-commune}?round=2025-periodic", allowed: "a"),
        Row(service: "loan-referral", method: "POST", endpoint: "/v1/loan-events", path: "/v1/loan-events", allowed: "v", body: "{}"),
        Row(service: "loan-referral", method: "GET", endpoint: "/v1/loan-events", path: "/v1/loan-events", allowed: "v"),
        // training-match
        Row(service: "training-match", method: "POST", endpoint: "/v1/courses", path: "/v1/courses", allowed: "e", body: "{}"),
        Row(service: "training-match", method: "POST", endpoint: "/v1/vacancies", path: "/v1/vacancies", allowed: "e", body: "{}"),
        Row(service: "training-match", method: "DELETE", endpoint: "/v1/courses/:id", path: "/v1/courses/none", allowed: "e"),
        Row(service: "training-match", method: "DELETE", endpoint: "/v1/vacancies/:id", path: "/v1/vacancies/none", allowed: "e"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/catalogue-events", path: "/v1/catalogue-events", allowed: "e"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/courses", path: "/v1/courses", allowed: readers),
        Row(service: "training-match", method: "GET", endpoint: "/v1/vacancies", path: "/v1/vacancies", allowed: readers),
        Row(service: "training-match", method: "POST", endpoint: "/v1/placement-events", path: "/v1/placement-events", allowed: "e", body: "{}"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/placement-events", path: "/v1/placement-events", allowed: "e"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/households/:id/matches", path: "/v1/households/{A}/matches", allowed: "cpea"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/households/:id/matches", path: "/v1/households/{B}/matches", allowed: "a"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/courses/:id/candidates", path: "/v1/courses/none/candidates", allowed: "cpea"),
        Row(service: "training-match", method: "GET", endpoint: "/v1/vacancies/:id/candidates", path: "/v1/vacancies/none/candidates", allowed: "cpea"),
        // reporting
        Row(service: "reporting", method: "GET", endpoint: "/v1/reports", path: "/v1/reports", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/reports/:areaCode", path: "/v1/reports/20", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/reports/:areaCode/years/:year", path: "/v1/reports/20/years/2025", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/reports/:areaCode/forms/:form", path: "/v1/reports/20/forms/changes?year=2025&format=csv", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/report-events", path: "/v1/report-events", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/area-figures/:areaCode", path: "/v1/area-figures/20", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/groupings", path: "/v1/groupings", allowed: readers),
        Row(service: "reporting", method: "GET", endpoint: "/v1/groupings/:code", path: "/v1/groupings/G-NONE", allowed: readers),
        Row(service: "reporting", method: "PUT", endpoint: "/v1/groupings/:code", path: "/v1/groupings/G-NONE", allowed: "p", body: "{}"),
        Row(service: "reporting", method: "DELETE", endpoint: "/v1/groupings/:code", path: "/v1/groupings/G-NONE", allowed: "p"),
        Row(service: "reporting", method: "POST", endpoint: "/v1/area-figures/import", path: "/v1/area-figures/import", allowed: "p", body: "", contentType: "text/csv"),
        Row(service: "reporting", method: "GET", endpoint: "/v1/area-figure-events", path: "/v1/area-figure-events", allowed: "p"),
    ] + ["denominators", "targets", "baselines"].flatMap { kind in
        ["PUT", "DELETE"].flatMap { method in
            [("19", "p"), ("01843", "p"), ("20", "")].map { area, allowed in
                Row(service: "reporting", method: method, endpoint: "/v1/\(kind)/:areaCode/:year", path: "/v1/\(kind)/\(area)/2026", allowed: allowed,
                    body: method == "PUT" ? "{}" : nil)
            }
        }
    }

    static func token(for role: Role) -> String {
        switch role.scope {
        case .communes: TestEnvironment.token(sub: "matrix-\(role.rawValue)", roles: [role], communes: ["01843"])
        case .provinces: TestEnvironment.token(sub: "matrix-\(role.rawValue)", roles: [role], provinces: ["19"])
        case .everywhere: TestEnvironment.token(sub: "matrix-\(role.rawValue)", roles: [role])
        }
    }

    @Test func everyEndpointAnswersEachRoleAsTheRolesAreGiven() async throws {
        // Every endpoint of the five services has rows here.
        let tables = [IntakeAccess.table, EligibilityAccess.table, LoanAccess.table, TrainingAccess.table, ReportingAccess.table]
        let served = Set(tables.flatMap { table in table.endpoints.map { "\(table.service) \($0.method.rawValue) \($0.path)" } })
        let covered = Set(Self.matrix.map { "\($0.service) \($0.method) \($0.endpoint)" })
        #expect(served.subtracting(covered).isEmpty, "endpoints without rows: \(served.subtracting(covered).sorted())")
        #expect(covered.subtracting(served).isEmpty, "rows for no endpoint: \(covered.subtracting(served).sorted())")

        let system = try RunningSystem()
        defer { system.stop() }
        try await system.start()
        let areas = try AreaRegistry.bundled()
        let communeA = try areas.commune("01843", on: "2025-10-15")
        let communeB = try #require(areas.communes(on: "2025-10-15", province: "20").first)
        var generator = DemoHouseholds(seed: 16, communes: [communeA, communeB])
        let households = (0..<60).map { generator.next(serial: $0) }
        try await system.post(households)
        let communeOf = try Self.communes(of: households)
        let (householdA, householdB) = try await Self.referredHouseholds(communeOf, communes: (communeA.code, communeB.code), in: system)

        let surveyA = try #require(households.first { $0.communeCode == communeA.code })
        let surveyB = try #require(households.first { $0.communeCode == communeB.code })
        func fill(_ text: String) -> String {
            text.replacingOccurrences(of: "{A}", with: householdA).replacingOccurrences(of: "{B}", with: householdB)
                .replacingOccurrences(of: "{B-commune}", with: communeB.code)
        }
        func body(_ row: Row) throws -> [UInt8]? {
            switch row.body {
            case "{A-survey}": try EventJSON.encode(surveyA)
            case "{B-survey}": try EventJSON.encode(surveyB)
            default: row.body.map { Array($0.utf8) }
            }
        }

        let forged = try DevelopmentIssuer(issuer: TestEnvironment.issuer.issuer, audience: "giamngheo", kid: TestEnvironment.issuer.kid)
            .token(AccessClaims(sub: "forger", roles: ["auditor"]))
        var problems: [String] = []
        for row in Self.matrix {
            let service = system[row.service]
            let path = fill(row.path)
            let payload = try body(row)
            for (name, token, expected) in [("no token", nil as String?, 401), ("a forged token", Optional(forged), 401)] {
                let status = try await Self.status(service, row.method, path, token: token, body: payload, contentType: row.contentType)
                if status != expected { problems.append("\(row) with \(name): \(status), expected \(expected)") }
            }
            for (letter, role) in Self.roleLetters.sorted(by: { $0.key < $1.key }) {
                let status = try await Self.status(service, row.method, path, token: Self.token(for: role), body: payload, contentType: row.contentType)
                let allowed = row.allowed.contains(letter)
                if allowed ? [401, 403].contains(status) : status != 403 {
                    problems.append("\(row) as \(role.rawValue): \(status), expected \(allowed ? "an answer" : "403")")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) answers differ:\n\(problems.joined(separator: "\n"))")

        // The access log: every read of a household's personal data above, by whom and through which endpoint. Written
        // by hand from the rows: the roles that may read household A through each endpoint that carries its people.
        let personalReads = [
            ("intake", "GET /v1/households/:id", "cpha"), ("eligibility", "GET /v1/households/:id/classification", "cpha"),
            ("loan-referral", "GET /v1/households/:id/referrals", "cpva"), ("training-match", "GET /v1/households/:id/matches", "cpea"),
        ]
        var expectedA = Set<String>()
        for (service, endpoint, roles) in personalReads {
            for letter in roles { expectedA.insert("matrix-\(Self.roleLetters[letter]!.rawValue) \(service) \(endpoint) read") }
        }
        let expectedB = Set(personalReads.map { "matrix-auditor \($0.0) \($0.1) read" })
        let auditor = system["intake"].client(token: Self.token(for: .auditor))
        var logged: (a: Set<String>, b: Set<String>) = ([], [])
        try await waitUntil("the access log to hold the matrix's reads", timeout: .seconds(60), every: .milliseconds(500)) {
            func matrixEntries(_ id: String) async throws -> Set<String> {
                let records = try await auditor.get("/v1/audit?householdId=\(id)&limit=10000").decode([AccessRecord].self)
                return Set(records.filter { $0.subject.hasPrefix("matrix-") && $0.action == .read }.map { "\($0.subject) \($0.service) \($0.endpoint) read" })
            }
            logged = (try await matrixEntries(householdA), try await matrixEntries(householdB))
            return logged.a == expectedA && logged.b == expectedB
        }
        #expect(logged.a == expectedA && logged.b == expectedB)
        let byOffice = try await auditor.get("/v1/audit?subject=system-tests&limit=10000").decode([AccessRecord].self)
        #expect(byOffice.contains { $0.action == .change && $0.service == "intake" && $0.endpoint == "POST /v1/household-batches" && $0.householdId == householdA })
        #expect(try await auditor.get("/v1/audit?from=yesterday").status == 400)

        try await Self.itemsInBodiesKeepToTheCallersAreas(
            system, surveys: (surveyA, surveyB), householdB: householdB, communeOf: communeOf)

        // No personal data where none is documented: names, CCCD numbers and birth dates of the households posted are in
        // no topic marked not personal, and in no service's log.
        let personal = households.flatMap { $0.members.flatMap { [$0.fullName] + ($0.cccd.map { [$0] } ?? []) + ($0.birthDate < "2020" ? [$0.birthDate] : []) } }
        let quiet = Topics.all.filter { !$0.personal }.map(\.name)
        let records = try await TopicReader.readAll(quiet, brokers: system.broker.address)
        #expect(records.contains { $0.topic == Topics.accessAudit.name })
        for record in records {
            let text = String(decoding: (record.key ?? []) + (record.value ?? []) + record.headers.flatMap { Array($0.key.utf8) + $0.value }, as: UTF8.self)
            if let found = personal.first(where: { text.contains($0) }) { Issue.record("\(record.topic) carries personal data ('\(found.prefix(4))…')") }
        }
        for name in RunningSystem.allServices {
            let log = try String(contentsOfFile: system[name].logPath, encoding: .utf8)
            if let found = personal.first(where: { log.contains($0) }) { Issue.record("\(name)'s log carries personal data ('\(found.prefix(4))…')") }
        }
    }

    /// Where the area is in the body, or a list holds rows of several areas: a token for commune 01843 (or province 19)
    /// changes and sees only its own.
    static func itemsInBodiesKeepToTheCallersAreas(
        _ system: RunningSystem, surveys: (a: SurveyInput, b: SurveyInput), householdB: String, communeOf: [String: String]
    ) async throws {
        let officer = system["intake"].client(token: token(for: .communeOfficer))
        func object(_ reply: JSONHTTPClient.Reply) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any] ?? [:]
        }
        // A batch with a household of each commune: A's taken, B's refused naming the commune.
        let batch = try await officer.post("/v1/household-batches", json: [surveys.a, surveys.b])
        let results = object(batch)["results"] as? [[String: Any]] ?? []
        let refused = (results.last?["errors"] as? [[String: Any]])?.first
        #expect(batch.status == 207 && results.first?["outcome"] != nil, "\(batch.text.prefix(600))")
        #expect(refused?["field"] as? String == "[1].area.communeCode" && (refused?["reason"] as? String)?.contains("outside the areas") == true)

        // A survey that would move B's household into commune A: refused, and B's household stays as it was.
        var moved = surveys.b
        (moved.householdId, moved.communeCode) = (householdB, "01843")
        let move = try await officer.post("/v1/households", json: moved)
        #expect(move.status == 403 && move.text.contains("held in commune \(surveys.b.communeCode)"), "\(move.text.prefix(300))")
        let versions = try await system["intake"].client().get("/v1/households/\(householdB)/versions")
        #expect((object(versions)["versions"] as? [Any])?.count == 1)

        // B's people registered again in commune A: the duplicate-CCCD warning does not name B's household to A's officer.
        var again = surveys.b
        again.communeCode = "01843"
        let registered = try await officer.post("/v1/households", json: again)
        #expect(registered.status == 201 && registered.text.contains("outside your areas") && !registered.text.contains(householdB), "\(registered.text.prefix(400))")

        // A CSV file with a household of each commune: B's row rejected with the reason, A's taken.
        let csv = HouseholdCSVWriter.headerLine + HouseholdCSVWriter.rows(ref: "A-1", surveys.a) + HouseholdCSVWriter.rows(ref: "B-1", surveys.b)
        let imported = try await officer.post("/v1/household-imports", body: Array(csv.utf8), headers: ["Content-Type": "text/csv; charset=utf-8"])
        let report = try imported.decode(ImportReport.self)
        #expect(report.totals.households == 2 && report.totals.rejected == 1 && report.errors.contains { $0.householdRef == "B-1" && $0.reason.contains("outside the areas") })

        // A VBSP office of province 19 sends no loan event about a household of province 20.
        let bank = system["loan-referral"].client(token: token(for: .vbspOffice))
        let event = BankLoanEvent(householdId: householdB, referralId: "r-1", kind: .approved, occurredOn: "2026-02-01", amountVnd: 30_000_000, termMonths: 60)
        let loan = try await bank.post("/v1/loan-events", json: event, headers: ["ce-id": "matrix-1", "ce-source": "/vbsp/pgd/19"])
        #expect(loan.status == 403 && loan.text.contains("province 20"), "\(loan.text.prefix(300))")

        // An employment centre of province 19 posts no course in province 20; a vacancy abroad is any centre's.
        let centre = system["training-match"].client(token: token(for: .employmentCentre))
        let headers = ["ce-source": "/employment-centre/thai-nguyen"]
        var course = Self.courseB
        course.place = CataloguePlace(provinceCode: "20")
        let elsewhere = try await centre.post("/v1/courses", json: course, headers: headers.merging(["ce-id": "matrix-c1"]) { $1 })
        #expect(elsewhere.status == 403)
        let abroad = try await centre.post("/v1/vacancies", json: Self.vacancy2, headers: headers.merging(["ce-id": "matrix-v2"]) { $1 })
        #expect(abroad.status == 200, "\(abroad.text.prefix(300))")

        // Its candidates, from both provinces, are listed to each caller for its own areas only.
        func candidates(_ role: Role) async throws -> Set<String> {
            let reply = try await system["training-match"].client(token: token(for: role)).get("/v1/vacancies/\(Self.vacancy2.vacancyId)/candidates")
            return Set(try reply.decode([RankedCandidate].self).map(\.householdId))
        }
        let everyone = try await candidates(.auditor)
        #expect(Set(everyone.compactMap { communeOf[$0] }) == ["01843", surveys.b.communeCode], "the vacancy abroad draws candidates from both communes")
        #expect(try await candidates(.communeOfficer) == everyone.filter { communeOf[$0] == "01843" })
        #expect(try await candidates(.employmentCentre) == everyone.filter { communeOf[$0] == "01843" })
    }

    /// Each posted household's id and commune.
    static func communes(of households: [SurveyInput]) throws -> [String: String] {
        let rules = try SurveyRules(areas: .bundled(), calendar: .bundled(), householdIds: .load(file: TestEnvironment.householdIdKeyFile))
        return Dictionary(try households.map { let valid = try rules.validate($0, today: CalendarDate(Date())).get(); return (valid.householdId, valid.area.communeCode) }) { a, _ in a }
    }

    /// A household of each commune that loan-referral and training-match know (referred and matched), read with the
    /// tests' office token.
    static func referredHouseholds(_ communeOf: [String: String], communes: (String, String), in system: RunningSystem) async throws -> (String, String) {
        var found: [String: String] = [:]
        try await waitUntil("a household of each commune known to every service", timeout: .seconds(120), every: .milliseconds(500)) {
            for (id, commune) in communeOf.sorted(by: { $0.key < $1.key }) where found[commune] == nil {
                guard try await system["loan-referral"].client().get("/v1/households/\(id)/referrals").status == 200,
                    try await system["training-match"].client().get("/v1/households/\(id)/matches").status == 200,
                    try await system["eligibility"].client().get("/v1/households/\(id)/classification").status == 200
                else { continue }
                found[commune] = id
            }
            return found[communes.0] != nil && found[communes.1] != nil
        }
        return (found[communes.0]!, found[communes.1]!)
    }

    /// The status of one request; the event stream's status is read from its head, without waiting for its end.
    static func status(
        _ service: ServiceProcess, _ method: String, _ path: String, token: String?, body: [UInt8]?, contentType: String
    ) async throws -> Int {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if let body { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
        return try await Task.detached { try rawStatus(port: service.port, request: Array((head + "\r\n").utf8) + (body ?? [])) }.value
    }
}
