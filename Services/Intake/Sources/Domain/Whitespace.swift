import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's cost when neither end is white space (the usual
    /// case): every character of `CharacterSet.whitespaces` has Unicode's White_Space property.
    func trimmingWhitespace() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        else { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
