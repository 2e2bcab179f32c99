import EventContracts

/// The official forms as tables, from a report's figures: pure, so that the CSV and the printable page say the same.
///
/// - `changes`: the change form of poor and near-poor households of Circular 07/2021/TT-BLĐTBXH (as amended by
///   Circular 02/2022/TT-BLĐTBXH): per class and unit (households, people, ethnic-minority, urban and rural
///   households) the start, each inflow, each outflow and the end of the review year, and the rates over resident
///   households where the denominators are known.
/// - `deprivations`: poor and near-poor households deprived on each indicator of the multidimensional standard, with
///   their share of the class's households.
public enum ReportForm: String, CaseIterable, Sendable {
    case changes, deprivations

    public var title: Bilingual {
        switch self {
        case .changes: Bilingual("Biến động hộ nghèo, hộ cận nghèo", "Changes in poor and near-poor households")
        case .deprivations: Bilingual("Hộ nghèo, hộ cận nghèo theo chỉ số thiếu hụt", "Poor and near-poor households by deprivation")
        }
    }
}

/// A label in Vietnamese, then English.
public struct Bilingual: Sendable, Hashable {
    public var vi: String
    public var en: String
    public init(_ vi: String, _ en: String) { (self.vi, self.en) = (vi, en) }
}

/// One row of a form: its label, and cells (numbers as text, empty where not known).
public struct FormRow: Sendable, Hashable {
    public var label: Bilingual
    public var cells: [String]
}

/// A form's table: column headings, rows, and the lines printed under it (denominators, target, what it counts).
public struct FormTable: Sendable, Hashable {
    public var form: ReportForm
    public var columns: [Bilingual]
    public var rows: [FormRow]
    public var notes: [Bilingual]
}

public enum ReportForms {
    /// The change form of `review`: one row per class and unit.
    public static func changes(_ review: ReviewYearCounts) -> FormTable {
        let columns = [
            Bilingual("Đầu kỳ", "Start"), Bilingual("Ghi nhận lần đầu", "First recorded"), Bilingual("Phát sinh mới", "Newly"),
            Bilingual("Tái nghèo", "Re-poor"), Bilingual("Từ nhóm kia chuyển sang", "From the other class"),
            Bilingual("Chuyển đến", "Moved in"), Bilingual("Tăng khác", "Other in"), Bilingual("Thoát", "Escaped"),
            Bilingual("Chuyển sang nhóm kia", "To the other class"), Bilingual("Chuyển đi", "Moved out"), Bilingual("Giảm khác", "Other out"),
            Bilingual("Cuối kỳ", "End"), Bilingual("Tỷ lệ đầu kỳ (%)", "Rate at start (%)"), Bilingual("Tỷ lệ cuối kỳ (%)", "Rate at end (%)"),
        ]
        func row(_ label: Bilingual, _ f: ClassYearFlows, rates: (Double?, Double?)? = nil) -> FormRow {
            let counts = [f.start, f.firstRecorded, f.newly, f.re, f.fromOtherClass, f.movedIn, f.otherIn, f.escaped, f.toOtherClass, f.movedOut,
                          f.otherOut, f.end].map(String.init)
            return FormRow(label: label, cells: counts + [percent(rates?.0), percent(rates?.1)])
        }
        let rates = review.rates
        let groups: [(Bilingual, Bilingual, PovertyYearFlows)] = [
            (Bilingual("Hộ nghèo", "Poor households"), Bilingual("Hộ cận nghèo", "Near-poor households"), review.households),
            (Bilingual("Nhân khẩu hộ nghèo", "People in poor households"), Bilingual("Nhân khẩu hộ cận nghèo", "People in near-poor households"), review.people),
            (Bilingual("Hộ nghèo dân tộc thiểu số", "Ethnic-minority poor households"),
             Bilingual("Hộ cận nghèo dân tộc thiểu số", "Ethnic-minority near-poor households"), review.ethnicMinorityHouseholds),
            (Bilingual("Hộ nghèo thành thị", "Urban poor households"), Bilingual("Hộ cận nghèo thành thị", "Urban near-poor households"), review.urbanHouseholds),
            (Bilingual("Hộ nghèo nông thôn", "Rural poor households"), Bilingual("Hộ cận nghèo nông thôn", "Rural near-poor households"), review.ruralHouseholds),
        ]
        var rows: [FormRow] = []
        for (index, (poor, nearPoor, flows)) in groups.enumerated() {
            rows.append(row(poor, flows.poor, rates: index == 0 ? (rates?.poorStart, rates?.poorEnd) : nil))
            rows.append(row(nearPoor, flows.nearPoor, rates: index == 0 ? (rates?.nearPoorStart, rates?.nearPoorEnd) : nil))
        }
        var notes = [
            denominatorNote(Bilingual("Mẫu số đầu kỳ (tổng số hộ năm \(review.year - 1))", "Denominator at start (households, \(review.year - 1))"), review.denominatorAtStart),
            denominatorNote(Bilingual("Mẫu số cuối kỳ (tổng số hộ năm \(review.year))", "Denominator at end (households, \(review.year))"), review.denominatorAtEnd),
            Bilingual(
                "Kết quả rà soát chưa được công nhận (không tính ở trên): \(review.proposed.poor) hộ nghèo, \(review.proposed.nearPoor) hộ cận nghèo",
                "Proposed results not yet recognised (not counted above): \(review.proposed.poor) poor, \(review.proposed.nearPoor) near-poor households"),
        ]
        if let target = review.target { notes += targetNotes(target) }
        return FormTable(form: .changes, columns: columns, rows: rows, notes: notes)
    }

