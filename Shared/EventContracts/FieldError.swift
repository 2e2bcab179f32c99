/// A rejected input: which field, and why. Used alike for HTTP bodies, CSV rows and topic records.
public struct FieldError: Error, Sendable, Codable, Hashable, CustomStringConvertible {
    /// A JSON-pointer-like path such as `members[2].cccd`, or a header name such as `ce_id`.
    public var field: String
    public var reason: String

    public init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// One or more field errors, reported together so a submitter can fix everything in one go.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var errors: [FieldError]

    public init(_ errors: [FieldError]) { self.errors = errors }

    public var description: String { errors.map(\.description).joined(separator: "; ") }
}
