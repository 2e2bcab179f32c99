import Areas
import EventContracts
import Foundation
@testable import Intake
import Testing

/// `count` valid households labelled H1, H2, …, two rows each (head and child), each with a head CCCD of its own.
func labelled(_ count: Int) -> [(ref: String, survey: SurveyInput)] {
    (1...count).map { ("H\($0)", survey(headCCCD: CCCD.make(sex: .male, birthYear: 1980, serial: $0))) }
}

let columnCount = HouseholdCSVColumns.all.count

@Suite struct CSVTokenizerTests {
    func records(_ text: String, chunk: Int = 1) -> [CSVTokenizer.Record] {
        var tokenizer = CSVTokenizer(maxRecordBytes: 64)
        var records: [CSVTokenizer.Record] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) { tokenizer.feed(bytes[start..<min(start + chunk, bytes.count)], into: &records) }
        tokenizer.finish(into: &records)
        return records
    }

    @Test func quotesCommasLineBreaksAndEveryLineEnd() {
        let text = "\u{FEFF}a,\"b, \"\"c\"\"\",\"d\r\ne\"\r\nf,g\nh\ri,\n"
        for chunk in [1, 2, 5, 100] {
            #expect(records(text, chunk: chunk).map(\.fields) == [["a", "b, \"c\"", "d\ne"], ["f", "g"], ["h"], ["i", ""]], "chunk \(chunk)")
        }
        #expect(records("x,y").map(\.fields) == [["x", "y"]], "no line break at the end")
        #expect(records("").isEmpty)
        #expect(records("\u{FEFF}").isEmpty)
        #expect(records("\u{FEFF}\u{FEFF}x").map(\.fields) == [["\u{FEFF}x"]], "only the first mark is one")
    }

    @Test func problemsAreReportedWithTheirField() {
        #expect(records("a,b\"c,d\n").first?.problems == [.init(field: 1, kind: .quoteInUnquotedField)])
        #expect(records("a,\"b\"c,d\n").first?.problems == [.init(field: 1, kind: .textAfterClosingQuote)])
        #expect(records("a,\"b\nc").first?.problems == [.init(field: 1, kind: .unclosedQuote)])
        #expect(records("a,\"b\nc").first?.fields == ["a", "b\nc"])
        var tokenizer = CSVTokenizer()
        var out: [CSVTokenizer.Record] = []
        tokenizer.feed([0x61, 0x2C, 0xF4, 0x0A], into: &out)  // "a,ô" in Latin-1
        #expect(out.first?.problems == [.init(field: 1, kind: .invalidUTF8)])
        let long = records("ok\n" + String(repeating: "x", count: 100) + "\nnext\n")
        #expect(long.map(\.fields) == [["ok"], [], ["next"]])
        #expect(long[1].problems == [.init(field: nil, kind: .recordTooLong(limit: 64))])
    }

    @Test func writtenLinesReadBack() {
        let fields = ["plain", "with, comma", "with \"quotes\"", "two\nlines", " padded ", ""]
        #expect(records(CSV.line(fields)).map(\.fields) == [fields])
    }
}

@Suite struct CSVHouseholdReaderTests {
    @Test func everyFieldOfTheSurveyHasAColumn() {
        // Every stored property of the survey and member models, named as in their JSON (which writes `conditions` and
        // `facts` inline): a field added to the model without a column fails here.
        func leaves(_ value: Any, _ prefix: String) -> [String] {
            Mirror(reflecting: value).children.flatMap { child -> [String] in
                let label = child.label!
                if label == "members" { return [] }
                let inline = label == "conditions" || label == "facts"
                guard Mirror(reflecting: child.value).displayStyle == .struct else { return [prefix + label] }
                return leaves(child.value, inline ? prefix : prefix + label + ".")
            }
        }
        let fields = leaves(SurveyInput.csvBlank, "") + leaves(SurveyMember.csvBlank, "")
        #expect(fields.sorted() == HouseholdCSVColumns.all.filter { $0.scope != .grouping }.map(\.name).sorted())
        #expect(Set(HouseholdCSVColumns.header).count == HouseholdCSVColumns.all.count)
    }

