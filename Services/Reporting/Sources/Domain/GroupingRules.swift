import Areas
import EventContracts
import Foundation

/// An operator-defined grouping of today's communes (a programme area, a cluster of communes compared together),
/// reported as the sum of its communes' figures: `PUT /v1/groupings/{code}`.
public struct AreaGrouping: Codable, Sendable, Hashable {
    /// `G-` and 1–40 letters, digits or hyphens, so that it never collides with an administrative code.
    public var code: String
    public var name: String
    public var communes: [String]
    /// Raised with every change.
    public var version: Int
    /// Who defined it and why (a decision, a programme document).
    public var source: String

    public init(code: String, name: String, communes: [String], version: Int, source: String) {
        (self.code, self.name, self.communes, self.version, self.source) = (code, name, communes, version, source)
    }
}

/// What a grouping must say: pure, over the list of today's communes.
struct GroupingRules: Sendable {
    let areas: AreaRegistry
    static let maxCommunes = 2_000

    static func isGroupingCode(_ code: String) -> Bool {
        code.hasPrefix("G-") && (3...42).contains(code.count)
            && code.dropFirst(2).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    func problems(_ g: AreaGrouping) -> [FieldError] {
        var problems: [FieldError] = []
        if !Self.isGroupingCode(g.code) {
            problems.append(FieldError("code", "'\(g.code.prefix(60))' is not a grouping code: G- and 1–40 letters, digits or hyphens"))
        }
        // Lengths in code points, as JSON Schema counts them.
        let name = g.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || g.name.unicodeScalars.count > 200 { problems.append(FieldError("name", "give the grouping a name of 1–200 characters")) }
        if g.version < 1 { problems.append(FieldError("version", "must be 1 or more")) }
        if g.source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || g.source.unicodeScalars.count > 500 {
            problems.append(FieldError("source", "say who defined the grouping and why, in 1–500 characters"))
        }
        if g.communes.isEmpty || g.communes.count > Self.maxCommunes {
            problems.append(FieldError("communes", "list 1–\(Self.maxCommunes) of today's commune codes"))
        }
        var seen: Set<String> = []
        for (index, code) in g.communes.enumerated() {
            if !seen.insert(code).inserted { problems.append(FieldError("communes[\(index)]", "\(code.prefix(10)) is listed twice")); continue }
            do { _ = try areas.commune(code, on: AreaFigureRules.communesFrom) } catch {
                problems.append(FieldError("communes[\(index)]", error.reason))
            }
        }
        return problems
    }
}
