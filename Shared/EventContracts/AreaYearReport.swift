/// One area's review year: the payload of `giamngheo.report.v2` (key `<areaCode>/<year>`) and the answer of
/// `GET /v1/reports/{areaCode}/years/{year}`. Counts only, no personal data.
public struct AreaYearReport: Codable, Sendable, Hashable {
    public var areaCode: String
    public var areaLevel: AreaLevel
    public var areaName: String?
    public var provinceCode: String
    public var year: Int
    /// The area report's version it was taken from: grows with every change, so a consumer keeps the highest per key.
    public var version: Int64
    /// RFC 3339 time of the latest fact counted.
    public var asOf: String
    /// A former district's communes, and those only partly in it.
    public var communes: [String]?
    public var communesPartlyIn: [String]?
    public var review: ReviewYearCounts
    /// Whether `start + inflows − outflows = end` holds for every class and group.
    public var flowsAddUp: Bool
    /// The year's published figures, when loaded, to compare with.
    public var baseline: YearBaseline?

    public init(_ report: AreaReport, _ review: ReviewYearCounts) {
        (areaCode, areaLevel, areaName, provinceCode, version, asOf) =
            (report.areaCode, report.areaLevel, report.areaName, report.provinceCode, report.version, report.asOf)
        (communes, communesPartlyIn) = (report.communes, report.communesPartlyIn)
        year = review.year
        self.review = review
        flowsAddUp = review.addsUp
        baseline = report.baselines?.first { $0.year == review.year }
    }

    /// The topic key: `<areaCode>/<year>`.
    public var key: String { "\(areaCode)/\(year)" }
}