    @Test func aWrittenFileReadsBackToTheSameSurveysInChunksOfAnySize() {
        var households = [(ref: "TN-0001", survey: fullSurvey())]
        var generator = DemoHouseholds(seed: 3, communes: DemoHouseholds.demoCommunes(areas))
        for serial in 0..<40 { households.append((ref: "H\(serial)", generator.next(serial: serial))) }
        let text = "\u{FEFF}" + CSVSheet(households).text
        for chunk in [1, 7, 4_096] {
            let read = readCSV(text, chunk: chunk)
            #expect(read.header.isEmpty && read.rejected.isEmpty)
            #expect(read.households.map(\.survey) == households.map(\.survey), "chunk \(chunk)")
            #expect(read.households.map(\.ref) == households.map(\.ref))
            #expect(read.rows == households.map(\.survey.members.count).reduce(0, +))
        }
        // The same file with LF or CR line ends, or quoted where it need not be, is the same file.
        for variant in [text.replacingOccurrences(of: "\r\n", with: "\n"), text.replacingOccurrences(of: "\r\n", with: "\r"),
                        text.replacingOccurrences(of: ",tay,", with: ",\"tay\",")] {
            #expect(readCSV(variant).households.map(\.survey) == households.map(\.survey))
        }
    }

    @Test func rowsAreSpreadsheetRowsEvenWhenACellHasLineBreaks() {
        let read = readCSV(CSVSheet([("A", fullSurvey())] + labelled(1)).text)
        #expect(read.households.map(\.rows) == [2...4, 5...6])
        #expect(read.households.map(\.memberRows) == [[2, 3, 4], [5, 6]])
        #expect(read.households[0].survey.village == "Thôn \"Nà Pài\", tổ 3\nxóm Đồi")
    }

    @Test func cellsSpreadsheetsAlterAreReadAsMeant() throws {
        var sheet = CSVSheet(labelled(1))
        sheet[2, "surveyDate"] = "15/10/2026"
        sheet[2, "communeCode"] = "1840"
        sheet[2, "reviewKind"] = "Periodic"
        sheet[2, "income.monthlyTotalVnd"] = "4.000.000"
        sheet[2, "housing.floorAreaM2"] = "60,0"
        sheet[2, "healthInsurance"] = "Có"
        sheet[2, "fullName"] = "  Hoàng Văn An "
        sheet[3, "birthDate"] = "1/5/2018"
        let read = readCSV(sheet.text)
        #expect(read.rejected.flatMap(\.issues) == [])
        #expect(read.households.map(\.survey) == [labelled(1)[0].survey])
        #expect(CellFormat<Double>.decimal.parse("1.200").failure?.reason.contains("ambiguous") == true)
        #expect(CellFormat<Int64>.whole.parse("7,200,000").success == 7_200_000)
        #expect(CellFormat<Int64>.whole.parse("7.2000").failure != nil)
    }

