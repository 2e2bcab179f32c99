import EventContracts
@testable import Reporting
import Testing

/// The official forms' tables, against rows written by hand in the columns of the change form (Circular 07/2021/TT-BLĐTBXH,
/// docs/reporting.md): start, first recorded, newly, re-poor, from the other class, moved in, other in, escaped, to the
/// other class, moved out, other out, end, rate at start, rate at end.
@Suite struct ReportFormTests {
    static func year() -> ReviewYearCounts {
        let poor = ClassYearFlows(start: 120, firstRecorded: 2, newly: 7, re: 1, fromOtherClass: 4, movedIn: 1, escaped: 30, toOtherClass: 6, movedOut: 2, end: 97)
        let nearPoor = ClassYearFlows(start: 80, newly: 9, fromOtherClass: 6, escaped: 12, toOtherClass: 4, end: 79)
        var review = ReviewYearCounts(
            year: 2026, households: PovertyYearFlows(poor: poor, nearPoor: nearPoor), people: PovertyYearFlows(),
            ethnicMinorityHouseholds: PovertyYearFlows(), urbanHouseholds: PovertyYearFlows(), ruralHouseholds: PovertyYearFlows(poor: poor, nearPoor: nearPoor),
            proposed: ProposedCounts(poor: 3, nearPoor: 1, total: 9))
        review.denominatorAtStart = YearDenominator(households: 4_000, people: nil, communesKnown: 1, communes: 1)
        review.denominatorAtEnd = YearDenominator(households: nil, people: nil, communesKnown: 0, communes: 1)
        // 120 / 4,000 = 3.00 %, 80 / 4,000 = 2.00 %; no end-of-year denominator, so no end rates.
        review.rates = YearRates(poorStart: 3.0, nearPoorStart: 2.0)
        review.target = YearTarget(
            poorHouseholdsReduction: 25, poorRatePercent: nil, nearPoorRatePercent: nil, achievedReduction: 23, reductionGap: 2,
            poorRateGapPoints: nil, nearPoorRateGapPoints: nil)
        return review
    }

    @Test func theChangeFormHasARowPerClassAndUnitInTheFormsColumns() {
        let table = ReportForms.changes(Self.year())
        #expect(table.columns.count == 14)
        #expect(table.rows.count == 10)
        #expect(table.rows[0].label.vi == "Hộ nghèo")
        #expect(table.rows[0].cells == ["120", "2", "7", "1", "4", "1", "0", "30", "6", "2", "0", "97", "3.00", ""])
        #expect(table.rows[1].label.vi == "Hộ cận nghèo")
        #expect(table.rows[1].cells == ["80", "0", "9", "0", "6", "0", "0", "12", "4", "0", "0", "79", "2.00", ""])
        #expect(table.rows[9].label.vi == "Hộ cận nghèo nông thôn" && table.rows[9].cells.suffix(2) == ["", ""])
        #expect(table.notes.map(\.vi) == [
            "Mẫu số đầu kỳ (tổng số hộ năm 2025): 4000",
            "Mẫu số cuối kỳ (tổng số hộ năm 2026): thiếu mẫu số (0/1)",
            "Kết quả rà soát chưa được công nhận (không tính ở trên): 3 hộ nghèo, 1 hộ cận nghèo",
            "Chỉ tiêu giảm hộ nghèo: 25; đạt: 23; còn thiếu: 2",
        ])
    }

    @Test func theCSVHasBilingualHeadingsAndOneLinePerRow() {
        let csv = FormPage.csv(ReportForms.changes(Self.year()))
        let lines = csv.split(separator: "\r\n", omittingEmptySubsequences: false)
        #expect(lines.count == 12)  // heading, 10 rows, and the empty remainder after the last CRLF
        #expect(lines[0].hasPrefix("Chỉ tiêu (Item),Đầu kỳ (Start),Ghi nhận lần đầu (First recorded),"))
        #expect(lines[1] == "Hộ nghèo (Poor households),120,2,7,1,4,1,0,30,6,2,0,97,3.00,")
    }

    @Test func theDeprivationFormGivesEachIndicatorsShareOfItsClass() {
        // 8 poor and 5 near-poor households; 6 poor and 1 near-poor without clean water, 3 poor without a hygienic latrine.
        var report = AreaCounters(counts: [
            "total": 13, "class.poor": 8, "class.nearPoor": 5, "poorDeprived.water": 6, "poorDeprived.latrine": 3, "nearPoorDeprived.water": 1,
        ]).report(areaCode: "00001", level: .commune, name: nil, provinceCode: "01", version: 1, asOf: "2026-12-01T00:00:00Z")
        report.poorDeprivedBy["someFutureIndicator"] = 1
        let table = ReportForms.deprivations(report)
        #expect(table.rows.map(\.label.en) == ["Domestic water", "Hygienic latrine", "someFutureIndicator"])
        #expect(table.rows.map(\.cells) == [["6", "75.00", "1", "20.00"], ["3", "37.50", "0", "0.00"], ["1", "12.50", "0", "0.00"]])
    }

    @Test func aChangedReportReachesEveryListenerAfterItsCommit() async {
        let feed = ReportChangeFeed()
        let (first, firstSink) = feed.subscribe()
        let (second, _) = feed.subscribe()
        feed.reportsChanged(["058": 7, "01843": 4])
        firstSink.finish()
        var received: [String] = []
        for await message in first { received.append(message) }
        #expect(received == [
            "event: report\nid: 4\ndata: {\"areaCode\":\"01843\",\"version\":4}\n\n",
            "event: report\nid: 7\ndata: {\"areaCode\":\"058\",\"version\":7}\n\n",
        ])
        var iterator = second.makeAsyncIterator()
        #expect(await iterator.next()?.contains("01843") == true)
        #expect(feed.listenerCount == 1, "a finished stream leaves the feed")
    }
}
