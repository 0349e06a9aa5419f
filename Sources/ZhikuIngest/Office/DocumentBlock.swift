import ZhikuCore

/// A piece of a structured document in reading order, as the Office, OpenDocument, EPUB and CSV readers find them;
/// ``DocumentBlock/pages(_:sectionsWhenUnbroken:)`` lays them out as pages of text.
enum DocumentBlock: Sendable, Equatable {
    case heading(level: Int, text: String)
    case paragraph(String)
    /// Rows of cells; the first row is the header.
    case table([[String]])
    /// A table whose rows are numbered in the source (a worksheet, a CSV file): `numbers[i]` is the number of
    /// `rows[i]` as the source shows it. The page records where each row's line starts (``RowMark``), so chunks
    /// can say which rows they hold.
    case numberedTable(rows: [[String]], numbers: [Int])
    /// An explicit page break (or the end of a slide or sheet).
    case pageBreak

    /// A worksheet as blocks: its name as a heading, then its rows as a numbered table. Title rows at the top — a
    /// row whose cells all say one thing, like a merged "2023年度采购台账" across the sheet — are paragraphs before
    /// the table, so the row of column names below them is the header each chunk repeats.
    static func sheet(name: String, rows: [[String]], numbers: [Int]) -> [DocumentBlock] {
        var blocks: [DocumentBlock] = [.heading(level: 1, text: name)]
        var first = 0
        while rows.count - first > 2 {
            let values = Set(rows[first].map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty })
            guard values.count == 1, let title = values.first else { break }
            blocks.append(.paragraph(title))
            first += 1
        }
        if first < rows.count {
            blocks.append(.numberedTable(rows: Array(rows[first...]), numbers: Array(numbers[min(first, numbers.count)...])))
        }
        return blocks
    }

    /// The blocks as pages: blocks separated by blank lines, headings recorded with their code-point offsets, tables
    /// as Markdown tables. Pages end at page breaks; a document without any is cut before each heading of the
    /// highest level present (its sections become its "pages"), or, with no headings either, is one page.
    static func pages(_ blocks: [DocumentBlock], sectionsWhenUnbroken: Bool = true) -> [ExtractedPage] {
        var blocks = blocks
        if sectionsWhenUnbroken, !blocks.contains(.pageBreak) {
            let top = blocks.compactMap { block -> Int? in if case .heading(let level, _) = block { level } else { nil } }.min()
            if let top {
                blocks = blocks.flatMap { block -> [DocumentBlock] in
                    if case .heading(let level, _) = block, level == top { return [.pageBreak, block] }
                    return [block]
                }
            }
        }
        var pages: [ExtractedPage] = []
        var text = "", offset = 0, headings: [Heading] = [], marks: [RowMark] = []
        func append(_ piece: String) {
            if !text.isEmpty { text += "\n\n"; offset += 2 }
            text += piece
            offset += piece.unicodeScalars.count
        }
        func finishPage() {
            guard !text.isEmpty else { return }
            var page = ExtractedPage(number: pages.count + 1, text: text, headings: headings)
            page.rows = marks.isEmpty ? nil : marks
            pages.append(page)
            text = ""; offset = 0; headings = []; marks = []
        }
        for block in blocks {
            switch block {
            case .heading(let level, let title):
                let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !title.isEmpty else { continue }
                headings.append(Heading(level: level, title: title, offset: text.isEmpty ? 0 : offset + 2))
                append(title)
            case .paragraph(let paragraph):
                let paragraph = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
                if !paragraph.isEmpty { append(paragraph) }
            case .table(let rows):
                if let table = MarkdownTable.render(rows) { append(table) }
            case .numberedTable(let rows, let numbers):
                guard let table = MarkdownTable.lines(rows) else { continue }
                var lineStart = text.isEmpty ? 0 : offset + 2
                for (line, source) in zip(table.lines, table.rows) {
                    if let source, source < numbers.count { marks.append(RowMark(offset: lineStart, number: numbers[source])) }
                    lineStart += line.unicodeScalars.count + 1
                }
                append(table.lines.joined(separator: "\n"))
            case .pageBreak:
                finishPage()
            }
        }
        finishPage()
        return pages
    }
}
