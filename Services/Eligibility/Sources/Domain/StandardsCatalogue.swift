import EventContracts
import Foundation

/// What decides the standards a household version is classified under: the list year its round establishes and the
/// national standard the review calendar names for it, its survey date and its province on that date.
public struct StandardChoice: Sendable, Hashable {
    public var surveyDate: String
    public var provinceCode: String
    /// Absent for snapshots written before list years: then the standards in force on the survey date apply.
    public var listYear: Int?
    public var standardId: String?

    public init(surveyDate: String, provinceCode: String, listYear: Int? = nil, standardId: String? = nil) {
        self.surveyDate = surveyDate
        self.provinceCode = provinceCode
        self.listYear = listYear
        self.standardId = standardId
    }

    /// Why no national standard classifies it, for the officer.
    public var missingStandardReason: String {
        if let standardId {
            return "the review calendar names \(standardId) for the list of \(listYear.map(String.init) ?? "its year"), and the standards catalogue has no national standard with that id"
        }
        return "no national poverty standard is in force on \(surveyDate)"
    }
}

extension HouseholdSnapshot {
    public var standardChoice: StandardChoice {
        StandardChoice(surveyDate: surveyDate, provinceCode: area.provinceCode, listYear: listYear, standardId: standardId)
    }
}

/// Every poverty standard the service knows, as data (`Resources/standards.json`).
public struct StandardsCatalogue: Codable, Sendable, Hashable {
    /// Raised whenever any standard's data changes; goes into `Classification.rulesRevision`.
    public var revision: Int
    public var standards: [PovertyStandard]

    public init(revision: Int, standards: [PovertyStandard]) {
        self.revision = revision
        self.standards = standards
    }

    /// Decodes and validates a catalogue. Throws `StandardsCatalogueError` listing every problem found.
    public static func load(from data: Data) throws -> StandardsCatalogue {
        let catalogue: StandardsCatalogue
        do {
            catalogue = try JSONDecoder().decode(StandardsCatalogue.self, from: data)
        } catch let error as DecodingError {
            throw StandardsCatalogueError(problems: [Self.describe(error)])
        } catch {
            throw StandardsCatalogueError(problems: ["not a readable standards catalogue: \(error)"])
        }
        let problems = catalogue.problems()
        if !problems.isEmpty { throw StandardsCatalogueError(problems: problems) }
        return catalogue
    }

    /// The catalogue shipped with the service (`Resources/standards.json` in the module bundle).
    public static func bundled() throws -> StandardsCatalogue {
        try load(from: bundledData())
    }

