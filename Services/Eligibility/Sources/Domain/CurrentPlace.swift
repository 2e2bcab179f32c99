import Areas
import EventContracts

/// Places a household in the communes and provinces in force from 1 Jul 2025, whatever its survey date, so that
/// results from before and after the reorganisation land in the same areas.
public struct CurrentPlace: Sendable {
    /// The first day of the new commune codes (Decision 19/2025/QĐ-TTg).
    public static let reorganisedOn = "2025-07-01"

    let areas: AreaRegistry

    public init(areas: AreaRegistry) { self.areas = areas }

    /// - A survey from 1 Jul 2025 on already carries the new codes.
    /// - An earlier one is mapped through the crosswalk: a former commune that went whole into one new commune is
    ///   counted there; one split between several keeps its former code (flagged, and reported under its code and last
    ///   day in force), in the province of its successors.
    /// - A code the crosswalk does not know is kept as it is.
    /// - Either way it is counted in the former district its place belongs to, when there is one (``FormerDistrict``).
    public func place(of area: AreaRef, surveyDate: String) -> HouseholdPlace {
        var place = today(area, surveyDate: surveyDate)
        place.formerDistrictCode = areas.formerDistrictOf[place.communeAreaCode]
        return place
    }

    private func today(_ area: AreaRef, surveyDate: String) -> HouseholdPlace {
        guard surveyDate < Self.reorganisedOn, let successors = areas.successors[area.communeCode], !successors.isEmpty else {
            return HouseholdPlace(surveyed: area)
        }
        let codes = Set(successors.map(\.code)).sorted()
        let province = (try? areas.commune(codes[0], on: Self.reorganisedOn).provinceCode) ?? area.provinceCode
        if codes.count == 1 { return HouseholdPlace(communeCode: codes[0], provinceCode: province) }
        let validTo = (try? areas.commune(area.communeCode, on: surveyDate).validTo) ?? nil
        return HouseholdPlace(
            communeCode: area.communeCode, provinceCode: province, formerUnit: true,
            formerUnitKey: validTo.map { FormerDistrict.key(area.communeCode, validTo: $0) })
    }

    /// The name of a commune or province code as in force now, for the diffs.
    public func name(of code: String) -> String? {
        areas.areaName(code, on: Self.reorganisedOn) ?? areas.communes[code]?.first?.name
    }
}
