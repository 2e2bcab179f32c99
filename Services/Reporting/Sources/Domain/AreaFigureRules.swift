import Areas
import Foundation
import EventContracts

/// What an area figure must say, where it is counted and as what: pure functions of the figure and the area list.
struct AreaFigureRules: Sendable {
    let areas: AreaRegistry

    /// The first day of today's commune codes (Decision 19/2025/QĐ-TTg): denominators are given for today's communes.
    static let communesFrom = "2025-07-01"

    /// Every field at fault, with the reason.
    func problems(_ f: AreaFigure, key: String) -> [FieldError] {
        var problems: [FieldError] = []
        if key != f.key { problems.append(FieldError("key", "the record key must be '\(f.key)' (<areaCode>/<year>/<kind>)")) }
        if !(2000...2100).contains(f.year) { problems.append(FieldError("year", "\(f.year) is not a year between 2000 and 2100")) }
        if f.version < 1 { problems.append(FieldError("version", "must be 1 or more")) }
        // Lengths in code points, as JSON Schema counts them.
        let source = f.source.trimmingCharacters(in: .whitespacesAndNewlines)
        if source.isEmpty || f.source.unicodeScalars.count > 500 {
            problems.append(FieldError("source", "say where the figure comes from (the publication, or the resolution's number and date), in 1–500 characters"))
        }
        if let problem = areaProblem(f) { problems.append(problem) }
        if f.kind != .baseline, f.published != nil { problems.append(FieldError("published", "belongs to a baseline, not a \(f.kind.rawValue)")) }
        switch f.kind {
        case .denominator:
            if let h = f.households { if h < 1 { problems.append(FieldError("households", "must be 1 or more")) } }
            else { problems.append(FieldError("households", "a denominator gives the resident households")) }
            if let p = f.people, p < (f.households ?? 1) { problems.append(FieldError("people", "\(p) is fewer than the households")) }
            for (field, value) in [("poorHouseholdsReduction", f.poorHouseholdsReduction != nil), ("poorRatePercent", f.poorRatePercent != nil),
                                   ("nearPoorRatePercent", f.nearPoorRatePercent != nil)] where value {
                problems.append(FieldError(field, "belongs to a target, not a denominator"))
            }
        case .target:
            if f.poorHouseholdsReduction == nil && f.poorRatePercent == nil && f.nearPoorRatePercent == nil {
                problems.append(FieldError("poorHouseholdsReduction", "a target gives poorHouseholdsReduction, poorRatePercent or nearPoorRatePercent"))
            }
            if let n = f.poorHouseholdsReduction, n < 0 { problems.append(FieldError("poorHouseholdsReduction", "must be 0 or more")) }
            for (field, text) in [("poorRatePercent", f.poorRatePercent), ("nearPoorRatePercent", f.nearPoorRatePercent)] {
                if let text, AreaFigure.hundredths(text) == nil {
                    problems.append(FieldError(field, "'\(text)' is not a percentage from 0 to 100 with at most two decimals"))
                }
            }
            for (field, value) in [("households", f.households != nil), ("people", f.people != nil)] where value {
                problems.append(FieldError(field, "belongs to a denominator, not a target"))
            }
        case .baseline:
            if let published = f.published {
                if published.households.allSatisfy({ $0.value == nil }) && published.rates.allSatisfy({ $0.text == nil }) {
                    problems.append(FieldError("published", "a baseline gives at least one published figure"))
                }
                for (name, value) in published.households where (value ?? 0) < 0 {
                    problems.append(FieldError("published.\(name)", "must be 0 or more"))
                }
                for (name, text) in published.rates {
                    if let text, AreaFigure.hundredths(text) == nil {
                        problems.append(FieldError("published.\(name)", "'\(text)' is not a percentage from 0 to 100 with at most two decimals"))
                    }
                }
            } else {
                problems.append(FieldError("published", "a baseline gives the published figures"))
            }
            for (field, value) in [("households", f.households != nil), ("people", f.people != nil),
                                   ("poorHouseholdsReduction", f.poorHouseholdsReduction != nil), ("poorRatePercent", f.poorRatePercent != nil),
                                   ("nearPoorRatePercent", f.nearPoorRatePercent != nil)] where value {
                problems.append(FieldError(field, "belongs to a denominator or a target, not a baseline"))
            }
        }
        return problems
    }