    /// A catalogue from a file an operator maintains (`--standards-file`), validated like the shipped one.
    public static func load(file path: String) throws -> StandardsCatalogue {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw StandardsCatalogueError(problems: ["cannot read \(path): \(error.localizedDescription)"])
        }
        return try load(from: data)
    }

    /// The raw bytes of the shipped `Resources/standards.json`.
    public static func bundledData() throws -> Data {
        guard
            let url = Bundle.module.url(forResource: "standards", withExtension: "json", subdirectory: "Resources")
                ?? Bundle.module.url(forResource: "standards", withExtension: "json")
        else { throw StandardsCatalogueError(problems: ["Resources/standards.json is missing from the module bundle"]) }
        do {
            return try Data(contentsOf: url)
        } catch {
            throw StandardsCatalogueError(problems: ["cannot read \(url.path): \(error.localizedDescription)"])
        }
    }

    /// The national standard in force on `date` (YYYY-MM-DD); nil for a malformed date or none in force.
    public func national(on date: String) -> PovertyStandard? {
        standards.first { $0.isNational && $0.isInForce(on: date) }
    }

    /// The provincial standard in force on `date` for the province coded `provinceCode` on that date.
    public func local(provinceCode: String, on date: String) -> PovertyStandard? {
        let scope = PovertyStandard.provinceScope(provinceCode)
        return standards.first { !$0.isNational && $0.isInForce(on: date) && $0.scope(on: date) == scope }
    }

    /// National first, then local, for a household's province and survey date.
    public func applicable(provinceCode: String, on date: String) -> [PovertyStandard] {
        [national(on: date), local(provinceCode: provinceCode, on: date)].compactMap(\.self)
    }

    /// The national standard a household version is classified under: the one its round's list year names (intake's
    /// review calendar), or, for a snapshot written before list years, the one in force on its survey date.
    public func national(for choice: StandardChoice) -> PovertyStandard? {
        guard let id = choice.standardId else { return national(on: choice.surveyDate) }
        return standards.first { $0.isNational && $0.id == id }
    }

    /// The province's own standard for a household version: in force on 1 January of its list year (on its survey
    /// date for a snapshot written before list years), for the province the household was in on its survey date.
    public func local(for choice: StandardChoice) -> PovertyStandard? {
        guard let year = choice.listYear else { return local(provinceCode: choice.provinceCode, on: choice.surveyDate) }
        let scope = PovertyStandard.provinceScope(choice.provinceCode)
        let start = "\(DecimalText.zeroPadded(year, width: 4))-01-01"
        return standards.first { !$0.isNational && $0.isInForce(on: start) && $0.scope(on: choice.surveyDate) == scope }
    }

    /// National first, then local, for a household version.
    public func applicable(_ choice: StandardChoice) -> [PovertyStandard] {
        [national(for: choice), local(for: choice)].compactMap(\.self)
    }

    public func standard(id: String) -> PovertyStandard? { standards.first { $0.id == id } }

    /// A national standard to compare with the official classification (shadow runs, previews); the error names
    /// `field` and lists the national standards there are.
    public func candidate(_ standardId: String, field: String) throws(FieldError) -> PovertyStandard {
        guard let standard = standard(id: standardId) else {
            let known = standards.filter(\.isNational).map(\.id).joined(separator: ", ")
            throw FieldError(field, "unknown standard '\(standardId)'; national standards in the catalogue: \(known)")
        }
        guard standard.isNational else {
            throw FieldError(field, "\(standardId) is a provincial standard; only national standards are compared with the official national classification")
        }
        return standard
    }

    /// The catalogue with `change` made to the standard `id`, and that standard's and the catalogue's revisions
    /// raised by one: a correction as docs/standards.md asks operators to make it. Nil when there is no such standard.
    public func correcting(_ id: String, _ change: (inout PovertyStandard) throws -> Void) rethrows -> StandardsCatalogue? {
        guard let index = standards.firstIndex(where: { $0.id == id }) else { return nil }
        var corrected = self
        try change(&corrected.standards[index])
        corrected.standards[index].revision += 1
        corrected.revision += 1
        return corrected
    }

    // MARK: - Validation

    /// Every inconsistency in the catalogue, one sentence each; empty when valid.
    public func problems() -> [String] {
        var problems: [String] = []
        if revision < 1 { problems.append("catalogue revision must be 1 or more, found \(revision)") }
        if standards.isEmpty { problems.append("the catalogue has no standards") }
        var seen: Set<String> = []
        for (index, standard) in standards.enumerated() {
            let name = "standards[\(index)] (\(standard.id.isEmpty ? "no id" : standard.id))"
            if !seen.insert(standard.id).inserted { problems.append("\(name): duplicate id") }
            if standard.revision > revision {
                problems.append("\(name): revision \(standard.revision) is above the catalogue revision \(revision); bump the catalogue revision")
            }
            problems += standard.problems().map { "\(name): \($0)" }
        }
        // No two standards of the same jurisdiction may be in force on the same day.
        for i in standards.indices {
            for j in standards.indices where j > i {
                let a = standards[i], b = standards[j]
                guard Self.jurisdictions(a).intersection(Self.jurisdictions(b)).isEmpty == false,
                    let aFrom = CalendarDate(a.effectiveFrom), let bFrom = CalendarDate(b.effectiveFrom)
                else { continue }
                let aTo = a.effectiveTo.flatMap(CalendarDate.init), bTo = b.effectiveTo.flatMap(CalendarDate.init)
                let overlap = (bTo.map { aFrom <= $0 } ?? true) && (aTo.map { bFrom <= $0 } ?? true)
                if overlap {
                    problems.append("\(a.id) and \(b.id) are both in force for scope '\(a.scope)' on overlapping dates")
                }
            }
        }
        return problems
    }

    private static func jurisdictions(_ standard: PovertyStandard) -> Set<String> {
        Set([standard.scope] + (standard.priorScopes ?? []).map(\.scope))
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "(top level)" : String(text.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return "missing key '\(key.stringValue)'\(context.codingPath.isEmpty ? "" : " in \(at)")"
        case .typeMismatch(let type, let context): return "\(path(context)): expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)): expected \(type), found null"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "undecodable standards catalogue: \(error)"
        }
    }
}

