import Areas
import EventContracts
import Foundation

/// Every problem of a course or vacancy a centre sends, each naming its field (as a JSON path) and the reason. Pure:
/// the area list and the minimum working age come in as values.
public struct CatalogueValidation: Sendable {
    let areas: AreaRegistry
    let minimumWorkingAge: Int

    public init(areas: AreaRegistry, minimumWorkingAge: Int) {
        self.areas = areas
        self.minimumWorkingAge = minimumWorkingAge
    }

    public func problems(_ course: Course) -> [FieldError] {
        var problems = id(course.courseId, "courseId") + version(course.version) + text(course.provider, "provider")
        problems += occupation(course.occupation)
        let starts = date(course.startsOn, "startsOn")
        let ends = date(course.endsOn, "endsOn")
        if let starts, let ends, ends < starts {
            problems.append(FieldError("endsOn", "\(course.endsOn) is before the course starts (\(course.startsOn))"))
        }
        if starts == nil { problems.append(FieldError("startsOn", "'\(course.startsOn)' is not a date (YYYY-MM-DD)")) }
        if ends == nil { problems.append(FieldError("endsOn", "'\(course.endsOn)' is not a date (YYYY-MM-DD)")) }
        problems += place(course.place, on: course.startsOn, abroad: false)
        if course.seats < 1 { problems.append(FieldError("seats", "\(course.seats) is not a number of seats (1 or more)")) }
        problems += ages(course.minAge, course.maxAge)
        if course.costVnd < 0 { problems.append(FieldError("costVnd", "\(course.costVnd) is not an amount of VND (0 or more)")) }
        if Set(course.supportGroups).count != course.supportGroups.count {
            problems.append(FieldError("supportGroups", "a support group is listed twice"))
        }
        return problems
    }

    public func problems(_ vacancy: Vacancy) -> [FieldError] {
        var problems = id(vacancy.vacancyId, "vacancyId") + version(vacancy.version) + text(vacancy.employer, "employer")
        problems += occupation(vacancy.occupation)
        if date(vacancy.deadline, "deadline") == nil {
            problems.append(FieldError("deadline", "'\(vacancy.deadline)' is not a date (YYYY-MM-DD)"))
        }
        problems += place(vacancy.place, on: vacancy.deadline, abroad: vacancy.abroad)
        if vacancy.headcount < 1 { problems.append(FieldError("headcount", "\(vacancy.headcount) is not a number of workers (1 or more)")) }
        if vacancy.wage.minMonthlyVnd <= 0 {
            problems.append(FieldError("wage.minMonthlyVnd", "\(vacancy.wage.minMonthlyVnd) is not a monthly wage in VND (more than 0)"))
        }
        if let max = vacancy.wage.maxMonthlyVnd, max < vacancy.wage.minMonthlyVnd {
            problems.append(FieldError("wage.maxMonthlyVnd", "\(max) is below the minimum wage offered (\(vacancy.wage.minMonthlyVnd))"))
        }
        problems += ages(vacancy.minAge, vacancy.maxAge)
        for (index, skill) in vacancy.skills.enumerated() {
            problems += text(skill, "skills[\(index)]", limit: 100)
        }
        let basis = vacancy.sexRestrictionBasis?.trimmingCharacters(in: .whitespaces) ?? ""
        if vacancy.sex != nil, basis.isEmpty {
            problems.append(
                FieldError("sexRestrictionBasis", "a vacancy is for one sex only where the law allows it: name the provision that allows it"))
        } else if vacancy.sex == nil, !basis.isEmpty {
            problems.append(FieldError("sexRestrictionBasis", "given without a restriction to one sex (`sex`)"))
        }
        return problems
    }

