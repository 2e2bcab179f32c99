import Foundation

extension String {
    /// A person's name as intake keeps and compares it: in Unicode NFC, trimmed, each run of white space inside made
    /// one space. The same name typed in another form (decomposed by some keyboards, a doubled space) is the same name.
    func normalizedName() -> String {
        precomposedStringWithCanonicalMapping.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's cost when neither end is white space (the usual
    /// case): every character of `CharacterSet.whitespaces` has Unicode's White_Space property.
    func trimmingWhitespace() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        else { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
