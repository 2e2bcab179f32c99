import EventContracts
@testable import Reporting
import Testing

/// A file of denominators and targets: read into figures, or refused with every cell at fault named by row and column.
@Suite struct AreaFigureCSVTests {
    @Test func rowsBecomeFiguresWithTheirRowNumbers() {
        let text = "\u{FEFF}areaCode,year,kind,version,households,people,poorRatePercent,poorHouseholdsReduction,source\r\n"
            + "01843,2026,denominator,1,7050,24100,,,Cục Thống kê\r\n"
            + "058,2026,target,2,,,2.40,45,\"Nghị quyết 01/NQ-HĐND, 2025\"\r\n"
        let (figures, problems) = AreaFigureCSV.figures(text)
        #expect(problems.isEmpty)
        #expect(figures.map(\.row) == [2, 3])
        #expect(figures.map(\.figure) == [
            AreaFigure(areaCode: "01843", year: 2026, kind: .denominator, version: 1, households: 7_050, people: 24_100, source: "Cục Thống kê"),
            AreaFigure(areaCode: "058", year: 2026, kind: .target, version: 2, poorHouseholdsReduction: 45, poorRatePercent: "2.40",
                       source: "Nghị quyết 01/NQ-HĐND, 2025"),
        ])
    }

    @Test(arguments: [
        ("areaCode,year,kind,source\r\n01843,2026,denominator,x\r\n", "row 1: version", "the column is missing"),
        ("areaCode,year,kind,version,source,colour\r\n", "row 1: colour", "is not a column"),
        ("areaCode,year,kind,version,source\r\n", "body", "no figure"),
        ("", "body", "empty"),
        ("areaCode,year,kind,version,households,source\r\n01843,2026,denominator,1,7.050,x\r\n", "row 2: households", "not a whole number"),
        ("areaCode,year,kind,version,source\r\n01843,2026,census,1,x\r\n", "row 2: kind", "not denominator, target or baseline"),
        ("areaCode,year,kind,version,source\r\n01843,,denominator,1,x\r\n", "row 2: year", "is empty"),
        ("areaCode,year,kind,version,source\r\n\r\n01843,2026,census,1,x\r\n", "row 3: kind", "not denominator"),  // a blank row still counts
        ("areaCode,year,kind,version,source\r\n01843,2026,target,1,\"x\r\n", "row 2", "not valid CSV"),
        ("areaCode,year,kind,version,source\r\n01843,2026,target,1,x\r\n01843,2026,target,2,y\r\n", "row 3", "again (first on row 2)"),
    ])
    func aFaultyFileIsRefusedNamingTheCell(_ text: String, _ field: String, _ reason: String) {
        let (figures, problems) = AreaFigureCSV.figures(text)
        #expect(figures.isEmpty)
        #expect(problems.contains { $0.field == field && $0.reason.contains(reason) }, "\(problems)")
    }
}

/// Baselines: an area's published figures, kept beside its review years and never added to them.
@Suite struct BaselineTests {
    @Test func aBaselineRowCarriesThePublishedFigures() {
        // Kiến Xương (former district of Thái Bình), as published: 1,962 poor households (2.46 %) at the start of 2022.
        let text = "areaCode,year,kind,version,poorHouseholdsStart,poorRateStartPercent,source\r\n"
            + "343,2022,baseline,1,1962,2.46,Báo Thái Bình 2022\r\n"
        let (figures, problems) = AreaFigureCSV.figures(text)
        #expect(problems.isEmpty, "\(problems)")
        #expect(figures.first?.figure.published == PublishedYear(poorHouseholdsStart: 1_962, poorRateStartPercent: "2.46"))
        let wrong = AreaFigureCSV.figures("areaCode,year,kind,version,households,poorHouseholdsEnd,source\r\n01843,2026,denominator,1,7050,12,x\r\n")
        #expect(wrong.problems == [FieldError("row 2: poorHouseholdsEnd", "belongs to a baseline, not a denominator")])
    }

    @Test func publishedYearsAreReportedApartFromTheSystemsYears() {
        let counts = AreaFigureRules.counts(AreaFigure(
            areaCode: "058", year: 2022, kind: .baseline, version: 1,
            published: PublishedYear(poorHouseholdsStart: 335, poorHouseholdsEnd: 285, poorRateStartPercent: "2.76", poorRateEndPercent: "2.33"),
            source: "Báo Bắc Kạn"))
        let report = AreaCounters(counts: counts).report(
            areaCode: "058", level: .formerDistrict, name: nil, provinceCode: "19", version: 1, asOf: "2026-12-01T00:00:00Z")
        var expected = YearBaseline(year: 2022)
        (expected.poorHouseholdsStart, expected.poorHouseholdsEnd, expected.poorRateStartPercent, expected.poorRateEndPercent) = (335, 285, 2.76, 2.33)
        #expect(report.baselines == [expected])
        #expect(report.reviewYears?.isEmpty ?? true, "a published year is not one of the system's review years")
    }
}
