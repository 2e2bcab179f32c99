import Areas
import EventContracts

/// Deterministic, plausible household surveys for demos, tests and benchmarks (seeded; no real people).
public struct DemoHouseholds: Sendable {
    private var state: UInt64
    private let communes: [CommuneUnit]
    private let surveyDate: String

    static let familyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vi", "Nông", "Lục", "Triệu", "Hà", "Lý", "Đinh"]
    static let givenNames = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Văn Đức", "Thị Hoa", "Văn Hùng", "Thị Lan",
                             "Văn Minh", "Thị Nga", "Văn Phúc", "Thị Quyên", "Văn Sơn", "Thị Thu", "Văn Tùng", "Thị Xuân"]
    static let ethnicities = ["kinh", "kinh", "kinh", "tay", "nung", "dao", "hmong", "san-chay"]

    /// - Parameters:
    ///   - communes: where households live; the generator cycles through them at random.
    ///   - surveyDate: YYYY-MM-DD of every survey.
    public init(seed: UInt64, communes: [CommuneUnit], surveyDate: String = "2025-10-15") {
        self.state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        self.communes = communes
        self.surveyDate = surveyDate
    }

    /// The first `count` communes of the seed provinces in force on the survey date, a few per province.
    public static func demoCommunes(_ areas: AreaRegistry, perProvince: Int = 3, on date: String = "2025-10-15") -> [CommuneUnit] {
        ["19", "20", "24", "33"].flatMap { areas.communes(on: date, province: $0).prefix(perProvince) }
    }

    private mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    private mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    private mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

    /// The next household; `serial` makes its CCCD numbers unique across a run.
    public mutating func next(serial: Int) -> SurveyInput {
        let commune = pick(communes)
        let surveyYear = Int(surveyDate.prefix(4)) ?? 2026
        let poorish = chance(35)
        let size = int(1...6)
        let ethnicity = commune.provinceCode == "20" || commune.provinceCode == "19" ? pick(Self.ethnicities) : "kinh"
        let family = pick(Self.familyNames)
        var members: [SurveyMember] = []
        for index in 0..<size {
            let relation: Relation = index == 0 ? .head : (index == 1 ? .spouse : (index < 5 ? .child : .parent))
            let age: Int =
                switch relation {
                case .head, .spouse: int(22...68)
                case .child: int(0...24)
                default: int(60...85)
                }
            let sex: Sex = relation == .head ? (chance(75) ? .male : .female) : (relation == .spouse ? .female : (chance(50) ? .male : .female))
            let birthYear = surveyYear - age - 1
            let birthDate = "\(birthYear)-\(DecimalText.zeroPadded(int(1...12), width: 2))-\(DecimalText.zeroPadded(int(1...28), width: 2))"
            let working = age >= 15 && age < 60
            let employment: Employment =
                working
                ? Employment(
                    status: chance(poorish ? 25 : 5) ? .unemployed : .employed, type: chance(40) ? .wage : .agriculture,
                    labourContract: chance(poorish ? 40 : 80), wantsTraining: chance(30), wantsJob: chance(20))
                : Employment(status: .notInLabourForce)
            let education: Education =
                age < 3
                ? Education(attained: .none, enrolled: false)
                : age < 16
                    ? Education(attained: age > 11 ? .primary : .none, enrolled: chance(poorish ? 85 : 97),
                                currentLevel: age < 6 ? .preschool : (age < 11 ? .primary : .lowerSecondary))
                    : Education(attained: pick([.primary, .lowerSecondary, .upperSecondary, .vocationalElementary, .college]),
                                enrolled: age < 23 && chance(40))
            let facts = MemberFacts(
                relation: relation, sex: sex, ethnicity: ethnicity, disability: chance(6) ? .disabled : .none,
                workingCapacity: age > 75 ? .none : (chance(8) ? .partial : .full), healthInsurance: chance(poorish ? 80 : 97),
                education: education, employment: employment, socialAllowance: age >= 80 || chance(3),
                nutrition: age < 15 ? (chance(poorish ? 15 : 3) ? .stunted : .normal) : nil)
            members.append(SurveyMember(
                fullName: "\(family) \(pick(Self.givenNames))",
                cccd: age >= 14 || index == 0 ? Self.cccd(sex: sex, birthYear: birthYear, number: serial * 8 + index) : nil,
                birthDate: birthDate, facts: facts))
        }
        let durable: [BuildingMaterial] = [.reinforcedConcrete, .brick, .steel, .durableWood]
        let weak: [BuildingMaterial] = [.bamboo, .thatch, .earth, .wood, .tarpaulin]
        let housing = Housing(
            walls: chance(poorish ? 45 : 5) ? pick(weak) : pick(durable), columns: chance(poorish ? 40 : 5) ? pick(weak) : pick(durable),
            roof: chance(poorish ? 40 : 5) ? .thatch : .metalSheet, floorAreaM2: Double(int(poorish ? 12...60 : 35...160)))
        let perCapita = Int64(poorish ? int(600...2_300) : int(1_800...9_000)) * 1_000
        return SurveyInput(
            communeCode: commune.code, village: "Thôn \(int(1...12))", reviewKind: .periodic, surveyDate: surveyDate, members: members,
            conditions: LivingConditions(
                housing: housing,
                water: chance(poorish ? 30 : 4) ? .unprotectedDugWell : pick([.piped, .drilledWell, .protectedDugWell, .rainwater]),
                latrine: chance(poorish ? 40 : 5) ? .pitWithoutSlab : pick([.septic, .semiSeptic, .pourFlush]),
                waste: chance(poorish ? 50 : 10) ? .dumped : .collected,
                information: InformationAccess(
                    telecomUse: chance(poorish ? 85 : 99), internetUse: chance(poorish ? 50 : 90),
                    devices: chance(poorish ? 20 : 2) ? [] : [.smartphone, .television]),
                income: Income(method: .declared, monthlyTotalVnd: perCapita * Int64(size))))
    }

    /// Unique for every `number` below 63 million: the province prefix changes every million.
    static func cccd(sex: Sex, birthYear: Int, number: Int) -> String {
        let prefixes = CCCD.provincePrefixes.sorted()
        return CCCD.make(province: prefixes[(number / 1_000_000) % prefixes.count], sex: sex, birthYear: birthYear, serial: number % 1_000_000)
    }

}
