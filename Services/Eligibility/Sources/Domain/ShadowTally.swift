import EventContracts


/// Counts households by official and candidate class, the causes of moves and the indicators that move: the
/// arithmetic of a shadow run, as plain values. Merging two counters gives the counter of both sets of households,
/// which is how a province is the exact sum of its communes.
public struct ShadowCounter: Codable, Sendable, Hashable {
    /// `cells[from.rank * 4 + to.rank]`: households officially `from` that the candidate puts in `to`.
    private var cells = [Int](repeating: 0, count: 16)
    private var causes: [MoveCause: Int] = [:]
    private var indicators: [String: IndicatorShift] = [:]
    /// The standards of the official classifications counted.
    public private(set) var officialStandardIds: Set<String> = []

    public init() {}

    public var households: Int { cells.reduce(0, +) }

    public mutating func add(_ shift: HouseholdShift, officialStandardId: String) {
        cells[shift.from.rank * 4 + shift.to.rank] += 1
        officialStandardIds.insert(officialStandardId)
        guard let cause = shift.cause else { return }
        causes[cause, default: 0] += 1
        for id in shift.newlyDeprived { indicators[id, default: IndicatorShift()].newlyDeprived += 1 }
        for id in shift.noLongerDeprived { indicators[id, default: IndicatorShift()].noLongerDeprived += 1 }
    }

    public mutating func merge(_ other: ShadowCounter) {
        for index in cells.indices { cells[index] += other.cells[index] }
        causes.merge(other.causes, uniquingKeysWith: +)
        indicators.merge(other.indicators) {
            IndicatorShift(newlyDeprived: $0.newlyDeprived + $1.newlyDeprived, noLongerDeprived: $0.noLongerDeprived + $1.noLongerDeprived)
        }
        officialStandardIds.formUnion(other.officialStandardIds)
    }

    /// The counts as published: rows, columns, the matrix, moves by cause and by indicator.
    public var counts: ShadowCounts {
        let classes = HouseholdClass.allCases.sorted()
        func cell(_ from: HouseholdClass, _ to: HouseholdClass) -> Int { cells[from.rank * 4 + to.rank] }
        func counts(_ value: (HouseholdClass) -> Int) -> ClassCounts {
            ClassCounts(
                total: classes.map(value).reduce(0, +), poor: value(.poor), nearPoor: value(.nearPoor),
                averageLiving: value(.averageLiving), none: value(.none))
        }
        func row(_ from: HouseholdClass) -> ClassCounts { counts { cell(from, $0) } }
        let official = counts { from in classes.map { cell(from, $0) }.reduce(0, +) }
        let shadow = counts { to in classes.map { cell($0, to) }.reduce(0, +) }
        return ShadowCounts(
            households: households, official: official, shadow: shadow,
            matrix: ClassMatrix(poor: row(.poor), nearPoor: row(.nearPoor), averageLiving: row(.averageLiving), none: row(.none)),
            moved: households - classes.map { cell($0, $0) }.reduce(0, +),
            movedBy: MoveCauses(
                incomeLineAlone: causes[.incomeLineAlone] ?? 0, indicatorsAlone: causes[.indicatorsAlone] ?? 0,
                incomeLineAndIndicators: causes[.incomeLineAndIndicators] ?? 0),
            indicators: indicators)
    }
}

/// The shadow run's tally by commune; provinces and the whole run are sums of communes, and the tally of several sets
/// of households (each instance's partitions) is the merge of theirs.
public struct ShadowTally: Codable, Sendable, Hashable {
    struct Commune: Codable, Sendable, Hashable {
        var place: HouseholdPlace
        var counter: ShadowCounter
    }

    private var communes: [String: Commune] = [:]

    public init() {}

    public mutating func add(_ shift: HouseholdShift, officialStandardId: String, at place: HouseholdPlace) {
        communes[place.communeAreaCode, default: Commune(place: place, counter: ShadowCounter())].counter.add(shift, officialStandardId: officialStandardId)
    }

    public mutating func merge(_ other: ShadowTally) {
        for (code, commune) in other.communes {
            if communes[code] == nil { communes[code] = commune } else { communes[code]!.counter.merge(commune.counter) }
        }
    }

    /// Each province's counter: the merge of its communes'.
    public var provinces: [String: ShadowCounter] {
        communes.values.reduce(into: [:]) { $0[$1.place.provinceCode, default: ShadowCounter()].merge($1.counter) }
    }

    /// Every household of the run.
    public var total: ShadowCounter {
        communes.values.reduce(into: ShadowCounter()) { $0.merge($1.counter) }
    }

    /// One diff per commune and per province, provinces first, each ordered by code.
    /// - Parameter name: the name of an area code, when known.
    public func diffs(
        runId: String, version: Int64, standard: StandardRef, catalogueRevision: Int, completedAt: String, name: (String) -> String?
    ) -> [ShadowAreaDiff] {
        func diff(_ code: String, _ level: AreaLevel, province: String, formerUnit: Bool, _ counter: ShadowCounter) -> ShadowAreaDiff {
            ShadowAreaDiff(
                runId: runId, version: version, standard: standard, catalogueRevision: catalogueRevision, areaCode: code,
                areaLevel: level, areaName: name(code), provinceCode: province, formerUnit: formerUnit ? true : nil,
                completedAt: completedAt, officialStandardIds: counter.officialStandardIds.sorted(), counts: counter.counts)
        }
        let provinceDiffs = provinces.sorted { $0.key < $1.key }.map { diff($0.key, .province, province: $0.key, formerUnit: false, $0.value) }
        let communeDiffs = communes.sorted { $0.key < $1.key }.map {
            diff($0.key, .commune, province: $0.value.place.provinceCode, formerUnit: $0.value.place.formerUnit, $0.value.counter)
        }
        return provinceDiffs + communeDiffs
    }
}