    func id(_ value: String, _ field: String) -> [FieldError] {
        let allowed = value.utf8.allSatisfy { byte in
            (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || [45, 46, 58, 95].contains(byte)
        }
        return (1...100).contains(value.utf8.count) && allowed
            ? [] : [FieldError(field, "'\(value)' is not an id: 1–100 letters, digits, '-', '.', ':' or '_'")]
    }

    func version(_ version: Int) -> [FieldError] {
        version >= 1 ? [] : [FieldError("version", "\(version) is not a version (1 or more; a change sends a higher one)")]
    }

    func text(_ value: String, _ field: String, limit: Int = 200) -> [FieldError] {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [FieldError(field, "is empty")] }
        return trimmed.count > limit ? [FieldError(field, "is longer than \(limit) characters")] : []
    }

    func date(_ value: String, _ field: String) -> CalendarDate? { CalendarDate(value) }

    /// VSCO 2020 was built on ISCO-08 and shares its major groups (the first digit) [M]: a pair that disagrees there is
    /// a mistake in one of the codes.
    func occupation(_ occupation: Occupation) -> [FieldError] {
        var problems: [FieldError] = []
        let vscoValid = (1...5).contains(occupation.vsco.count) && occupation.vsco.allSatisfy { $0.isASCII && $0.isNumber }
        let iscoValid = (1...4).contains(occupation.isco08.count) && occupation.isco08.allSatisfy { $0.isASCII && $0.isNumber }
        if !vscoValid { problems.append(FieldError("occupation.vsco", "'\(occupation.vsco)' is not a VSCO 2020 code (1–5 digits)")) }
        if !iscoValid { problems.append(FieldError("occupation.isco08", "'\(occupation.isco08)' is not an ISCO-08 code (1–4 digits)")) }
        if vscoValid, iscoValid, occupation.vsco.first != occupation.isco08.first {
            problems.append(
                FieldError("occupation.isco08", "ISCO-08 major group \(occupation.isco08.prefix(1)) is not VSCO 2020 major group \(occupation.vsco.prefix(1))"))
        }
        return problems + text(occupation.name, "occupation.name")
    }

    /// A place in Vietnam (a province, and optionally one of its communes in force on `date`), or, for work abroad, a
    /// country other than Vietnam.
    func place(_ place: CataloguePlace, on date: String, abroad: Bool) -> [FieldError] {
        if abroad {
            var problems: [FieldError] = []
            let country = place.countryCode ?? ""
            if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) || country == "VN" {
                problems.append(FieldError("place.countryCode", "work abroad names the destination country (ISO 3166-1 alpha-2, not VN), not '\(country)'"))
            }
            if place.provinceCode != nil || place.communeCode != nil {
                problems.append(FieldError("place.provinceCode", "work abroad is not in a province of Vietnam"))
            }
            return problems
        }
        if let country = place.countryCode, country != "VN" {
            return [FieldError("place.countryCode", "'\(country)': only work abroad under contract (`abroad`) is outside Vietnam")]
        }
        guard let province = place.provinceCode, areas.provinceNames[province] != nil else {
            return [FieldError("place.provinceCode", "'\(place.provinceCode ?? "")' is not a province code")]
        }
        guard CalendarDate(date) != nil else { return [] }  // the date's own error says why
        if areas.communes(on: date, province: province).isEmpty {
            return [FieldError("place.provinceCode", "province \(province) is not in force on \(date) (provinces merged on 2025-07-01)")]
        }
        guard let commune = place.communeCode else { return [] }
        do {
            let unit = try areas.commune(commune, on: date)
            return unit.provinceCode == province
                ? [] : [FieldError("place.communeCode", "commune \(commune) is in province \(unit.provinceCode), not \(province)")]
        } catch {
            return [FieldError("place.communeCode", error.reason)]
        }
    }

    func ages(_ minAge: Int?, _ maxAge: Int?) -> [FieldError] {
        var problems: [FieldError] = []
        if let minAge, minAge < minimumWorkingAge {
            problems.append(FieldError("minAge", "\(minAge) is below the minimum working age (\(minimumWorkingAge))"))
        }
        if let minAge, let maxAge, maxAge < minAge {
            problems.append(FieldError("maxAge", "\(maxAge) is below minAge (\(minAge))"))
        }
        return problems
    }
}
