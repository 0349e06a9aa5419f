import ZhikuCore

/// A splitter that keeps Markdown tables readable: a table that fits in a chunk stays whole; a longer one is cut
/// between rows, and every piece starts with the table's header row and separator, so each chunk of a
/// 10 000-row sheet still says what its columns are. Text around tables goes to `inner` unchanged (a page without
/// a table is split exactly as `inner` splits it).
public struct TableAwareSplitter: TextSplitter {
    public let inner: any TextSplitter
    /// The longest table chunk, in code points (a single row longer than this is a chunk of its own).
    public let chunkSize: Int

    public init(inner: any TextSplitter, chunkSize: Int) {
        self.inner = inner
        self.chunkSize = chunkSize
    }

    public func split(_ text: String, page: Int) -> [ChunkDraft] {
        let lines = Self.lines(of: text)
        var tables: [ClosedRange<Int>] = []      // line ranges: header, separator, rows
        var i = 0
        while i < lines.count {
            guard i + 1 < lines.count, Self.isRow(lines[i].text), Self.isSeparator(lines[i + 1].text) else { i += 1; continue }
            var last = i + 1
            while last + 1 < lines.count, Self.isRow(lines[last + 1].text) { last += 1 }
            tables.append(i...last)
            i = last + 1
        }
        guard !tables.isEmpty else { return inner.split(text, page: page) }

        var drafts: [ChunkDraft] = []
        // The text between tables, split by `inner`; its offsets moved to the page's.
        var segment = (offset: 0, index: text.startIndex)
        func flushText(upTo end: (offset: Int, index: String.Index)) {
            guard end.offset > segment.offset else { return }
            for var draft in inner.split(String(text.unicodeScalars[segment.index..<end.index]), page: page) {
                draft.start += segment.offset
                draft.end += segment.offset
                drafts.append(draft)
            }
        }
        for table in tables {
            flushText(upTo: (lines[table.lowerBound].start, lines[table.lowerBound].startIndex))
            drafts += tableDrafts(Array(lines[table]), page: page)
            segment = (lines[table.upperBound].end, lines[table.upperBound].endIndex)
        }
        flushText(upTo: (text.unicodeScalars.count, text.endIndex))
        return drafts
    }

    /// The chunks of one table (its lines: header, separator, rows).
    private func tableDrafts(_ lines: [Line], page: Int) -> [ChunkDraft] {
        let header = lines[0].text + "\n" + lines[1].text
        let whole = lines.map(\.text).joined(separator: "\n")
        if whole.unicodeScalars.count <= chunkSize || lines.count == 2 {
            return [ChunkDraft(ordinal: 0, page: page, start: lines[0].start, end: lines[lines.count - 1].end, text: whole)]
        }
        var drafts: [ChunkDraft] = []
        var rows: [Line] = [], length = header.unicodeScalars.count
        func flush() {
            guard let first = rows.first, let last = rows.last else { return }
            drafts.append(ChunkDraft(ordinal: 0, page: page, start: first.start, end: last.end,
                                     text: header + "\n" + rows.map(\.text).joined(separator: "\n")))
            rows = []
            length = header.unicodeScalars.count
        }
        for row in lines.dropFirst(2) {
            let added = row.text.unicodeScalars.count + 1
            if !rows.isEmpty, length + added > chunkSize { flush() }
            rows.append(row)
            length += added
        }
        flush()
        return drafts
    }

    struct Line {
        var text: String
        /// Code-point offsets of the line in the page (end exclusive, before its line break), and the same places
        /// as indices of the page's text.
        var start: Int
        var end: Int
        var startIndex: String.Index
        var endIndex: String.Index
    }

    static func lines(of text: String) -> [Line] {
        var lines: [Line] = [], offset = 0
        for piece in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let count = piece.unicodeScalars.count
            lines.append(Line(text: String(piece), start: offset, end: offset + count,
                              startIndex: piece.startIndex, endIndex: piece.endIndex))
            offset += count + 1
        }
        return lines
    }

    /// A pipe-table row: starts with `|` (after indentation of up to three spaces).
    static func isRow(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " }
        return line.count - trimmed.count <= 3 && trimmed.hasPrefix("|")
    }

    /// A header separator such as `| --- | :---: |`.
    static func isSeparator(_ line: String) -> Bool {
        let cells = line.trimmingCharacters(in: .whitespaces).split(separator: "|", omittingEmptySubsequences: true)
        guard isRow(line), !cells.isEmpty else { return false }
        return cells.allSatisfy { cell in
            let c = cell.trimmingCharacters(in: .whitespaces)
            return c.count >= 3 && c.allSatisfy { $0 == "-" || $0 == ":" } && c.contains("-")
        }
    }
}