/// A standards catalogue that cannot be used, with every problem found.
public struct StandardsCatalogueError: Error, CustomStringConvertible, Sendable, Hashable {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String {
        "invalid standards catalogue: " + problems.joined(separator: "; ")
    }
}

extension PovertyStandard {
    /// This standard's own inconsistencies (without the catalogue-wide checks).
    public func problems() -> [String] {
        var problems: [String] = []
        if id.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("id is empty") }
        if revision < 1 { problems.append("revision must be 1 or more, found \(revision)") }
        if legalBasis.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("legalBasis is empty") }
        if !Self.isValidScope(scope) { problems.append("scope '\(scope)' is neither 'national' nor 'province:NN'") }
        if isNational && !(priorScopes ?? []).isEmpty { problems.append("a national standard cannot have priorScopes") }
        var previousUntil: CalendarDate?
        for prior in priorScopes ?? [] {
            if !prior.scope.hasPrefix("province:") || !Self.isValidScope(prior.scope) {
                problems.append("prior scope '\(prior.scope)' is not 'province:NN'")
            }
            guard let until = CalendarDate(prior.until) else {
                problems.append("prior scope until '\(prior.until)' is not a date YYYY-MM-DD")
                continue
            }
            if let previousUntil, until <= previousUntil { problems.append("priorScopes must be in date order") }
            previousUntil = until
        }
        let from = CalendarDate(effectiveFrom)
        if from == nil { problems.append("effectiveFrom '\(effectiveFrom)' is not a date YYYY-MM-DD") }
        if let effectiveTo {
            if let to = CalendarDate(effectiveTo) {
                if let from, to < from { problems.append("effectiveTo \(effectiveTo) is before effectiveFrom \(effectiveFrom)") }
            } else {
                problems.append("effectiveTo '\(effectiveTo)' is not a date YYYY-MM-DD")
            }
        }
        for area in AreaType.allCases {
            let line = incomeLinesVnd[area]
            if line <= 0 { problems.append("incomeLinesVnd.\(area.rawValue) must be positive, found \(line)") }
            if let average = averageLivingLinesVnd?[area], average <= line {
                problems.append("averageLivingLinesVnd.\(area.rawValue) (\(average)) must be above the income line (\(line))")
            }
            if let scoring, scoring.scoreAThresholds[area] <= 0 {
                problems.append("scoring.scoreAThresholds.\(area.rawValue) must be positive")
            }
        }
        if let scoring, scoring.scoreBPointsPerIndicator <= 0 { problems.append("scoring.scoreBPointsPerIndicator must be positive") }
        if indicators.isEmpty { problems.append("no indicators") }
        if deprivationThreshold < 1 || deprivationThreshold > max(indicators.count, 1) {
            problems.append("deprivationThreshold \(deprivationThreshold) must be between 1 and the number of indicators (\(indicators.count))")
        }
        var ids: Set<String> = []
        for (index, indicator) in indicators.enumerated() {
            let name = "indicators[\(index)] (\(indicator.id))"
            if indicator.id.isEmpty { problems.append("\(name): id is empty") }
            if !ids.insert(indicator.id).inserted { problems.append("\(name): duplicate indicator id") }
            if indicator.dimension.isEmpty { problems.append("\(name): dimension is empty") }
            if indicator.name.isEmpty { problems.append("\(name): name is empty") }
            problems += indicator.rule.problems().map { "\(name): \($0)" }
        }
        return problems
    }

    static func isValidScope(_ scope: String) -> Bool {
        if scope == nationalScope { return true }
        guard scope.hasPrefix("province:") else { return false }
        let code = scope.dropFirst("province:".count)
        return code.count == 2 && code.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension IndicatorRule {
    /// This rule's parameter inconsistencies.
    public func problems() -> [String] {
        var problems: [String] = []
        func age(_ value: Int, _ name: String) {
            if !(0...130).contains(value) { problems.append("\(name) \(value) is not an age") }
        }
        func nonEmpty(_ count: Int, _ name: String) {
            if count == 0 { problems.append("\(name) is empty") }
        }
        func bands(_ ranges: [(Int, Int)]) {
            nonEmpty(ranges.count, "bands")
            for (min, max) in ranges {
                age(min, "band minAge")
                age(max, "band maxAge")
                if min > max { problems.append("band \(min)–\(max) has minAge above maxAge") }
            }
            let sorted = ranges.sorted { $0.0 < $1.0 }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.0 <= a.1 {
                problems.append("bands \(a.0)–\(a.1) and \(b.0)–\(b.1) overlap")
            }
        }
        switch self {
        case .employment(let rule):
            age(rule.minAge, "minAge")
            for sex in Sex.allCases {
                age(rule.retirementAge[sex], "retirementAge.\(sex.rawValue)")
                if rule.retirementAge[sex] <= rule.minAge { problems.append("retirementAge.\(sex.rawValue) must be above minAge") }
            }
        case .dependants(let rule):
            age(rule.childAgeBelow, "childAgeBelow")
            age(rule.elderlyAgeFrom, "elderlyAgeFrom")
            if !(rule.deprivedWhenShareAbove > 0 && rule.deprivedWhenShareAbove < 1) {
                problems.append("deprivedWhenShareAbove must be between 0 and 1, found \(rule.deprivedWhenShareAbove)")
            }
        case .nutrition(let rule):
            age(rule.childAgeBelow, "childAgeBelow")
            nonEmpty(rule.deprivedStatuses.count, "deprivedStatuses")
            if rule.deprivedStatuses.contains(.normal) { problems.append("deprivedStatuses must not contain 'normal'") }
        case .healthInsurance(let rule):
            age(rule.minAge, "minAge")
        case .adultEducation(let rule):
            bands(rule.bands.map { ($0.minAge, $0.maxAge) })
            for band in rule.bands { nonEmpty(band.acceptedAttainment.count, "acceptedAttainment of band \(band.minAge)–\(band.maxAge)") }
        case .childSchooling(let rule):
            bands(rule.bands.map { ($0.minAge, $0.maxAge) })
            for band in rule.bands { nonEmpty(band.acceptedLevels.count, "acceptedLevels of band \(band.minAge)–\(band.maxAge)") }
        case .housingQuality(let rule):
            nonEmpty(rule.durableMaterials.count, "durableMaterials")
            if !(1...3).contains(rule.deprivedWhenNonDurableAtLeast) {
                problems.append("deprivedWhenNonDurableAtLeast must be 1, 2 or 3 (walls, columns, roof)")
            }
        case .housingArea(let rule):
            if !(rule.deprivedWhenM2PerPersonBelow > 0) { problems.append("deprivedWhenM2PerPersonBelow must be positive") }
        case .water(let rule): nonEmpty(rule.acceptedSources.count, "acceptedSources")
        case .latrine(let rule): nonEmpty(rule.hygienicTypes.count, "hygienicTypes")
        case .telecom(let rule): nonEmpty(rule.acceptedServices.count, "acceptedServices")
        case .informationDevices(let rule): nonEmpty(rule.countedDevices.count, "countedDevices")
        case .wasteTreatment(let rule): nonEmpty(rule.acceptedTreatments.count, "acceptedTreatments")
        }
        return problems
    }
}
