/// Tables written as Markdown (GitHub's pipe tables): the first row is the header.
enum MarkdownTable {
    /// The table, or nil when it has no non-empty cell. Rows are padded to the widest; empty trailing columns
    /// are dropped; a cell's line breaks become spaces and its pipes are escaped.
    static func render(_ rows: [[String]]) -> String? {
        let cleaned = rows.map { row in
            row.map { cell in
                cell.split(whereSeparator: \.isNewline).joined(separator: " ")
                    .replacingOccurrences(of: "|", with: "\\|").trimmingCharacters(in: .whitespaces)
            }
        }.filter { row in row.contains { !$0.isEmpty } }
        let width = cleaned.map { row in (row.lastIndex { !$0.isEmpty } ?? -1) + 1 }.max() ?? 0
        guard width > 0, let header = cleaned.first else { return nil }
        func line(_ row: [String]) -> String {
            let cells = (0..<width).map { $0 < row.count ? row[$0] : "" }
            return "| " + cells.joined(separator: " | ") + " |"
        }
        var lines = [line(header), "|" + String(repeating: " --- |", count: width)]
        for row in cleaned.dropFirst() { lines.append(line(row)) }
        return lines.joined(separator: "\n")
    }
}
