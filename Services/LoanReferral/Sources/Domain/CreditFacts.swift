import EventContracts

/// What a household's loans add to its areas' credit figures (``CreditCounts``), as counter keys: loans of the current
/// cycle by where they stand, and their VND, in total and by programme, and households by whether they applied, were
/// lent, or are overdue. Counted by loan-referral, which decides these facts from the bank's events.
public enum CreditFacts {
    public static func counts(of loans: [Loan]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for loan in loans where loan.cycle > 0 {
            var figures: [String: Int] = ["applied": 1]
            if [.approved, .disbursed, .overdue, .frozen, .repaid, .writtenOff].contains(loan.stage) { figures["approved"] = 1 }
            switch loan.stage {
            case .rejected: figures["rejected"] = 1
            case .overdue: figures["overdue"] = 1
            case .repaid: figures["repaid"] = 1
            case .writtenOff: figures["writtenOff"] = 1
            default: break
            }
            if let disbursed = loan.disbursedVnd {
                figures["disbursed"] = 1
                figures["disbursedVnd"] = Int(disbursed)
            }
            if loan.stage.isLent { figures["outstandingVnd"] = Int(loan.outstandingVnd) }
            if loan.stage == .overdue { figures["overdueVnd"] = Int(loan.overdueVnd ?? 0) }
            for (figure, value) in figures where value != 0 {
                counts["credit.loans.\(figure)", default: 0] += value
                counts["credit.programme.\(loan.programmeId).\(figure)", default: 0] += value
            }
        }
        let current = loans.filter { $0.cycle > 0 }
        if !current.isEmpty { counts["credit.households.applied"] = 1 }
        if current.contains(where: { $0.disbursedVnd != nil }) { counts["credit.households.disbursed"] = 1 }
        if current.contains(where: { $0.stage == .overdue }) { counts["credit.households.overdue"] = 1 }
        return counts
    }
}
