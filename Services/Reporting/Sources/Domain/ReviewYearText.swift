/// A year as paths and queries give it: four ASCII digits, nothing else (`+202` and `２０２６` are not years).
enum ReviewYearText {
    static func parse(_ text: String) -> Int? {
        guard text.utf8.count == 4, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }
}
