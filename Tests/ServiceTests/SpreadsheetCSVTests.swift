import Areas
import Testing

/// OWASP's CSV-injection rule on the files people open in spreadsheets: a cell a spreadsheet would evaluate gets a
/// leading `'`; plain numbers and ordinary text stay as they are. Cases written by hand from the rule.
@Suite struct SpreadsheetCSVTests {
    static let cases: [(String, String)] = [
        ("=HYPERLINK(\"http://x\",\"bấm\")", "'=HYPERLINK(\"http://x\",\"bấm\")"),
        ("+84 912 345 678", "'+84 912 345 678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTab", "'\tTab"),
        ("-5", "-5"),
        ("+2.5", "+2.5"),
        ("-0.07", "-0.07"),
        ("Nông Văn Hùng", "Nông Văn Hùng"),
        ("", ""),
        ("1-2", "1-2"),
    ]

    @Test(arguments: cases)
    func formulaPrefixesAreNeutralised(_ given: String, _ written: String) {
        #expect(CSV.neutralised(given) == written)
    }

    @Test func aSpreadsheetLineQuotesAfterNeutralising() {
        #expect(CSV.spreadsheetLine(["1", "=1+1,2", "-3"]) == "1,\"'=1+1,2\",-3\r\n")
        #expect(CSV.line(["=1+1"]) == "=1+1\r\n")  // files read back by a program keep the value as it is
    }
}

import EventContracts
import LoanReferral

extension SpreadsheetCSVTests {
    /// The bank's list as downloaded: a header and one record per referral, no blank records, and a head's name that
    /// a spreadsheet would evaluate shown as text (the stored name is unchanged).
    @Test func theReferralListDownloadNeutralisesANameAndHasNoBlankRecords() {
        let row = ReferralList.Row(
            householdId: "h-1", headName: "=HYPERLINK(\"http://x\")", headCCCD: "019080000123", village: "Tổ 5", householdClass: .poor,
            decisionNumber: "45/QĐ-UBND", decisionDate: "2025-11-20", referralId: "r-1", programmeId: "vbsp-poor-household",
            programmeName: "Cho vay hộ nghèo", maxLoanVnd: 100_000_000, annualRatePercent: 6.6, maxTermMonths: 120)
        let list = ReferralList(communeCode: "01840", roundId: "2025-periodic", on: "2026-01-10", rows: [row])
        let records = list.csv.components(separatedBy: "\r\n")
        #expect(records.count == 3 && records[2].isEmpty, "\(records)")  // header, one row, the end
        #expect(records[1].hasPrefix("1,\"'=HYPERLINK(\"\"http://x\"\")\",019080000123,Tổ 5,"), "\(records[1])")
        #expect(list.rows[0].headName == "=HYPERLINK(\"http://x\")")
    }
}