    private func areaProblem(_ f: AreaFigure) -> FieldError? {
        switch (f.kind, f.areaCode.count) {
        case (_, 5):
            do { _ = try areas.commune(f.areaCode, on: Self.communesFrom) } catch { return FieldError("areaCode", error.reason) }
            return nil
        case (.target, 2), (.baseline, 2):
            return areas.provinceNames[f.areaCode] == nil ? FieldError("areaCode", "unknown province code \(f.areaCode)") : nil
        case (.target, 3), (.baseline, 3):
            return areas.formerDistricts[f.areaCode] == nil ? FieldError("areaCode", "unknown former district code \(f.areaCode)") : nil
        case (.denominator, _):
            return FieldError(
                "areaCode", "'\(f.areaCode)' is not a commune code: denominators are given per commune, and an area's is the sum of its communes'")
        default:
            return FieldError("areaCode", "'\(f.areaCode)' is not a commune (5 digits), province (2) or former district (3) code")
        }
    }

    /// The areas a valid figure is counted in, with their province: a commune's denominator in the commune, its province
    /// and its former district (a grouping's is the sum); a target in its own area only.
    func countedIn(_ f: AreaFigure) -> (areas: [(code: String, level: AreaLevel)], provinceCode: String) {
        switch f.areaCode.count {
        case 2: return ([(f.areaCode, .province)], f.areaCode)
        case 3:
            let province = areas.formerDistricts[f.areaCode]?.provinceCode ?? ""
            return ([(f.areaCode, .formerDistrict)], province)
        default:
            let province = (try? areas.commune(f.areaCode, on: Self.communesFrom).provinceCode) ?? ""
            guard f.kind == .denominator else { return ([(f.areaCode, .commune)], province) }
            let district = areas.formerDistrictOf[f.areaCode].map { [($0, AreaLevel.formerDistrict)] } ?? []
            return ([(f.areaCode, .commune), (province, .province)] + district, province)
        }
    }

    /// What a valid figure adds to its areas' counters (`den.<year>.*`, `target.<year>.*`, `base.<year>.*`); a flag marks
    /// each target and baseline figure given, so that a figure of 0 is told from none.
    static func counts(_ f: AreaFigure) -> [String: Int] {
        let y = "\(f.year)"
        switch f.kind {
        case .denominator:
            var counts = ["den.\(y).communes": 1, "den.\(y).households": f.households ?? 0]
            if let people = f.people { (counts["den.\(y).people"], counts["den.\(y).peopleCommunes"]) = (people, 1) }
            return counts
        case .target:
            var counts: [String: Int] = [:]
            if let n = f.poorHouseholdsReduction { (counts["target.\(y).poorReduction"], counts["target.\(y).poorReductionSet"]) = (n, 1) }
            if let rate = f.poorRatePercent.flatMap(AreaFigure.hundredths) { (counts["target.\(y).poorRate"], counts["target.\(y).poorRateSet"]) = (rate, 1) }
            if let rate = f.nearPoorRatePercent.flatMap(AreaFigure.hundredths) {
                (counts["target.\(y).nearPoorRate"], counts["target.\(y).nearPoorRateSet"]) = (rate, 1)
            }
            return counts
        case .baseline:
            var counts: [String: Int] = [:]
            for (name, value) in f.published?.households ?? [] {
                if let value { (counts["base.\(y).\(name)"], counts["base.\(y).\(name)Set"]) = (value, 1) }
            }
            for (name, text) in f.published?.rates ?? [] {
                if let rate = text.flatMap(AreaFigure.hundredths) { (counts["base.\(y).\(name)"], counts["base.\(y).\(name)Set"]) = (rate, 1) }
            }
            return counts
        }
    }
}
