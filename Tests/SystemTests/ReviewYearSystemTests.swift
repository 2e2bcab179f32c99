import Access
import EventContracts
import Foundation
import Intake
import Reporting
import ServiceRuntime
import TestSupport
import Testing

/// The seeds' year for Bắc Kạn city, as the reports tell it: start and end of the 2026 review year, the flows between
/// them, rates over the denominators the statistics office gives, and the year's target.
extension SystemTests {
    /// A synthetic Bắc Kạn city in today's two wards that are made only of its former wards (Phường Bắc Kạn 01843 and
    /// Phường Đức Xuân 01840, province 19; former district 058, docs/areas.md). Classes by hand from docs/standards.md
    /// (VN-2022-2025 for the 2026 lists; urban line 2,000,000 VND per person a month), as in
    /// `theEnd2021ReviewGivesBacKanCitysStartOf2022Figure`: a poor household has 2,400,000 VND for 2 people and 3
    /// deprivations; a non-poor one 10,000,000 VND and none. Every head is Tày: every household is ethnic-minority.
    ///
    /// | ward  | recognised 2025-11-20 (2025-periodic) | ad hoc 2026, recognised   | poor at the end |
    /// |-------|---------------------------------------|---------------------------|-----------------|
    /// | 01843 | 200 poor, 20 none                     | March: 40 poor → none, 5 none → poor | 165  |
    /// | 01840 | 135 poor, 20 none                     | Sept.: 25 poor → none, 10 none → poor | 120  |
    /// | city  | 335                                   | 65 escaped, 15 newly poor | 285             |
    ///
    /// Denominators (resident households on 31 December): 2025: 7,000 + 5,138 = 12,138; 2026: 7,050 + 5,182 = 12,232.
    /// Rates, rounded to two decimals: city 335/12,138 = 2.76 % → 285/12,232 = 2.33 %; 01843 200/7,000 = 2.86 % →
    /// 165/7,050 = 2.34 %; 01840 135/5,138 = 2.63 % → 120/5,182 = 2.32 %. The city's 2026 target: 45 fewer poor
    /// households and 2.40 %; achieved 50, so 5 beyond it, and 0.07 points under the rate.
    @Test func aYearOfReviewsGivesTheCitysStartEndFlowsRatesAndTarget() async throws {
        let system = try RunningSystem(["intake", "eligibility", "reporting"])
        defer { system.stop() }
        try await system.start()
        let reporting = system["reporting"].client()

        // The start: the 2025 periodic review, recognised per ward.
        func household(_ serial: Int, _ ward: String, poor: Bool, round: String, date: String, kind: ReviewKind) -> SurveyInput {
            var survey = bacKanCityHousehold(serial: serial, ward: ward, poor: poor)
            (survey.reviewKind, survey.roundId, survey.surveyDate) = (kind, round, date)
            return survey
        }
        struct Ward { var code: String; var poor: Int; var serials: Range<Int> }
        let b = Ward(code: "01843", poor: 200, serials: 0..<220)
        let d = Ward(code: "01840", poor: 135, serials: 1000..<1155)
        func start(_ w: Ward) -> [SurveyInput] {
            w.serials.map { household($0, w.code, poor: $0 - w.serials.lowerBound < w.poor, round: "2025-periodic", date: "2025-10-15", kind: .periodic) }
        }
        try await system.post(start(b) + start(d))
        func recognise(_ round: String, _ ward: String, proposed: Int, on date: String, number: String) async throws {
            let path = "/v1/review-rounds/\(round)/communes/\(ward)"
            try await waitUntil("\(proposed) proposed in \(ward), \(round)", timeout: .seconds(90), every: .milliseconds(300)) {
                try await system.intake.get(path).decode(CommuneRoundSummary.self).proposed == proposed
            }
            let reply = try await system.chairman(ward).post("\(path)/recognition", json: RecognitionRequest(decisionNumber: number, decisionDate: date))
            #expect(reply.status == 201, "\(reply.text)")
        }
        try await recognise("2025-periodic", b.code, proposed: 220, on: "2025-11-20", number: "101/QĐ-UBND")
        try await recognise("2025-periodic", d.code, proposed: 155, on: "2025-11-20", number: "102/QĐ-UBND")

        // The statistics office's denominators and the city's target, over the HTTP twins.
        let office = ["ce-source": "/statistics/thai-nguyen"]
        struct Body: Encodable {
            var version = 1
            var households: Int?
            var poorHouseholdsReduction: Int?
            var poorRatePercent: String?
            var source: String
        }
        func put(_ path: String, _ id: String, _ body: Body) async throws -> JSONHTTPClient.Reply {
            try await reporting.put(path, json: body, headers: office.merging(["ce-id": id]) { a, _ in a })
        }
        for (ward, year, households) in [("01843", 2025, 7_000), ("01840", 2025, 5_138)] {
            let reply = try await put(
                "/v1/denominators/\(ward)/\(year)", "den-\(ward)-\(year)",
                Body(households: households, source: "Cục Thống kê Thái Nguyên (synthetic), \(year)"))
            #expect(reply.status == 200, "\(reply.text)")
        }
        // The year's denominators from a file: refused whole when a row is at fault, then loaded.
        let csvHeaders = office.merging(["Content-Type": "text/csv; charset=utf-8"]) { a, _ in a }
        let heading = "areaCode,year,kind,version,households,source\r\n"
        let faulty = try await reporting.post(
            "/v1/area-figures/import", body: Array((heading + "01843,2026,denominator,1,7050,Cục Thống kê\r\n01840,2026,denominator,1,5.182,Cục Thống kê\r\n").utf8),
            headers: csvHeaders.merging(["ce-id": "den-2026-file"]) { a, _ in a })
        #expect(faulty.status == 422 && faulty.text.contains("row 3: households"), "\(faulty.text)")
        #expect(try await reporting.get("/v1/area-figures/01843").decode([ListedFigureView].self).allSatisfy { $0.figure.year == 2025 })
        let loaded = try await reporting.post(
            "/v1/area-figures/import",
            body: Array((heading + "01843,2026,denominator,1,7050,Cục Thống kê Thái Nguyên (synthetic) 2026\r\n01840,2026,denominator,1,5182,Cục Thống kê Thái Nguyên (synthetic) 2026\r\n").utf8),
            headers: csvHeaders.merging(["ce-id": "den-2026-file"]) { a, _ in a })
        #expect(loaded.status == 202, "\(loaded.text)")
        for record in try loaded.decode([ImportedRecordView].self) {
            try await waitUntil("row \(record.row) of the file applied", timeout: .seconds(30), every: .milliseconds(200)) {
                try await reporting.get(record.outcome).status == 200
            }
        }
        let target = try await put(
            "/v1/targets/058/2026", "target-058-2026",
            Body(poorHouseholdsReduction: 45, poorRatePercent: "2.40", source: "Nghị quyết 01/NQ-HĐND (synthetic)"))
        #expect(target.status == 200, "\(target.text)")
        // The city's published 2022 figures (the seeds' article), to show beside the system's years.
        struct BaselineBody: Encodable { var version = 1; var published: PublishedYear; var source: String }
        let baseline = try await reporting.put(
            "/v1/baselines/058/2022",
            json: BaselineBody(
                published: PublishedYear(poorHouseholdsStart: 335, poorHouseholdsEnd: 285, poorRateStartPercent: "2.76", poorRateEndPercent: "2.33"),
                source: "Báo Bắc Kạn, 2022 review of Bắc Kạn city"),
            headers: office.merging(["ce-id": "baseline-058-2022"]) { a, _ in a })
        #expect(baseline.status == 200, "\(baseline.text)")

        // Refused, naming the field; nothing held changes.
        let provinceDenominator = try await put(
            "/v1/denominators/19/2026", "bad-1", Body(households: 400_000, source: "Cục Thống kê"))
        #expect(provinceDenominator.status == 422 && provinceDenominator.text.contains("areaCode"), "\(provinceDenominator.text)")
        let badRate = try await put("/v1/targets/058/2027", "bad-2", Body(poorRatePercent: "2.345", source: "NQ"))
        #expect(badRate.status == 422 && badRate.text.contains("poorRatePercent"), "\(badRate.text)")
        let changedWithoutVersion = try await put(
            "/v1/denominators/01843/2026", "bad-3", Body(households: 9_999, source: "Cục Thống kê Thái Nguyên (synthetic), 2026"))
        #expect(changedWithoutVersion.status == 422 && changedWithoutVersion.text.contains("version"), "\(changedWithoutVersion.text)")
        let reusedId = try await put("/v1/denominators/01843/2025", "den-01843-2025", Body(version: 2, households: 7_001, source: "x"))
        #expect(reusedId.status == 409 && reusedId.text.contains("ce-id"), "an id sent again with another record: \(reusedId.text)")
        let whichRecord = try await reporting.get("/v1/area-figure-events")
        #expect(whichRecord.status == 400 && whichRecord.text.contains("\"source\"") && whichRecord.text.contains("\"id\""), "\(whichRecord.text)")
        let outsider = try await reporting.put(
            "/v1/denominators/01843/2026", json: Body(version: 2, households: 1, source: "x"),
            headers: ["ce-source": "/vbsp/pgd/19-058", "ce-id": "bad-4"])
        #expect(outsider.status == 403)

        // The year: March in 01843, September in 01840 (a ward's ad hoc round covers the households it resurveys).
        func resurvey(_ w: Ward, escaping: Int, falling: Int, round: String, date: String) -> [SurveyInput] {
            let poor = w.serials.prefix(w.poor).prefix(escaping).map { household($0, w.code, poor: false, round: round, date: date, kind: .adhoc) }
            let none = w.serials.dropFirst(w.poor).prefix(falling).map { household($0, w.code, poor: true, round: round, date: date, kind: .adhoc) }
            return poor + none
        }
        try await system.post(resurvey(b, escaping: 40, falling: 5, round: "2026-03-adhoc", date: "2026-03-20"))
        try await recognise("2026-03-adhoc", b.code, proposed: 45, on: "2026-03-30", number: "31/QĐ-UBND")
        try await system.post(resurvey(d, escaping: 25, falling: 10, round: "2026-09-adhoc", date: "2026-09-20"))

        // Proposed and not yet recognised: shown apart, and the official end does not move.
        func year(_ area: String) async throws -> AreaYearReport? {
            let reply = try await reporting.get("/v1/reports/\(area)/years/2026")
            return reply.status == 200 ? try reply.decode(AreaYearReport.self) : nil
        }
        var city: AreaYearReport?
        try await waitUntil("the September proposals counted apart", timeout: .seconds(90), every: .milliseconds(300)) {
            city = try await year("058")
            return city?.review.proposed.total == 35 && city?.review.households.poor.end == 300
        }
        #expect(city?.review.proposed == ProposedCounts(poor: 10, nearPoor: 0, total: 35))

        try await recognise("2026-09-adhoc", d.code, proposed: 35, on: "2026-09-28", number: "92/QĐ-UBND")
        try await waitUntil("the city's year to end with 285 poor households", timeout: .seconds(90), every: .milliseconds(300)) {
            city = try await year("058")
            return city?.review.households.poor.end == 285 && city?.review.target != nil && city?.review.denominatorAtEnd?.households == 12_232
        }
        let review = try #require(city?.review)
        #expect(review.households.poor == ClassYearFlows(start: 335, newly: 15, escaped: 65, end: 285))
        #expect(review.people.poor == ClassYearFlows(start: 670, newly: 30, escaped: 130, end: 570))
        #expect(review.ethnicMinorityHouseholds == review.households && review.urbanHouseholds == review.households)
        #expect(review.ruralHouseholds == PovertyYearFlows() && review.households.nearPoor == ClassYearFlows())
        #expect(review.proposed == ProposedCounts())
        #expect(review.denominatorAtStart == YearDenominator(households: 12_138, people: nil, communesKnown: 2, communes: 2))
        #expect(review.rates == YearRates(poorStart: 2.76, poorEnd: 2.33, nearPoorStart: 0, nearPoorEnd: 0))
        #expect(review.target == YearTarget(
            poorHouseholdsReduction: 45, poorRatePercent: 2.40, nearPoorRatePercent: nil, achievedReduction: 50, reductionGap: -5,
            poorRateGapPoints: -0.07, nearPoorRateGapPoints: nil))
        #expect(city?.flowsAddUp == true)

        let wardB = try #require(try await year("01843")).review
        let wardD = try #require(try await year("01840")).review
        #expect(wardB.households.poor == ClassYearFlows(start: 200, newly: 5, escaped: 40, end: 165))
        #expect(wardD.households.poor == ClassYearFlows(start: 135, newly: 10, escaped: 25, end: 120))
        #expect(wardB.rates == YearRates(poorStart: 2.86, poorEnd: 2.34, nearPoorStart: 0, nearPoorEnd: 0))
        #expect(wardD.rates == YearRates(poorStart: 2.63, poorEnd: 2.32, nearPoorStart: 0, nearPoorEnd: 0))
        #expect(wardB.target == nil, "the city's target is the city's")

        // The former district is the sum of its wards in every figure of the year.
        for (name, part) in [("households", \ReviewYearCounts.households), ("people", \.people), ("ethnic", \.ethnicMinorityHouseholds),
                             ("urban", \.urbanHouseholds), ("rural", \.ruralHouseholds)] {
            #expect(review[keyPath: part] == wardB[keyPath: part] + wardD[keyPath: part], "\(name)")
        }
        #expect(review.denominatorAtEnd?.households == (wardB.denominatorAtEnd?.households ?? 0) + (wardD.denominatorAtEnd?.households ?? 0))

        // The province has communes without a denominator: no rate, and it says how many it has.
        let province = try #require(try await year("19")).review
        #expect(province.households.poor.end == 285 && province.rates?.poorEnd == nil)
        #expect(province.denominatorAtEnd?.households == nil && province.denominatorAtEnd?.communesKnown == 2)

        // Every area's years add up, and the last ends with the list in force now.
        let reports = try await reporting.get("/v1/reports?province=19").decode([AreaReport].self)
        for report in reports {
            let years = try #require(report.reviewYears, "\(report.areaCode)")
            #expect(years.allSatisfy { $0.addsUp }, "\(report.areaCode)")
            #expect(report.official?.households == years.last.map { PovertyCounts(poor: $0.households.poor.end, nearPoor: $0.households.nearPoor.end) })
        }

        // The published year stands beside the system's years, apart from them.
        let cityReport = try await reporting.get("/v1/reports/058").decode(AreaReport.self)
        var published2022 = YearBaseline(year: 2022)
        (published2022.poorHouseholdsStart, published2022.poorHouseholdsEnd) = (335, 285)
        (published2022.poorRateStartPercent, published2022.poorRateEndPercent) = (2.76, 2.33)
        #expect(cityReport.baselines == [published2022])
        #expect(cityReport.reviewYears?.map(\.year) == [2025, 2026])

        // An operator's grouping of the same two wards adds up to the same year (no target: the city's is the city's).
        struct GroupingBody: Encodable { var name: String; var communes: [String]; var version = 1; var source = "Sở Nông nghiệp và Môi trường (synthetic)" }
        let refused = try await reporting.put("/v1/groupings/G-BAC-KAN", json: GroupingBody(name: "Bắc Kạn", communes: ["01843", "99999"]))
        #expect(refused.status == 422 && refused.text.contains("communes[1]"), "\(refused.text)")
        let grouped = try await reporting.put("/v1/groupings/G-BAC-KAN", json: GroupingBody(name: "Hai phường Bắc Kạn", communes: ["01843", "01840"]))
        #expect(grouped.status == 201, "\(grouped.text)")
        let group = try #require(try await year("G-BAC-KAN")).review
        #expect(group.households.poor == ClassYearFlows(start: 335, newly: 15, escaped: 65, end: 285))
        #expect(group.rates == YearRates(poorStart: 2.76, poorEnd: 2.33, nearPoorStart: 0, nearPoorEnd: 0) && group.target == nil)

        // The change form: the city's poor households' row, and the people's, as the form's columns order them (start, first
        // recorded, newly, re-poor, from the other class, moved in, other in, escaped, to the other class, moved out,
        // other out, end, rate at start, rate at end).
        let form = try await reporting.get("/v1/reports/058/forms/changes?year=2026")
        #expect(form.status == 200 && form.text.hasPrefix("\u{FEFF}Chỉ tiêu (Item),Đầu kỳ (Start),"), "\(form.text.prefix(300))")
        #expect(form.text.contains("\r\nHộ nghèo (Poor households),335,0,15,0,0,0,0,65,0,0,0,285,2.76,2.33\r\n"), "\(form.text)")
        #expect(form.text.contains("\r\nNhân khẩu hộ nghèo (People in poor households),670,0,30,0,0,0,0,130,0,0,0,570,,\r\n"), "\(form.text)")
        let page = try await reporting.get("/v1/reports/058/forms/changes?year=2026&format=html")
        #expect(page.status == 200 && page.text.contains("<td>335</td>") && page.text.contains("<td>285</td>") && page.text.contains("<td>2.33</td>"))
        #expect(page.text.contains("Chỉ tiêu giảm hộ nghèo: 45; đạt: 50; còn thiếu: -5"), "\(page.text)")
        // Every poor household is deprived on water, latrine and information devices (docs/standards.md), none near-poor.
        let deprivations = try await reporting.get("/v1/reports/058/forms/deprivations")
        for indicator in ["Nguồn nước sinh hoạt (Domestic water)", "Nhà tiêu hợp vệ sinh (Hygienic latrine)",
                          "Phương tiện phục vụ tiếp cận thông tin (Means of access to information)"] {
            #expect(deprivations.text.contains("\r\n\(indicator),285,100.00,0,\r\n"), "\(deprivations.text)")
        }
        // The recognised lists at the end of 2026: the same 285 households, deprived on the same three indicators.
        let deprivations2026 = try await reporting.get("/v1/reports/058/forms/deprivations?year=2026")
        #expect(deprivations2026.text.contains("\r\nNhà tiêu hợp vệ sinh (Hygienic latrine),285,100.00,0,\r\n"), "\(deprivations2026.text)")
        let unknownForm = try await reporting.get("/v1/reports/058/forms/poverty?year=2026")
        #expect(unknownForm.status == 400 && unknownForm.text.contains("\"form\""), "\(unknownForm.text)")
        let noYear = try await reporting.get("/v1/reports/058/forms/changes")
        #expect(noYear.status == 400 && noYear.text.contains("\"year\""), "\(noYear.text)")

        // The report stream v2: the city's year under its area-and-year key, partitioned by the area, as the API gives it.
        var streamed: (report: AreaYearReport, partitionKey: String?)?
        try await waitUntil("the city's 2026 on \(Topics.yearReport.name)", timeout: .seconds(60), every: .milliseconds(500)) {
            let records = try await TopicReader.readAll([Topics.yearReport.name], brokers: system.broker.address)
            let key = Array("058/2026".utf8)
            guard let latest = records.filter({ $0.key == key }).max(by: { ($0.header("ce_sequence").flatMap { Int64($0) } ?? 0) < ($1.header("ce_sequence").flatMap { Int64($0) } ?? 0) }),
                  let value = latest.value else { return false }
            streamed = (try EventJSON.decode(AreaYearReport.self, from: value), latest.header("ce_partitionkey"))
            return streamed?.report.review.households.poor.end == 285
        }
        #expect(streamed?.report.review == review && streamed?.report.year == 2026 && streamed?.partitionKey == "058")

        // The dashboard in a real browser: drilled down from the province to the city, it shows the same figures.
        let screenshot = "\(TestEnvironment.root)/.build/screenshots/dashboard-058-2026.png"
        let browser = try run([
            "\(TestEnvironment.root)/.deps/venv/bin/python", "\(TestEnvironment.root)/compose/browser_check.py",
            "--url", system["reporting"].baseURL, "--province", "19", "--area", "058", "--year", "2026",
            "--expect", "start-poor=335", "--expect", "end-poor=285", "--expect", "start-rate=2.76", "--expect", "end-rate=2.33",
            "--expect", "target-reduction=45", "--expect", "target-rate=2.40", "--expect", "gap-reduction=-5", "--expect", "gap-rate=-0.07",
            "--expect", "escaped-poor=65", "--expect", "newly-poor=15", "--expect", "proposed-poor=0",
            "--expect", "baseline-poor-start-2022=335", "--expect", "baseline-poor-end-2022=285", "--expect", "baseline-rate-end-2022=2.33",
            "--screenshot", screenshot, "--token", TestEnvironment.token(sub: "dashboard", roles: [.statisticsReader]),
        ])
        print("browser check:\n\(browser)screenshot: \(screenshot)")
    }
}

/// What the figure routes answer, as a client reads it.
struct ListedFigureView: Decodable { var figure: AreaFigure; var withdrawn: Bool }
struct ImportedRecordView: Decodable { var row: Int; var key: String; var id: String; var outcome: String }

extension ClassYearFlows {
    static func + (a: ClassYearFlows, b: ClassYearFlows) -> ClassYearFlows {
        ClassYearFlows(
            start: a.start + b.start, firstRecorded: a.firstRecorded + b.firstRecorded, newly: a.newly + b.newly, re: a.re + b.re,
            fromOtherClass: a.fromOtherClass + b.fromOtherClass, movedIn: a.movedIn + b.movedIn, otherIn: a.otherIn + b.otherIn,
            escaped: a.escaped + b.escaped, toOtherClass: a.toOtherClass + b.toOtherClass, movedOut: a.movedOut + b.movedOut,
            otherOut: a.otherOut + b.otherOut, end: a.end + b.end)
    }
}

extension PovertyYearFlows {
    static func + (a: PovertyYearFlows, b: PovertyYearFlows) -> PovertyYearFlows { PovertyYearFlows(poor: a.poor + b.poor, nearPoor: a.nearPoor + b.nearPoor) }
}
