import Areas
import EventContracts

/// A household's latest survey classified under a candidate standard, beside its official classification: what the
/// commune would see if that standard applied, and why the class would move. Nothing official changes.
public struct ClassificationPreview: Codable, Sendable, Hashable {
    /// Always true: this is not the household's classification.
    public var preview: Bool
    public var householdId: String
    public var householdVersion: Int64
    /// What the household's official classification says.
    public var official: Official
    /// The household under the candidate: every indicator with its reason. Its transition is not judged (`first`).
    public var candidate: Classification
    public var shift: Shift

    public struct Official: Codable, Sendable, Hashable {
        public var standardId: String
        public var listYear: Int?
        public var householdClass: HouseholdClass
        public var deprivationCount: Int
    }

    /// How the class moves and why, in terms an officer can check against the two explanations.
    public struct Shift: Codable, Sendable, Hashable {
        public var from: HouseholdClass
        public var to: HouseholdClass
        public var moves: Bool
        /// `incomeLineAlone`, `indicatorsAlone` or `incomeLineAndIndicators`; absent when the class does not move.
        public var cause: MoveCause?
        public var newlyDeprived: [String]
        public var noLongerDeprived: [String]
        public var reason: String
    }

    public init(snapshot: HouseholdSnapshot, official: Classification, candidate standard: PovertyStandard, catalogue: StandardsCatalogue) {
        let outcome = Classifier.classify(snapshot, under: standard)
        let officialResult = OfficialResult(
            official, threshold: catalogue.standard(id: official.standard.id)?.deprivationThreshold ?? standard.deprivationThreshold)
        let shift = ShadowComparison.compare(official: officialResult, candidate: outcome, candidateThreshold: standard.deprivationThreshold)
        preview = true
        householdId = snapshot.householdId
        householdVersion = snapshot.version
        self.official = Official(
            standardId: official.standard.id, listYear: official.listYear, householdClass: official.householdClass,
            deprivationCount: official.deprivationCount)
        candidate = ClassificationBuilder.build(
            snapshot, under: standard, catalogue: catalogue, outcome: outcome, transition: .first, previous: nil, escapedOn: nil)
        candidate.listYear = nil  // not the list of any year: a preview
        self.shift = Shift(
            from: shift.from, to: shift.to, moves: shift.moved, cause: shift.cause, newlyDeprived: shift.newlyDeprived,
            noLongerDeprived: shift.noLongerDeprived,
            reason: Self.reason(shift, official: official, candidate: candidate, threshold: standard.deprivationThreshold))
    }

    static func reason(_ shift: HouseholdShift, official: Classification, candidate: Classification, threshold: Int) -> String {
        let income = { (c: Classification) -> String in
            let perPerson = c.income.perCapitaMonthlyVnd.map { "\($0) VND per person" } ?? "income"
            return "\(perPerson) is \(c.income.atOrBelowPovertyLine ? "at or below" : "above") the \(c.standard.id) line of "
                + "\(c.income.povertyLineVnd) VND"
        }
        let deprivations = "\(candidate.deprivationCount) deprivations under \(candidate.standard.id) (threshold \(threshold)) against "
            + "\(official.deprivationCount) under \(official.standard.id)"
            + (shift.newlyDeprived.isEmpty ? "" : "; newly deprived: \(shift.newlyDeprived.joined(separator: ", "))")
            + (shift.noLongerDeprived.isEmpty ? "" : "; no longer deprived: \(shift.noLongerDeprived.joined(separator: ", "))")
        switch shift.cause {
        case nil: return "stays \(shift.to.rawValue): \(income(candidate)); \(deprivations)"
        case .incomeLineAlone:
            return "\(shift.from.rawValue) → \(shift.to.rawValue) by the income line alone: \(income(candidate)) (officially \(income(official)))"
        case .indicatorsAlone: return "\(shift.from.rawValue) → \(shift.to.rawValue) by the indicators alone: \(deprivations)"
        case .incomeLineAndIndicators:
            return "\(shift.from.rawValue) → \(shift.to.rawValue) by the income line and the indicators together: \(income(candidate)) "
                + "(officially \(income(official))); \(deprivations)"
        }
    }
}

extension OfficialResult {
    /// The comparison's view of an official classification; `threshold` is its standard's deprivation threshold.
    public init(_ c: Classification, threshold: Int) {
        self.init(
            householdClass: c.householdClass, atOrBelowPovertyLine: c.income.atOrBelowPovertyLine,
            deprivedIndicatorIds: Set(c.indicators.filter(\.deprived).map(\.id)),
            deprivedEnoughToBePoor: c.deprivationCount >= threshold, standardId: c.standard.id)
    }
}

/// The households of one commune whose class a shadow run's candidate standard would change
/// (`GET /v1/shadow-runs/{runId}/areas/{communeCode}/households`). No names or CCCD numbers: the ids lead to intake.
public struct ShadowAreaHouseholds: Codable, Sendable, Hashable {
    public var runId: String
    public var standard: StandardRef
    public var areaCode: String
    public var areaName: String?
    public var households: [Row]

    public struct Row: Codable, Sendable, Hashable {
        public var householdId: String
        public var householdVersion: Int64
        public var village: String?
        public var officialClass: HouseholdClass
        public var candidateClass: HouseholdClass
        public var cause: MoveCause?
        public var newlyDeprived: [String]
        public var noLongerDeprived: [String]
    }

    /// The list as CSV (RFC 4180), one household per line; indicator lists separated by spaces.
    public var csv: String {
        CSV.spreadsheetLine(["householdId", "householdVersion", "village", "officialClass", "candidateClass", "cause", "newlyDeprived", "noLongerDeprived"])
            + households.map { row in
                CSV.spreadsheetLine([
                    row.householdId, String(row.householdVersion), row.village ?? "", row.officialClass.rawValue, row.candidateClass.rawValue,
                    row.cause?.rawValue ?? "", row.newlyDeprived.joined(separator: " "), row.noLongerDeprived.joined(separator: " "),
                ])
            }.joined()
    }
}

/// Why a shadow run's household list cannot be given.
public enum ShadowListRefusal: Error, Sendable {
    case notFound(String)
    case running(String)
    /// The households (or the catalogue) changed since the run: its list would not match its counts.
    case changed(String)
    case failed(String)
}
