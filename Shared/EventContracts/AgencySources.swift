/// The `ce_source` values of one kind of agency: a prefix followed by the office (e.g. `/vbsp/pgd/19-164`,
/// `/employment-centre/thai-nguyen`); the operator may configure another prefix. Only these sources may write the
/// agency's inbound topics.
public struct AgencySources: Sendable, CustomStringConvertible {
    /// What one source is, in messages: "a VBSP office", "an employment centre".
    public let agency: String
    public let prefix: String

    public init(agency: String, prefix: String) {
        self.agency = agency
        self.prefix = prefix
    }

    /// The bank's offices: `/vbsp/…` unless `VBSP_SOURCE_PREFIX` says otherwise.
    public static func vbsp(prefix: String? = nil) -> AgencySources { AgencySources(agency: "a VBSP office", prefix: prefix ?? "/vbsp/") }

    /// The employment service centres: `/employment-centre/…` unless `EMPLOYMENT_SOURCE_PREFIX` says otherwise.
    public static func employmentCentres(prefix: String? = nil) -> AgencySources {
        AgencySources(agency: "an employment centre", prefix: prefix ?? "/employment-centre/")
    }

    /// The statistics offices and the programme's operator, who send denominators and targets:
    /// `/statistics/…` unless `STATISTICS_SOURCE_PREFIX` says otherwise.
    public static func statistics(prefix: String? = nil) -> AgencySources {
        AgencySources(agency: "a statistics office or the programme's operator", prefix: prefix ?? "/statistics/")
    }

    public func admits(_ source: String) -> Bool { source.hasPrefix(prefix) && source.count > prefix.count }

    /// Why `source` is refused, naming `field` (`ce_source` on a topic, `ce-source` over HTTP).
    public func refusal(_ source: String, field: String) -> FieldError {
        FieldError(field, "'\(source)' is not \(agency) (\(self))")
    }

    public var description: String { "sources starting \(prefix)" }
}
