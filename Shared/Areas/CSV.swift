/// RFC 4180 CSV: fields separated by commas, optionally quoted with `"`, quotes doubled inside quotes.
public enum CSV {
    /// Splits one record into fields. A record whose quoted field spans lines must be joined by the caller.
    public static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let char = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if char == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(char)
                }
            } else if char == "\"" && current.isEmpty {
                inQuotes = true
            } else if char == "," {
                fields.append(current)
                current = ""
            } else if char != "\r" {
                current.append(char)
            }
        }
        fields.append(current)
        return fields
    }

    /// Parses a whole document with a header row into dictionaries keyed by column name.
    public static func records(_ text: String) -> [[String: String]] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst() else { return [] }
        let columns = fields(of: header)
        return lines.map { line in
            let values = fields(of: line)
            var record: [String: String] = [:]
            for (index, column) in columns.enumerated() { record[column] = index < values.count ? values[index] : "" }
            return record
        }
    }
}
