import EventContracts
import Foundation

/// The columns of the household import, in template order: the one list the reader, the writer, the shipped
/// template and the documentation all follow. Names are the JSON field paths of `SurveyInput` (members' fields
/// without `members[i].`), so a validator error such as `members[1].cccd` names its column.
public enum HouseholdCSVColumns {
    /// The grouping column's name: the only one that is not a JSON field.
    public static let householdRef = "household_ref"

    public static let all: [HouseholdCSVColumn] = [
        .grouping(
            householdRef,
            meaning: "Your own label for the household (the number on its paper form, for example `TN-0042`), on every row. "
                + "The rows of a household are consecutive; a label used again further down is an error. Not stored."),

        // Household: filled on the household's first row.
        .household(
            "householdId", .optional(\.householdId, .text("a UUID")),
            "Only to correct a household registered under an id of its own: that id (a UUID). Leave empty: the id is derived "
                + "from the commune and the head's CCCD, so the same household imported again is the same household."),
        .household(
            "communeCode", .required(\.communeCode, .communeCode),
            "Code of the commune or ward (xã, phường) in force on the survey date (Decision 19/2025/QĐ-TTg; see docs/areas.md). "
                + "Format the column as text; a code whose leading zero a spreadsheet dropped (`1840`) is read as `01840`."),
        .household("village", .optional(\.village, .text("text, at most 200 characters")), "Village or residential group (thôn, tổ dân phố)."),
        .household(
            "reviewKind", .required(\.reviewKind, .oneOf(ReviewKind.self)),
            "`periodic`: the annual review (1 Sep – 14 Dec); `adhoc`: the monthly review from the 15th."),
        .household(
            "roundId", .optional(\.roundId, .text()),
            "Review round: `<year>-periodic` (1 Sep – 14 Dec) or `<year>-<month>-adhoc` (the 15th to the 14th of the next month), "
                + "of the row's reviewKind and holding its survey date. Empty: the round of that kind whose window holds the survey date."),
        .household("surveyDate", .required(\.surveyDate, .date), "Date of the survey; decides the poverty standard and the area codes that apply."),
        .household(
            "status", .optional(\.status, .oneOf(RecognitionStatus.self)),
            "Empty or `proposed`. `recognised` is refused: the commune chairman's decision is posted to intake once for the round "
                + "and commune (docs/intake/review-rounds.md) and recognises its households."),
        .household("housing.walls", .required(\.conditions.housing.walls, .oneOf(BuildingMaterial.self)), "Main material of the walls."),
        .household("housing.columns", .required(\.conditions.housing.columns, .oneOf(BuildingMaterial.self)), "Main material of the columns (or load-bearing walls)."),
        .household("housing.roof", .required(\.conditions.housing.roof, .oneOf(BuildingMaterial.self)), "Main material of the roof."),
        .household(
            "housing.floorAreaM2", .required(\.conditions.housing.floorAreaM2, .decimal), unit: "m²",
            "Usable floor area of the dwelling, more than 0 and at most 10,000."),
        .household("water", .required(\.conditions.water, .oneOf(WaterSource.self)), "Main source of domestic water."),
        .household("latrine", .required(\.conditions.latrine, .oneOf(LatrineType.self)), "Latrine the household uses."),
        .household(
            "waste", .required(\.conditions.waste, .oneOf(WasteTreatment.self)),
            "How household waste is treated: `collected` by a service, `treatedAtHome` hygienically, or not."),
        .household(
            "information.telecomUse", .required(\.conditions.information.telecomUse, .boolean),
            "Some member uses telephone or other telecom services."),
        .household(
            "information.internetUse", .required(\.conditions.information.internetUse, .boolean),
            "Some member uses the internet (mobile data or fixed)."),
        .household("information.devices", .required(\.conditions.information.devices, .devices), "Information devices the household owns."),
        .household(
            "income.method", .required(\.conditions.income.method, .oneOf(IncomeMethod.self)),
            "`declared`: declared or estimated income; `score`: Circular 07/2021 field scoring (score A as the income proxy)."),
        .household(
            "income.monthlyTotalVnd", .optional(\.conditions.income.monthlyTotalVnd, .whole), unit: "VND per month",
            "Total household income. Required when `income.method` is `declared`, unless `income.perCapitaMonthlyVnd` is given."),
        .household(
            "income.perCapitaMonthlyVnd", .optional(\.conditions.income.perCapitaMonthlyVnd, .whole), unit: "VND per person per month",
            "Income per person, when the review gives it instead of (or besides) the total."),
        .household(
            "income.scoreA", .optional(\.conditions.income.scoreA, .whole), unit: "points",
            "Circular 07 score A (income proxy), 0 to 1,000. Required when `income.method` is `score`."),
        .household(
            "income.scoreB", .optional(\.conditions.income.scoreB, .whole), unit: "points",
            "Circular 07 score B (10 points per deprived indicator), a multiple of 10 from 0 to 120."),

        // Member: filled on every row.
        .member("fullName", .required(\.fullName, .text("text, at most 100 characters")), "Full name, as on the identity card (with diacritics)."),
        .member(
            "cccd", .optional(\.cccd, .cccd),
            "Citizen identity number (căn cước công dân). Required for the head; empty for a child without one. "
                + "It must agree with the sex and birth year. Format the column as text, so that the leading 0 stays."),
        .member("birthDate", .required(\.birthDate, .date), "Date of birth; not after the survey date."),
        .member(
            "relation", .required(\.facts.relation, .oneOf(Relation.self)),
            "Relation to the head of household; exactly one row of a household is `head`."),
        .member("sex", .required(\.facts.sex, .oneOf(Sex.self)), "Sex."),
        .member(
            "ethnicity", .required(\.facts.ethnicity, .text("a lower-case ASCII name")),
            "Ethnic group: `kinh`, `tay`, `thai`, `muong`, `nung`, `hmong`, `dao`, `san-chay`, … (anything but `kinh` is an ethnic minority)."),
        .member("disability", .required(\.facts.disability, .oneOf(Disability.self)), "Disability, by its certified degree."),
        .member("workingCapacity", .required(\.facts.workingCapacity, .oneOf(WorkingCapacity.self)), "Capacity to work."),
        .member("healthInsurance", .required(\.facts.healthInsurance, .boolean), "Has health insurance (bảo hiểm y tế)."),
        .member("education.attained", .required(\.facts.education.attained, .oneOf(EducationLevel.self)), "Highest level completed."),
        .member("education.enrolled", .required(\.facts.education.enrolled, .boolean), "Currently studying or in training."),
        .member("education.currentLevel", .optional(\.facts.education.currentLevel, .oneOf(SchoolLevel.self)), "The level attended, when enrolled."),
        .member(
            "education.workplaceTrainingCertificate", .optional(\.facts.education.workplaceTrainingCertificate, .boolean),
            "Has an employer-certified on-the-job training certificate."),
        .member("employment.status", .required(\.facts.employment.status, .oneOf(EmploymentStatus.self)), "Employment status."),
        .member("employment.type", .optional(\.facts.employment.type, .oneOf(EmploymentType.self)), "Kind of work, when employed."),
        .member(
            "employment.labourContract", .optional(\.facts.employment.labourContract, .boolean),
            "For wage workers: works under a written labour contract."),
        .member("employment.wantsTraining", .optional(\.facts.employment.wantsTraining, .boolean), "Wants vocational training."),
        .member("employment.wantsJob", .optional(\.facts.employment.wantsJob, .boolean), "Wants a job or work abroad."),
        .member(
            "socialAllowance", .required(\.facts.socialAllowance, .boolean),
            "Receives a monthly social allowance (trợ cấp xã hội hằng tháng)."),
        .member(
            "nutrition", .optional(\.facts.nutrition, .oneOf(NutritionStatus.self)),
            "Children under 16 only: height- and weight-for-age. Empty for members aged 16 and over."),
        .member(
            "priorStateTraining", .optional(\.facts.priorStateTraining, .boolean),
            "Already received state-funded vocational training (support is once per person)."),
    ]

    /// The header row of a file with every column.
    public static var header: [String] { all.map(\.name) }

    /// Columns by header name.
    static let byName: [String: HouseholdCSVColumn] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

extension HouseholdCSVColumns {
    /// The columns as the Markdown table of docs/intake/csv-import.md (a test keeps the two equal).
    public static var markdownTable: String {
        var lines = ["| column | filled on | required | allowed values | unit | meaning |", "|---|---|---|---|---|---|"]
        for column in all {
            let rows = column.scope == .household ? "household's first row" : "every row"
            let cells = ["`\(column.name)`", rows, column.required ? "yes" : "no", column.allowed, column.unit, column.meaning]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
