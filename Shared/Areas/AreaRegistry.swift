import EventContracts
import Foundation

/// A commune-level unit valid over a period: the atomic geographic key of the system.
public struct CommuneUnit: Sendable, Hashable {
    public var code: String
    public var name: String
    /// `xa` (rural commune), `phuong` (urban ward) or `dac_khu` (special zone); before 2025 also `thi_tran`.
    public var kind: String
    public var provinceCode: String
    /// First and last day in force (inclusive); `nil` when open-ended or unknown.
    public var validFrom: String?
    public var validTo: String?

    /// Wards are urban; communes, townships' rural peers and special zones rural (Decree 07/2021 applies lines by this).
    public var areaType: AreaType { kind == "phuong" || kind == "thi_tran" ? .urban : .rural }

    func inForce(on date: String) -> Bool {
        (validFrom.map { $0 <= date } ?? true) && (validTo.map { date <= $0 } ?? true)
    }
}

/// Provinces and communes after the 1 Jul 2025 reorganisation, the former units, and the dated crosswalk
/// between them, loaded from CSV data an operator can replace (see docs/areas.md).
public struct AreaRegistry: Sendable {
    public private(set) var communes: [String: [CommuneUnit]] = [:]
    public private(set) var provinceNames: [String: String] = [:]
    /// Former commune code → the new commune codes it went into, with the date.
    public private(set) var successors: [String: [(code: String, date: String)]] = [:]
    /// The former districts by code, as groupings of today's communes (``FormerDistrict``).
    public private(set) var formerDistricts: [String: FormerDistrict] = [:]
    /// Today's commune code (or a split former commune's key) → the former district it is counted in.
    public private(set) var formerDistrictOf: [String: String] = [:]

    /// The data shipped with the system (the seed provinces).
    public static func bundled() throws -> AreaRegistry {
        try load(directory: try bundledDirectory())
    }

    /// The folder of the shipped data, for tools that build an areas directory from it.
    public static func bundledDirectory() throws -> URL {
        guard let url = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw FieldError("areas", "bundled area data is missing")
        }
        return url
    }

    /// The areas a service uses: the directory in `AREAS_DIR` when it is set (an operator's, made by
    /// `giamngheo-admin areas import`; docs/areas.md), else the shipped data. `source` says which, for the start-up log.
    public static func configured(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> (registry: AreaRegistry, source: String) {
        guard let directory = environment["AREAS_DIR"], !directory.isEmpty else { return (try bundled(), "shipped") }
        return (try load(directory: URL(fileURLWithPath: directory)), directory)
    }

    /// Loads `provinces.csv`, `communes.csv` and, when present, `former_units.csv` and `crosswalk.csv` from `directory`.
    public static func load(directory: URL) throws -> AreaRegistry {
        func read(_ name: String, required: Bool = true) throws -> [[String: String]] {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                if required { throw FieldError("areas", "\(url.path) is missing") }
                return []
            }
            return CSV.records(try String(contentsOf: url, encoding: .utf8))
        }
        var registry = AreaRegistry()
        for row in try read("provinces.csv") where (row["valid_to"] ?? "").isEmpty {
            registry.provinceNames[row["code"] ?? ""] = row["name"]
        }
        for row in try read("communes.csv") {
            registry.add(CommuneUnit(
                code: row["code"] ?? "", name: row["name"] ?? "", kind: row["kind"] ?? "xa", provinceCode: row["province_code"] ?? "",
                validFrom: row["valid_from"].flatMap { $0.isEmpty ? nil : $0 }, validTo: row["valid_to"].flatMap { $0.isEmpty ? nil : $0 }))
        }
        var formerUnits: [String: (district: String, name: String, province: String, validTo: String)] = [:]
        for row in try read("former_units.csv", required: false) {
            if let district = row["district_code"], !district.isEmpty, let code = row["commune_code"] {
                formerUnits[code] = (district, row["district_name"] ?? "", row["province_code"] ?? "", row["valid_to"] ?? "")
            }
            registry.add(CommuneUnit(
                code: row["commune_code"] ?? "", name: row["commune_name"] ?? "", kind: row["kind"] ?? "xa",
                provinceCode: row["province_code"] ?? "", validFrom: nil,
                validTo: row["valid_to"].flatMap { $0.isEmpty ? nil : $0 }))
        }
        for row in try read("crosswalk.csv", required: false) {
            registry.successors[row["old_commune_code"] ?? "", default: []].append((row["new_commune_code"] ?? "", row["effective_date"] ?? ""))
        }
        registry.formerDistricts = FormerDistrict.grouped(
            formerUnits: formerUnits, successors: registry.successors.mapValues { $0.map(\.code) },
            provinceToday: { [registry] in try? registry.commune($0, on: "2025-07-01").provinceCode })
        for district in registry.formerDistricts.values {
            for code in district.communes { registry.formerDistrictOf[code] = district.code }
        }
        return registry
    }

    private mutating func add(_ unit: CommuneUnit) {
        guard !unit.code.isEmpty else { return }
        communes[unit.code, default: []].append(unit)
    }

    /// The commune in force on `date`, or an error that says why the code cannot be used then.
    public func commune(_ code: String, on date: String) throws(FieldError) -> CommuneUnit {
        guard code.count == 5, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber) else {
            throw FieldError("communeCode", "'\(code)' is not a 5-digit commune code")
        }
        guard let units = communes[code] else {
            throw FieldError("communeCode", "unknown commune code \(code): not in the area list (Decision 19/2025/QĐ-TTg)")
        }
        if let unit = units.first(where: { $0.inForce(on: date) }) { return unit }
        if let retired = units.compactMap(\.validTo).filter({ $0 < date }).max() {
            let into = (successors[code] ?? []).map { "\($0.code) \(name(of: $0.code, on: date) ?? "")" }
            let successor = into.isEmpty ? "" : "; it is now part of \(into.joined(separator: ", "))"
            throw FieldError("communeCode", "commune code \(code) was retired after \(retired)\(successor)")
        }
        let from = units.compactMap(\.validFrom).min() ?? "?"
        throw FieldError("communeCode", "commune code \(code) is only in force from \(from)")
    }

    /// The name of the commune with `code` in force on `date`.
    public func name(of code: String, on date: String) -> String? {
        communes[code]?.first { $0.inForce(on: date) }?.name
    }

    /// The name of an area code: a province (2 digits), a former district (3 digits, marked as former), a commune
    /// (5 digits) as in force on `date`, or a split former commune (`<code>@<last day>`, marked as former).
    public func areaName(_ code: String, on date: String) -> String? {
        switch code.count {
        case 2: provinceNames[code]
        case 3: formerDistricts[code].map { "\($0.name) (cũ)" }
        case 16 where code.contains("@"):
            name(of: String(code.prefix(5)), on: String(code.suffix(10))).map { "\($0) (cũ)" }
        default: name(of: code, on: date)
        }
    }

    /// Communes in force on `date`, optionally in one province, ordered by code.
    public func communes(on date: String, province: String? = nil) -> [CommuneUnit] {
        communes.values.compactMap { $0.first { $0.inForce(on: date) } }
            .filter { province == nil || $0.provinceCode == province }
            .sorted { $0.code < $1.code }
    }
}