    /// The deprivation form of the households as last classified (recognised or proposed): the current figures.
    public static func deprivations(_ report: AreaReport) -> FormTable {
        deprivations(
            DeprivedHouseholds(poor: report.poorDeprivedBy, nearPoor: report.nearPoorDeprivedBy ?? [:]),
            of: PovertyCounts(poor: report.households.poor, nearPoor: report.households.nearPoor),
            note: Bilingual(
                "Tính trên \(report.households.poor) hộ nghèo và \(report.households.nearPoor) hộ cận nghèo theo kết quả phân loại mới nhất (kể cả chưa công nhận), đến \(report.asOf)",
                "Over \(report.households.poor) poor and \(report.households.nearPoor) near-poor households as last classified (proposed included), as of \(report.asOf)"))
    }

    /// The deprivation form of a review year: the recognised lists at its end; nil when their indicators are not known.
    public static func deprivations(_ review: ReviewYearCounts) -> FormTable? {
        guard let deprived = review.deprivedAtEnd else { return nil }
        let h = review.households
        return deprivations(
            deprived, of: PovertyCounts(poor: h.poor.end, nearPoor: h.nearPoor.end),
            note: Bilingual(
                "Danh sách hộ nghèo, hộ cận nghèo được công nhận tại 31/12/\(review.year): \(h.poor.end) hộ nghèo, \(h.nearPoor.end) hộ cận nghèo",
                "The poor and near-poor lists recognised on 31 December \(review.year): \(h.poor.end) poor, \(h.nearPoor.end) near-poor households"))
    }

    /// Households of each class deprived on each indicator, and their share of the class's households.
    static func deprivations(_ deprived: DeprivedHouseholds, of households: PovertyCounts, note: Bilingual) -> FormTable {
        let ids = Set(deprived.poor.keys).union(deprived.nearPoor.keys)
        let ordered = indicatorLabels.map(\.id).filter(ids.contains) + ids.subtracting(indicatorLabels.map(\.id)).sorted()
        let rows = ordered.map { id -> FormRow in
            let label = indicatorLabels.first { $0.id == id }?.label ?? Bilingual(id, id)
            let p = deprived.poor[id] ?? 0, n = deprived.nearPoor[id] ?? 0
            return FormRow(label: label, cells: [
                String(p), percent(YearRates.percent(p, of: households.poor)), String(n), percent(YearRates.percent(n, of: households.nearPoor)),
            ])
        }
        return FormTable(
            form: .deprivations,
            columns: [
                Bilingual("Hộ nghèo thiếu hụt", "Poor households deprived"), Bilingual("% hộ nghèo", "% of poor households"),
                Bilingual("Hộ cận nghèo thiếu hụt", "Near-poor households deprived"), Bilingual("% hộ cận nghèo", "% of near-poor households"),
            ],
            rows: rows, notes: [note])
    }

    /// The indicators of Decree 07/2021/NĐ-CP (and their order on the form), with the names it gives them.
    static let indicatorLabels: [(id: String, label: Bilingual)] = [
        ("employment", Bilingual("Việc làm", "Employment")),
        ("dependants", Bilingual("Người phụ thuộc trong hộ gia đình", "Dependants in the household")),
        ("nutrition", Bilingual("Dinh dưỡng", "Nutrition")),
        ("healthInsurance", Bilingual("Bảo hiểm y tế", "Health insurance")),
        ("adultEducation", Bilingual("Trình độ giáo dục của người lớn", "Adults' education")),
        ("childSchooling", Bilingual("Tình trạng đi học của trẻ em", "Children's schooling")),
        ("housingQuality", Bilingual("Chất lượng nhà ở", "Housing quality")),
        ("housingArea", Bilingual("Diện tích nhà ở bình quân đầu người", "Housing area per person")),
        ("water", Bilingual("Nguồn nước sinh hoạt", "Domestic water")),
        ("latrine", Bilingual("Nhà tiêu hợp vệ sinh", "Hygienic latrine")),
        ("wasteTreatment", Bilingual("Xử lý rác thải", "Waste treatment")),
        ("telecom", Bilingual("Sử dụng dịch vụ viễn thông", "Telecommunication services")),
        ("informationDevices", Bilingual("Phương tiện phục vụ tiếp cận thông tin", "Means of access to information")),
    ]

    /// Two decimals with a point, as CSV readers expect; empty when unknown.
    static func percent(_ value: Double?) -> String { value.map { DecimalText.fixed($0, fractionDigits: 2) } ?? "" }

    static func denominatorNote(_ label: Bilingual, _ d: YearDenominator?) -> Bilingual {
        guard let d, let households = d.households else {
            let known = d.map { " (\($0.communesKnown)/\($0.communes))" } ?? ""
            return Bilingual("\(label.vi): thiếu mẫu số\(known)", "\(label.en): denominator missing\(known)")
        }
        return Bilingual("\(label.vi): \(households)", "\(label.en): \(households)")
    }

    static func targetNotes(_ t: YearTarget) -> [Bilingual] {
        var notes: [Bilingual] = []
        if let reduction = t.poorHouseholdsReduction {
            notes.append(Bilingual(
                "Chỉ tiêu giảm hộ nghèo: \(reduction); đạt: \(t.achievedReduction); còn thiếu: \(t.reductionGap.map(String.init) ?? "")",
                "Target reduction of poor households: \(reduction); achieved: \(t.achievedReduction); gap: \(t.reductionGap.map(String.init) ?? "")"))
        }
        if let rate = t.poorRatePercent {
            notes.append(Bilingual(
                "Chỉ tiêu tỷ lệ hộ nghèo (%): \(percent(rate)); chênh lệch (điểm %): \(percent(t.poorRateGapPoints))",
                "Target poverty rate (%): \(percent(rate)); gap (points): \(percent(t.poorRateGapPoints))"))
        }
        return notes
    }
}
