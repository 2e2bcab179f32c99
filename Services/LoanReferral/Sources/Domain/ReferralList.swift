import Areas
import EventContracts

extension ReferralList {
    /// The rows of `sets` (one commune's households of one round): referred referrals only, since the bank lends on the
    /// recognised list; ordered by village, head's name and programme. Rates are those in force on `date`.
    public static func rows(_ sets: [LoanReferralSet], programmes: [String: LoanProgramme], on date: String) -> [Row] {
        sets.flatMap { set -> [Row] in
            guard let cls = set.householdClass, let decision = set.recognition else { return [] }
            return set.referrals.filter { $0.status == .referred }.map { referral in
                let programme = programmes[referral.programmeId]
                return Row(
                    householdId: set.householdId, headName: set.head.fullName, headCCCD: set.head.cccd, village: set.area.village,
                    householdClass: cls, decisionNumber: decision.decisionNumber, decisionDate: decision.decisionDate,
                    referralId: referral.referralId, programmeId: referral.programmeId, programmeName: referral.programmeName,
                    maxLoanVnd: referral.maxLoanVnd, annualRatePercent: programme?.rate(on: date) ?? referral.annualRatePercent,
                    maxTermMonths: programme?.terms(on: date).maxTermMonths ?? referral.maxTermMonths)
            }
        }.sorted { ($0.village ?? "", $0.headName, $0.programmeId) < ($1.village ?? "", $1.headName, $1.programmeId) }
    }

    /// The CSV columns, in the order of the groups' list (form 03/TD as recalled: order, borrower, identity, address,
    /// beneficiary group, then the loan's terms), Vietnamese headers; docs/agencies/vbsp.md lists them.
    public static let csvHeader = [
        "STT", "Họ và tên chủ hộ", "Số CCCD", "Thôn, tổ dân phố", "Đối tượng", "Quyết định công nhận", "Ngày quyết định", "Chương trình cho vay",
        "Mức cho vay tối đa (đồng)", "Lãi suất (%/năm)", "Thời hạn tối đa (tháng)", "Mã giới thiệu", "Mã hộ",
    ]

    /// The list as CSV (UTF-8, a header row, one row per referral).
    public var csv: String {
        let lines = rows.enumerated().map { index, row in
            CSV.spreadsheetLine([
                String(index + 1), row.headName, row.headCCCD ?? "", row.village ?? "", Self.beneficiary(row), row.decisionNumber,
                row.decisionDate, row.programmeName, String(row.maxLoanVnd), DecimalText.amount(row.annualRatePercent), String(row.maxTermMonths),
                row.referralId, row.householdId,
            ])
        }
        return CSV.spreadsheetLine(Self.csvHeader) + lines.joined()
    }

    /// The row's beneficiary group as the list names it: by programme for the newly-escaped and the water and
    /// sanitation loans, else by class.
    static func beneficiary(_ row: Row) -> String {
        if row.programmeId == "vbsp-newly-escaped" { return "Hộ mới thoát nghèo" }
        switch row.householdClass {
        case .poor: return "Hộ nghèo"
        case .nearPoor: return "Hộ cận nghèo"
        case .averageLiving, .none: return "Hộ gia đình ở nông thôn"
        }
    }
}
