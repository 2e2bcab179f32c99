/// `giamngheo.statistics.area-figure.v1`: a figure an area's reports need beside the households, sent by a statistics
/// office or loaded by the programme's operator (key `<areaCode>/<year>/<kind>`; a tombstone withdraws it):
/// - `denominator`: the resident households (tổng số hộ dân cư), and optionally people, of a commune on 31 December
///   of `year`, which rates divide by; a grouping's is the sum of its communes';
/// - `target`: the year's target for a commune, a province or a former district, from a resolution: poor households
///   to bring out of poverty, and/or the poverty or near-poverty rate to reach;
/// - `baseline`: an area's published figures of a year (a report, a resolution, a news article quoting the People's
///   Committee), shown beside the system's own years so that they can be compared; never added to them.
public struct AreaFigure: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case denominator, target, baseline }

    public var areaCode: String
    public var year: Int
    public var kind: Kind
    /// Raised with every change; the same version again must say the same.
    public var version: Int
    public var households: Int?
    public var people: Int?
    public var poorHouseholdsReduction: Int?
    /// Percent with at most two decimals, as text (`"2.14"`).
    public var poorRatePercent: String?
    public var nearPoorRatePercent: String?
    /// A baseline's published figures.
    public var published: PublishedYear?
    /// Where the figure comes from: the publication, or the resolution's number and date.
    public var source: String

    public init(
        areaCode: String, year: Int, kind: Kind, version: Int, households: Int? = nil, people: Int? = nil, poorHouseholdsReduction: Int? = nil,
        poorRatePercent: String? = nil, nearPoorRatePercent: String? = nil, published: PublishedYear? = nil, source: String
    ) {
        self.published = published
        self.areaCode = areaCode
        self.year = year
        self.kind = kind
        self.version = version
        self.households = households
        self.people = people
        self.poorHouseholdsReduction = poorHouseholdsReduction
        self.poorRatePercent = poorRatePercent
        self.nearPoorRatePercent = nearPoorRatePercent
        self.source = source
    }

    /// Its record key.
    public var key: String { Self.key(areaCode, year, kind) }

    public static func key(_ areaCode: String, _ year: Int, _ kind: Kind) -> String { "\(areaCode)/\(year)/\(kind.rawValue)" }

    /// A percentage text in hundredths (`"2.14"` → 214), or nil when it is not 0–100 with at most two decimals.
    public static func hundredths(_ text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int(parts[0]), parts[0].allSatisfy(\.isNumber), (0...100).contains(whole) else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard (1...2).contains(digits.count), digits.allSatisfy(\.isNumber), let value = Int(digits) else { return nil }
            fraction = digits.count == 1 ? value * 10 : value
        }
        let total = whole * 100 + fraction
        return total <= 10_000 ? total : nil
    }
}

/// What was published of an area's year: poor and near-poor households at its start and end, and the rates (percent
/// with at most two decimals, as text, as in ``AreaFigure/poorRatePercent``). Any may be absent; at least one is given.
public struct PublishedYear: Codable, Sendable, Hashable {
    public var poorHouseholdsStart: Int?
    public var poorHouseholdsEnd: Int?
    public var nearPoorHouseholdsStart: Int?
    public var nearPoorHouseholdsEnd: Int?
    public var poorRateStartPercent: String?
    public var poorRateEndPercent: String?
    public var nearPoorRateStartPercent: String?
    public var nearPoorRateEndPercent: String?

    public init(
        poorHouseholdsStart: Int? = nil, poorHouseholdsEnd: Int? = nil, nearPoorHouseholdsStart: Int? = nil, nearPoorHouseholdsEnd: Int? = nil,
        poorRateStartPercent: String? = nil, poorRateEndPercent: String? = nil, nearPoorRateStartPercent: String? = nil,
        nearPoorRateEndPercent: String? = nil
    ) {
        self.poorHouseholdsStart = poorHouseholdsStart
        self.poorHouseholdsEnd = poorHouseholdsEnd
        self.nearPoorHouseholdsStart = nearPoorHouseholdsStart
        self.nearPoorHouseholdsEnd = nearPoorHouseholdsEnd
        self.poorRateStartPercent = poorRateStartPercent
        self.poorRateEndPercent = poorRateEndPercent
        self.nearPoorRateStartPercent = nearPoorRateStartPercent
        self.nearPoorRateEndPercent = nearPoorRateEndPercent
    }

    /// The household figures by name, for checks and counting.
    public var households: [(name: String, value: Int?)] {
        [("poorHouseholdsStart", poorHouseholdsStart), ("poorHouseholdsEnd", poorHouseholdsEnd),
         ("nearPoorHouseholdsStart", nearPoorHouseholdsStart), ("nearPoorHouseholdsEnd", nearPoorHouseholdsEnd)]
    }

    /// The rates by name.
    public var rates: [(name: String, text: String?)] {
        [("poorRateStartPercent", poorRateStartPercent), ("poorRateEndPercent", poorRateEndPercent),
         ("nearPoorRateStartPercent", nearPoorRateStartPercent), ("nearPoorRateEndPercent", nearPoorRateEndPercent)]
    }
}

/// An area's published figures of a year as reports carry them (``PublishedYear``, rates as numbers); the source is
/// with the figure (`GET /v1/area-figures/{areaCode}`).
public struct YearBaseline: Codable, Sendable, Hashable {
    public var year: Int
    public var poorHouseholdsStart: Int?
    public var poorHouseholdsEnd: Int?
    public var nearPoorHouseholdsStart: Int?
    public var nearPoorHouseholdsEnd: Int?
    public var poorRateStartPercent: Double?
    public var poorRateEndPercent: Double?
    public var nearPoorRateStartPercent: Double?
    public var nearPoorRateEndPercent: Double?

    public init(year: Int) { self.year = year }
}

/// reporting's answer to each area figure (`giamngheo.statistics.area-figure-outcome.v1`, key: its correlation id).
public struct AreaFigureOutcome: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable { case accepted, rejected }
    public enum Standing: String, Codable, Sendable { case held, withdrawn, unchanged }

    public var eventSource: String
    public var eventId: String
    public var correlationId: String
    public var status: Status
    /// The record's key, when it had one.
    public var key: String?
    public var version: Int?
    public var standing: Standing?
    public var errors: [FieldError]

    public init(
        eventSource: String, eventId: String, correlationId: String, status: Status, key: String? = nil, version: Int? = nil,
        standing: Standing? = nil, errors: [FieldError] = []
    ) {
        self.eventSource = eventSource
        self.eventId = eventId
        self.correlationId = correlationId
        self.status = status
        self.key = key
        self.version = version
        self.standing = standing
        self.errors = errors
    }

    public func refused(_ errors: [FieldError]) -> AreaFigureOutcome {
        var refused = self
        (refused.status, refused.standing, refused.errors) = (.rejected, nil, errors)
        return refused
    }
}
