import EventContracts
import Foundation
import Intake
import ServiceRuntime
import TestSupport
import Testing

/// Areas through the 2025 reorganisation, over real processes.
extension SystemTests {
    /// Surveys with a former code, a reused code and current codes. Expected by hand from Shared/Areas/Resources
    /// (former_units.csv, crosswalk.csv; NQ 1683/NQ-UBTVQH15 Điều 1 khoản 89): former 01834 (Phường Nguyễn Thị Minh
    /// Khai, province 06) and former 01840 (Phường Đức Xuân, province 06) both went whole into today's 01840 (Phường
    /// Đức Xuân, province 19), which reused the code; 01849 is today's Xã Phong Quang, province 19.
    /// - 2022 survey in former 01834 → today's 01840, province 19;
    /// - 2022 survey in former 01840 → today's 01840, province 19 (the reused code does not bring province 06 along);
    /// - 2026 surveys in today's 01840 and 01849 → as coded.
    /// So: 01840 counts 3, 01849 counts 1, province 19 counts 4 and equals the sum of its communes; nothing is reported
    /// under province 06 or commune 01834. The former district Thành phố Bắc Kạn (058) groups today's 01840 and 01843
    /// (khoản 89, 90); 01849 is made of 058's Dương Quang and 063's Đôn Phong (khoản 64), so it is named and not
    /// counted: 058 counts 3, field by field the sum of 01840 and 01843.
    @Test func formerAndReusedCodesAreCountedInTodaysUnitsAndCommunesAddUpToTheirProvince() async throws {
        func household(_ serial: Int, _ commune: String, round: String, date: String, kind: ReviewKind) -> SurveyInput {
            var survey = bacKanCityHousehold(serial: serial, ward: commune, poor: serial.isMultiple(of: 2))
            (survey.reviewKind, survey.roundId, survey.surveyDate) = (kind, round, date)
            return survey
        }
        let surveys = [
            household(101, "01834", round: "2022-periodic", date: "2022-10-15", kind: .periodic),
            household(102, "01840", round: "2022-periodic", date: "2022-10-15", kind: .periodic),
            household(103, "01840", round: "2026-11-adhoc", date: "2026-11-16", kind: .adhoc),
            household(104, "01849", round: "2026-11-adhoc", date: "2026-11-16", kind: .adhoc),
        ]
        let system = try RunningSystem(["intake", "eligibility", "reporting"])
        defer { system.stop() }
        try await system.start()
        try await system.post(surveys)
        let reporting = system["reporting"].client()
        var reports: [String: AreaReport] = [:]
        try await waitUntil("province 19, its communes and the former city to count the households", timeout: .seconds(90), every: .milliseconds(500)) {
            reports = Dictionary(
                try await reporting.get("/v1/reports").decode([AreaReport].self).map { ($0.areaCode, $0) }, uniquingKeysWith: { a, _ in a })
            return reports["19"]?.households.total == 4 && reports["01840"]?.households.total == 3
                && reports["01849"]?.households.total == 1 && reports["058"]?.households.total == 3
        }
        #expect(reports["01840"]?.households.total == 3 && reports["01840"]?.provinceCode == "19")
        #expect(reports["01849"]?.households.total == 1 && reports["01849"]?.provinceCode == "19")
        #expect(reports["06"] == nil && reports["01834"] == nil)
        let communes = reports.values.filter { $0.areaLevel == .commune && $0.provinceCode == "19" }
        #expect(communes.map(\.households.total).reduce(0, +) == reports["19"]?.households.total)
        #expect(communes.map(\.households.poor).reduce(0, +) == reports["19"]?.households.poor)
        let city = try #require(reports["058"])
        #expect(city.areaLevel == .formerDistrict && city.provinceCode == "19" && city.areaName == "Thành phố Bắc Kạn (cũ)")
        #expect(city.households.total == 3 && city.communes == ["01840", "01843"] && city.communesPartlyIn == ["01849"])
        #expect(try countedFields(city) == countedFields(sum: city.communes!.compactMap { reports[$0] }))
        let classified = try await system.published().latest(EventTypes.classifiedHousehold, as: ClassifiedHousehold.self)
        #expect(Set(classified.values.map(\.area.provinceCode)) == ["06", "19"], "the surveyed area stays as surveyed")
        #expect(Set(classified.values.compactMap(\.place?.provinceCode)) == ["19"])
    }
}

/// An area report's counts as flat key paths, without its identity, version, time and rates (which do not add up).
func countedFields(_ report: AreaReport) throws -> [String: Int] {
    func flatten(_ value: Any, _ path: String, into result: inout [String: Int]) {
        if let dictionary = value as? [String: Any] {
            for (key, inner) in dictionary where !key.hasSuffix("RatePercent") {
                flatten(inner, path.isEmpty ? key : "\(path).\(key)", into: &result)
            }
        } else if let number = value as? Int {
            result[path] = number
        }
    }
    var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as! [String: Any]
    for key in ["areaCode", "areaLevel", "areaName", "provinceCode", "version", "asOf", "standardIds", "communes", "communesPartlyIn"] {
        object[key] = nil
    }
    var result: [String: Int] = [:]
    flatten(object, "", into: &result)
    return result.filter { $0.value != 0 }
}

/// The field-by-field sum of reports' counts.
func countedFields(sum reports: [AreaReport]) throws -> [String: Int] {
    try reports.reduce(into: [:]) { total, report in total.merge(try countedFields(report), uniquingKeysWith: +) }
}