    @Test func badCellsNameTheirRowAndColumnAndRejectTheirHouseholdOnly() {
        var sheet = CSVSheet(labelled(3))  // H1 rows 2–3, H2 rows 4–5, H3 rows 6–7
        sheet[3, "sex"] = "nữ"
        sheet[3, "healthInsurance"] = "maybe"
        sheet[4, "surveyDate"] = "2026-13-01"
        sheet[5, "cccd"] = "19180004567"
        sheet[4, "information.devices"] = "smartphone; fax"
        let read = readCSV(sheet.text)
        #expect(read.households.map(\.ref) == ["H3"])
        #expect(read.rejected.map(\.rows) == [2...3, 4...5])
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(row: 3, column: "sex", householdRef: "H1", reason: "'nữ' is not one of male, female"),
            ImportIssue(row: 3, column: "healthInsurance", householdRef: "H1", reason: "'maybe' is not true or false"),
            ImportIssue(row: 4, column: "surveyDate", householdRef: "H2", reason: "'2026-13-01' is not a date: write YYYY-MM-DD (or DD/MM/YYYY)"),
            ImportIssue(
                row: 4, column: "information.devices", householdRef: "H2",
                reason: "'fax' is not one of television, radio, computer, smartphone, tablet, featurePhone, landline"),
            ImportIssue(
                row: 5, column: "cccd", householdRef: "H2",
                reason: "has 11 digits, not 12: a spreadsheet may have dropped the leading zeros; format the column as text"),
        ])
    }

    @Test func validatorErrorsArePlacedOnTheRowAndColumnTheyCameFrom() {
        var sheet = CSVSheet(labelled(3))
        sheet[2, "cccd"] = "019180000001"
        sheet[2, "income.monthlyTotalVnd"] = "-5"
        sheet[5, "birthDate"] = "2027-01-01"
        sheet[7, "relation"] = "head"
        let result = importCSV(sheet.text)
        #expect(result.stored.isEmpty)
        #expect(result.issues == [
            ImportIssue(row: 2, column: "income.monthlyTotalVnd", householdRef: "H1", reason: "must not be negative"),
            ImportIssue(row: 2, column: "cccd", householdRef: "H1", reason: "4th digit 1 does not match a male born in 1980"),
            ImportIssue(row: 5, column: "birthDate", householdRef: "H2", reason: "is after the survey date"),
            ImportIssue(row: 6, column: "relation", householdRef: "H3", reason: "exactly one member must have relation 'head', found 2"),
            ImportIssue(row: 7, column: "cccd", householdRef: "H3", reason: "is required for the head of household"),
        ])
    }

    @Test func aHouseholdWithBadCellsStillHearsTheValidatorOnItsOtherRows() {
        var sheet = CSVSheet(labelled(1))
        sheet[2, "cccd"] = "019180000001"
        sheet[3, "sex"] = "x"
        sheet[3, "birthDate"] = "2030-01-01"  // the validator's complaint about row 3 is not added to its cell's
        #expect(importCSV(sheet.text).issues == [
            ImportIssue(row: 2, column: "cccd", householdRef: "H1", reason: "4th digit 1 does not match a male born in 1980"),
            ImportIssue(row: 3, column: "sex", householdRef: "H1", reason: "'x' is not one of male, female"),
        ])
    }

    @Test func aHeaderWithUnknownRepeatedOrMissingColumnsRefusesTheFile() {
        var sheet = CSVSheet(labelled(2))
        sheet.header[sheet.index("village")] = "thon"
        sheet.header[sheet.index("roundId")] = "status"
        sheet.header[sheet.index("water")] = "Water"
        sheet.header.remove(at: sheet.index("sex"))
        let read = readCSV(sheet.text)
        #expect(read.households.isEmpty && read.rejected.isEmpty && read.rows == 0)
        #expect(read.header == [
            ImportIssue(row: 1, column: "thon", reason: "unknown column: the columns are listed in docs/intake/csv-import.md"),
            ImportIssue(row: 1, column: "status", reason: "appears twice in the header (columns 6 and 8)"),
            ImportIssue(row: 1, column: "Water", reason: "unknown column; did you mean 'water'?"),
            ImportIssue(row: 1, reason: "missing required columns: water, sex"),
        ])
        #expect(readCSV("").header == [ImportIssue(row: 1, reason: "the file is empty: the first row must be the header of the template")])
        // 100,000 columns: too long a row to read, and said so.
        let wide = readCSV(Array(repeating: "village", count: 100_000).joined(separator: ",") + "\r\n")
        #expect(wide.header.count == 1 && wide.header[0].reason.hasPrefix("the header: the row is longer than"), "\(wide.header)")
        #expect(readCSV(HouseholdCSVColumns.header.joined(separator: ";") + "\r\n").header.first?.reason.hasPrefix("the columns are separated by ';'") == true)
        let headerOnly = readCSV(HouseholdCSVWriter.headerLine)
        #expect(headerOnly.header.isEmpty && headerOnly.households.isEmpty && headerOnly.rows == 0)
        // Optional columns may be left out; columns without a name are ignored.
        var fewer = CSVSheet(labelled(1))
        for column in ["householdId", "roundId", "status", "income.scoreA", "priorStateTraining"] {
            let index = fewer.index(column)
            fewer.header.remove(at: index)
            for row in fewer.rows.indices { fewer.rows[row].remove(at: index) }
        }
        fewer.header.append("")
        for row in fewer.rows.indices { fewer.rows[row].append("note") }
        #expect(readCSV(fewer.text).households.map(\.survey) == [labelled(1)[0].survey])
    }

    @Test func aLabelThatComesBackAfterOtherHouseholdsIsRefused() {
        var sheet = CSVSheet(labelled(3))
        sheet[6, HouseholdCSVColumns.householdRef] = "H1"
        sheet[7, HouseholdCSVColumns.householdRef] = "H1"
        let read = readCSV(sheet.text)
        #expect(read.households.map(\.ref) == ["H1", "H2"])
        #expect(read.rejected.map(\.rows) == [6...7])
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(
                row: 6, column: "household_ref", householdRef: "H1",
                reason: "'H1' is already used on rows 2–3: the rows of a household must be consecutive, so this household was not imported")
        ])
    }

    @Test func theSameHouseholdUnderTwoLabelsIsImportedOnce() {
        let household = labelled(1)[0].survey
        let result = importCSV(CSVSheet([("A", household), ("B", household)]).text)
        #expect(result.stored.map(\.household.ref) == ["A"])
        #expect(result.issues == [
            ImportIssue(
                row: 4, column: "cccd", householdRef: "B",
                reason: "the same household (commune and head's CCCD) as 'A' on rows 2–3: a household may appear once per file")
        ])
    }

    @Test func malformedRowsAreReportedAndTheNextHouseholdsStillRead() {
        var lines = CSVSheet(labelled(4)).text.components(separatedBy: "\r\n")  // lines[0] is the header, lines[1] row 2
        lines[2] += ",extra"
        lines[3] = lines[3].replacingOccurrences(of: ",tay,", with: ",ta\"y,")
        lines[5] = lines[5].replacingOccurrences(of: "Hoàng Văn An", with: "\"Hoàng Văn An\"x")
        let read = readCSV(lines.joined(separator: "\r\n"))
        #expect(read.households.map(\.ref) == ["H4"])
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(row: 3, householdRef: "H1", reason: "has \(columnCount + 1) cells, the header has \(columnCount)"),
            ImportIssue(row: 4, column: "ethnicity", householdRef: "H2", reason: CSVTokenizer.ProblemKind.quoteInUnquotedField.reason),
            ImportIssue(row: 6, column: "fullName", householdRef: "H3", reason: CSVTokenizer.ProblemKind.textAfterClosingQuote.reason),
        ])
    }

    @Test func aQuoteNeverClosedIsReportedWhereItOpened() {
        // Row 5's last cell (priorStateTraining, empty) opens a quote at the end of the file.
        let read = readCSV(String(CSVSheet(labelled(2)).text.dropLast()) + "\"false")
        #expect(read.households.map(\.ref) == ["H1"])
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(row: 5, column: "priorStateTraining", householdRef: "H2", reason: CSVTokenizer.ProblemKind.unclosedQuote.reason)
        ])
        // A quote that swallows more than a row can hold: the household above is refused, not imported short of a member.
        var lines = CSVSheet(labelled(300)).text.components(separatedBy: "\r\n")
        lines[3] = lines[3].replacingOccurrences(of: ",Hoàng Văn An,", with: ",\"Hoàng Văn An,")
        let swallowed = readCSV(lines.joined(separator: "\r\n"))
        #expect(swallowed.households.isEmpty)
        #expect(swallowed.rejected.map(\.rows) == [2...4])
        #expect(swallowed.rejected.flatMap(\.issues) == [
            ImportIssue(row: 4, householdRef: "H1", reason: CSVTokenizer.ProblemKind.recordTooLong(limit: CSVHouseholdReader.maxRowBytes).reason),
            ImportIssue(row: 4, householdRef: "H1", reason: CSVTokenizer.ProblemKind.unclosedQuote.reason),
        ])
    }

    @Test func householdColumnsBelongOnTheFirstRowAndEveryRowNeedsItsLabel() {
        var sheet = CSVSheet(labelled(3))
        sheet[3, "communeCode"] = "01843"
        sheet[3, "surveyDate"] = "2026-10-15"  // repeating the first row's value exactly is fine
        sheet[5, HouseholdCSVColumns.householdRef] = ""
        sheet.rows.insert(Array(repeating: "", count: columnCount), at: 4)  // a blank row 6: skipped, but it is a row
        let read = readCSV(sheet.text)
        #expect(read.households.map(\.ref) == ["H3"])
        #expect(read.households.map(\.rows) == [7...8])
        #expect(read.rows == 6)
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(
                row: 3, column: "communeCode", householdRef: "H1",
                reason: "'01843' differs from row 2 ('01840'): fill household columns on the household's first row only"),
            ImportIssue(
                row: 5, column: "household_ref", householdRef: "H2",
                reason: "is required on every row; this row was counted with the household above it"),
        ])
    }

    @Test func aHouseholdHasAtMostThirtyRows() {
        var big = survey(members: 2)
        while big.members.count < 31 { big.members.append(big.members[1]) }
        let read = readCSV(CSVSheet([("BIG", big)] + labelled(1)).text)
        #expect(read.households.map(\.ref) == ["H1"])
        #expect(read.rejected.flatMap(\.issues) == [
            ImportIssue(row: 32, householdRef: "BIG", reason: "more than 30 rows for one household (one row per member)")
        ])
    }

    @Test func textThatIsNotUTF8IsNamed() {
        var bytes = Array(CSVSheet(labelled(1)).text.utf8)
        let village = Array("Thôn".utf8)
        let at = (0...(bytes.count - village.count)).first { Array(bytes[$0..<$0 + village.count]) == village }!
        bytes.replaceSubrange(at + 2..<at + 4, with: [0xF4])  // "ô" as Windows-1258 / Latin-1 writes it
        #expect(readCSV(bytes).rejected.flatMap(\.issues) == [
            ImportIssue(row: 2, column: "village", householdRef: "H1", reason: CSVTokenizer.ProblemKind.invalidUTF8.reason)
        ])
    }
}

extension Result {
    var success: Success? { try? get() }
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
