import ZhikuCore

/// A splitter that keeps Markdown tables readable: a table that fits in a chunk stays whole; a longer one is cut
/// between rows, and every piece starts with the table's header row and separator, so each chunk of a
/// 10 000-row sheet still says what its columns are. The table's first chunk is led by the text just before it: all
/// of it when short (a caption, a worksheet's name), else its last sentence (the one introducing the table). Text
/// around tables goes to `inner` unchanged (a page without a table is split exactly as `inner` splits it).
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
            // A short text right before the table (a caption, a worksheet's name) leads the table's first chunk
            // instead of being a chunk of its own that says nothing.
            let before = String(text.unicodeScalars[segment.index..<lines[table.lowerBound].startIndex])
            let trimmed = before.trimmingCharacters(in: .whitespacesAndNewlines)
            var lead: (text: String, start: Int)? = nil
            if !trimmed.isEmpty, trimmed.unicodeScalars.count <= chunkSize / 5 {
                let skipped = before.unicodeScalars.prefix { $0.properties.isWhitespace }.count
                lead = (trimmed, segment.offset + skipped)
            } else {
                flushText(upTo: (lines[table.lowerBound].start, lines[table.lowerBound].startIndex))
                // A longer text is chunked as usual, and its last sentence (the one that introduces the table: "the
                // list below gives the sections of a man page:") also leads the table, whose rows alone may not
                // share a word with the question they answer.
                if let sentence = Self.lastSentence(of: before), sentence.text.unicodeScalars.count <= chunkSize / 5 {
                    lead = (sentence.text, segment.offset + sentence.start)
                }
            }
            drafts += tableDrafts(Array(lines[table]), page: page, lead: lead)
            segment = (lines[table.upperBound].end, lines[table.upperBound].endIndex)
        }
        flushText(upTo: (text.unicodeScalars.count, text.endIndex))
        return drafts
    }

    /// The chunks of one table (its lines: header, separator, rows), the first led by `lead` (text that precedes
    /// the table on the page, and where it starts).
    private func tableDrafts(_ lines: [Line], page: Int, lead: (text: String, start: Int)?) -> [ChunkDraft] {
        let header = lines[0].text + "\n" + lines[1].text
        let whole = lines.map(\.text).joined(separator: "\n")
        let leadText = lead.map { $0.text + "\n\n" } ?? ""
        if leadText.unicodeScalars.count + whole.unicodeScalars.count <= chunkSize || lines.count == 2 {
            return [ChunkDraft(ordinal: 0, page: page, start: lead?.start ?? lines[0].start, end: lines[lines.count - 1].end,
                               text: leadText + whole)]
        }
        var drafts: [ChunkDraft] = []
        var rows: [Line] = [], length = leadText.unicodeScalars.count + header.unicodeScalars.count
        func flush() {
            guard let first = rows.first, let last = rows.last else { return }
            let led = drafts.isEmpty && lead != nil
            drafts.append(ChunkDraft(ordinal: 0, page: page, start: led ? lead!.start : first.start, end: last.end,
                                     text: (led ? leadText : "") + header + "\n" + rows.map(\.text).joined(separator: "\n")))
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

    /// The last sentence of `text` (after the last 。！？ or a . ! ? followed by a space, line breaks inside it
    /// turned into spaces) and the code-point offset where it starts; nil when `text` is blank.
    static func lastSentence(of text: String) -> (text: String, start: Int)? {
        let scalars = Array(text.unicodeScalars)
        var end = scalars.count
        while end > 0, scalars[end - 1].properties.isWhitespace { end -= 1 }
        guard end > 0 else { return nil }
        var start = end - 1
        while start > 0 {
            let previous = scalars[start - 1]
            if "。！？".unicodeScalars.contains(previous) { break }
            if ".!?".unicodeScalars.contains(previous), scalars[start].properties.isWhitespace { break }
            start -= 1
        }
        while start < end, scalars[start].properties.isWhitespace { start += 1 }
        var sentence = String.UnicodeScalarView()
        sentence.append(contentsOf: scalars[start..<end])
        let joined = String(sentence).split(whereSeparator: \.isNewline).joined(separator: " ")
        return joined.isEmpty ? nil : (joined, start)
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
