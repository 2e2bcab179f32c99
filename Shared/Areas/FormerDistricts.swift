/// A district-level unit of before 1 Jul 2025 (huyện, thị xã, thành phố thuộc tỉnh), followed as a grouping of
/// today's communes so that its figures can be compared with those published for it in 2022–2024.
public struct FormerDistrict: Sendable, Hashable {
    /// 3-digit district code of the GSO catalogue (e.g. `058` Thành phố Bắc Kạn).
    public var code: String
    public var name: String
    /// The province it belonged to (a pre-reform code) and the province its communes are in today.
    public var formerProvinceCode: String
    public var provinceCode: String
    /// Today's communes made only of its former communes, and its former communes that were split between several
    /// of today's communes (reported under their former code); its report is the sum of theirs.
    public var communes: [String]
    /// Today's communes made of its former communes and of another district's: they cannot be attributed to one
    /// district, so they are named on its report and not counted in it.
    public var partlyIn: [String]
}

extension FormerDistrict {
    /// The area code of a former commune reported on its own (one split between several of today's communes):
    /// its code and its last day in force, so it never merges with a commune of today that reused the code.
    public static func key(_ code: String, validTo: String) -> String { "\(code)@\(validTo)" }

    /// Groups today's communes by the former district of their predecessors, from the former units and the crosswalk.
    /// - Parameters:
    ///   - formerUnits: former commune code → (district code, district name, former province code, last day in force).
    ///   - successors: former commune code → today's commune codes it went into.
    ///   - provinceToday: today's province of a commune code.
    static func grouped(
        formerUnits: [String: (district: String, name: String, province: String, validTo: String)], successors: [String: [String]],
        provinceToday: (String) -> String?
    ) -> [String: FormerDistrict] {
        var predecessorDistricts: [String: Set<String>] = [:]
        var splitFormer: [String: [String]] = [:]
        for (former, unit) in formerUnits {
            let into = Set(successors[former] ?? [])
            if into.count > 1 { splitFormer[unit.district, default: []].append(key(former, validTo: unit.validTo)) }
            for code in into { predecessorDistricts[code, default: []].insert(unit.district) }
        }
        var districts: [String: FormerDistrict] = [:]
        for (former, unit) in formerUnits where districts[unit.district] == nil {
            let today = (successors[former] ?? []).compactMap(provinceToday).first ?? unit.province
            districts[unit.district] = FormerDistrict(
                code: unit.district, name: unit.name, formerProvinceCode: unit.province, provinceCode: today, communes: [], partlyIn: [])
        }
        for (code, owners) in predecessorDistricts {
            for district in owners {
                if owners.count == 1 { districts[district]?.communes.append(code) } else { districts[district]?.partlyIn.append(code) }
            }
        }
        for (district, formers) in splitFormer { districts[district]?.communes += formers }
        for code in districts.keys {
            districts[code]?.communes.sort()
            districts[code]?.partlyIn.sort()
        }
        return districts
    }
}
