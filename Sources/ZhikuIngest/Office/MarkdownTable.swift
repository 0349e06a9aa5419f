/// Tables written as Markdown (GitHub's pipe tables): the first row is the header.
enum MarkdownTable {
    /// The table, or nil when it has no non-empty cell. Rows are padded to the widest; empty trailing columns
    /// are dropped; a cell's line breaks become spaces and its pipes are escaped.
    static func render(_ rows: [[String]]) -> String? {
        lines(rows)?.lines.joined(separator: "\n")
    }

    /// The table's lines (header, separator, rows) and, for each line but the separator, the index in `rows` of
    /// the row it shows (empty rows are left out, so line and row no longer correspond one to one).
    static func lines(_ rows: [[String]]) -> (lines: [String], rows: [Int?])? {
        var kept: [(index: Int, cells: [String])] = []
        for (index, row) in rows.enumerated() {
            let cells = row.map { cell in
                isClean(cell) ? cell : cell.split(whereSeparator: \.isNewline).joined(separator: " ")
                    .replacingOccurrences(of: "|", with: "\\|").trimmingCharacters(in: .whitespaces)
            }
            if cells.contains(where: { !$0.isEmpty }) { kept.append((index, cells)) }
        }
        let width = kept.map { row in (row.cells.lastIndex { !$0.isEmpty } ?? -1) + 1 }.max() ?? 0
        guard width > 0, let header = kept.first else { return nil }
        func line(_ row: [String]) -> String {
            let cells = (0..<width).map { $0 < row.count ? row[$0] : "" }
            return "| " + cells.joined(separator: " | ") + " |"
        }
        var lines = [line(header.cells), "|" + String(repeating: " --- |", count: width)]
        var sources: [Int?] = [header.index, nil]
        for row in kept.dropFirst() {
            lines.append(line(row.cells))
            sources.append(row.index)
        }
        return (lines, sources)
    }

    /// Whether a cell needs no cleaning: no pipe, no line break, no white space at either end (most cells; checked
    /// by scalars, which is cheap, where the cleaning allocates three strings).
    static func isClean(_ cell: String) -> Bool {
        let scalars = cell.unicodeScalars
        if let first = scalars.first, first.properties.isWhitespace { return false }
        if let last = scalars.last, last.properties.isWhitespace { return false }
        return !scalars.contains { $0 == "|" || ($0.value < 0x20 && $0 != "\t") || $0 == "\u{85}" || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }
}
