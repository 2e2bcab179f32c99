import Areas

/// Writes surveys as the household CSV (the template's columns, one row per member, household columns on the first
/// row), for demo files, benchmarks and tests; what it writes the reader reads back to the same survey.
public enum HouseholdCSVWriter {
    /// The header line, CRLF-terminated.
    public static var headerLine: String { CSV.line(HouseholdCSVColumns.header) }

    /// The rows of one household, labelled `ref`, CRLF-terminated.
    public static func rows(ref: String, _ survey: SurveyInput) -> String {
        var text = ""
        for (index, member) in survey.members.enumerated() {
            text += CSV.line(
                HouseholdCSVColumns.all.map { column in
                    switch column.access {
                    case .grouping: ref
                    case .household(let access): index == 0 ? access.write(survey) : ""
                    case .member(let access): access.write(member)
                    }
                })
        }
        return text
    }
}
