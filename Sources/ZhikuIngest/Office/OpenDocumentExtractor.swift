import Foundation
import ZhikuCore

/// Reads OpenDocument files (LibreOffice, WPS): text documents (.odt) like Word documents — headings with their
/// outline levels, paragraphs, lists, tables, text frames, footnotes at the end, pages at the page breaks LibreOffice
/// recorded; spreadsheets (.ods) a sheet per page as a Markdown table of the cells' displayed text (merged and
/// repeated cells filled in); presentations (.odp) a slide per page with its title, text, tables and notes. Title,
/// author and dates come from meta.xml.
public struct OpenDocumentExtractor: DocumentExtractor {
    /// Cells read from one spreadsheet at most.
    public var maximumCells: Int

    public init(maximumCells: Int = 5_000_000) { self.maximumCells = maximumCells }

    public var mediaTypes: Set<MediaType> { [.odt, .ods, .odp] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        var zip = try ZipContainer(url: file.url, fileName: file.name)
        let content = try XMLEvents.read(try zip.requiredData("content.xml"), part: "content.xml", fileName: file.name)
        let metadata = try zip.data("meta.xml").map { Self.metadata(try XMLEvents.read($0, part: "meta.xml", fileName: file.name)) }
        let pages: [ExtractedPage]
        switch file.mediaType {
        case .ods: pages = DocumentBlock.pages(try Self.sheets(content, maximumCells: maximumCells, fileName: file.name))
        case .odp: pages = Self.slides(content)
        default: pages = DocumentBlock.pages(Self.text(content))
        }
        progress(.init(pagesDone: pages.count, pagesTotal: pages.count))
        return ExtractedDocument(pages: pages, metadata: metadata)
    }

    static func metadata(_ events: [XMLEvent]) -> DocumentMetadata {
        let values = XMLEvents.texts(of: ["title", "initial-creator", "creator", "creation-date", "date"], in: events)
        let date = { (key: String) in values[key].flatMap { OfficePackage.date($0) ?? OfficePackage.date($0 + "Z") } }
        return DocumentMetadata(title: values["title"], author: values["initial-creator"] ?? values["creator"],
                                created: date("creation-date"), modified: date("date"))
    }

    /// The text of a paragraph-like element's events: `text:s` spaces, tabs and line breaks written out.
    struct Paragraph {
        var text = ""
        mutating func add(_ event: XMLEvent) {
            switch event {
            case .text(let s): text += s
            case .start("s", let a): text += String(repeating: " ", count: min(1000, a["c"].flatMap { Int($0) } ?? 1))
            case .start("tab", _): text += "\t"
            case .start("line-break", _): text += "\n"
            default: break
            }
        }
    }

    /// A text document's body as blocks.
    static func text(_ events: [XMLEvent]) -> [DocumentBlock] {
        var blocks: [DocumentBlock] = [], notes: [String] = []
        var paragraphs: [(paragraph: Paragraph, level: Int?, list: Bool)] = []
        var tables = TableCollector()
        var listDepth = 0, inBody = false, noteDepth = 0, noteText = Paragraph(), citation = ""
        var inCitation = false
        for event in events {
            switch event {
            case .start("text", _) where !inBody: inBody = true        // office:text, the body
            case _ where !inBody: continue
            case .start("note", _): noteDepth += 1; noteText = Paragraph()
            case .start("note-citation", _): inCitation = true; citation = ""
            case .end("note-citation"):
                inCitation = false
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].paragraph.text += "[^\(citation)]" }
            case .text(let s) where inCitation: citation += s
            case .end("note"):
                noteDepth -= 1
                let body = noteText.text.trimmingCharacters(in: .whitespacesAndNewlines)
                if !body.isEmpty { notes.append("[^\(citation)]: \(body)") }
            case _ where noteDepth > 0:
                if case .end("p") = event { noteText.text += " " } else { noteText.add(event) }
            case .start("list", _): listDepth += 1
            case .end("list"): listDepth -= 1
            case .start("h", let a): paragraphs.append((Paragraph(), Int(a["outline-level"] ?? "1") ?? 1, false))
            case .start("p", _): paragraphs.append((Paragraph(), nil, listDepth > 0))
            case .start("soft-page-break", _) where !tables.isOpen && paragraphs.isEmpty: blocks.append(.pageBreak)
            case .end("h"), .end("p"):
                guard let p = paragraphs.popLast() else { continue }
                let text = p.paragraph.text.trimmingCharacters(in: .whitespaces)
                if tables.isOpen, paragraphs.isEmpty {
                    tables.addToCell(text)
                } else if let level = p.level, !text.isEmpty {
                    blocks.append(.heading(level: min(9, max(1, level)), text: text))
                } else if !text.isEmpty {
                    blocks.append(.paragraph(p.list ? "- " + text : text))
                }
            case .start("table", _) where paragraphs.isEmpty: tables.startTable()
            case .start("table-row", _) where paragraphs.isEmpty: tables.startRow()
            case .start("table-cell", _) where paragraphs.isEmpty: tables.startCell()
            case .end("table-cell") where paragraphs.isEmpty: tables.endCell()
            case .end("table-row") where paragraphs.isEmpty: tables.endRow()
            case .end("table") where paragraphs.isEmpty: if let rows = tables.endTable() { blocks.append(.table(rows)) }
            default:
                if !paragraphs.isEmpty { paragraphs[paragraphs.count - 1].paragraph.add(event) }
            }
        }
        if !notes.isEmpty { blocks.append(.paragraph(notes.joined(separator: "\n"))) }
        return blocks
    }

    /// A spreadsheet's sheets as blocks: each sheet's name as a heading, its cells' displayed text as a table.
    static func sheets(_ events: [XMLEvent], maximumCells: Int, fileName: String) throws -> [DocumentBlock] {
        var blocks: [DocumentBlock] = []
        var name = "", rows: [[String]] = [], numbers: [Int] = [], row: [String] = [], cell = Paragraph(), inCell = false
        var rowRepeat = 1, cellRepeat = 1, cells = 0, depth = 0, rowNumber = 0, sheets = 0
        var merges: [(row: Int, column: Int, rows: Int, columns: Int)] = []
        for event in events {
            switch event {
            case .start("table", let a):
                depth += 1
                if depth == 1 { sheets += 1; name = a["name"] ?? "Sheet \(sheets)"; rows = []; numbers = []; merges = []; rowNumber = 0 }
            case .end("table"):
                depth -= 1
                guard depth == 0 else { continue }
                for m in merges where m.row < rows.count && m.column < rows[m.row].count && !rows[m.row][m.column].isEmpty {
                    let value = rows[m.row][m.column]
                    for r in m.row..<min(rows.count, m.row + m.rows) {
                        for c in m.column..<(m.column + m.columns) where c < rows[r].count && rows[r][c].isEmpty { rows[r][c] = value }
                    }
                }
                blocks += DocumentBlock.sheet(name: name, rows: rows, numbers: numbers)
                blocks.append(.pageBreak)
            case .start("table-row", let a) where depth == 1:
                row = []
                rowRepeat = min(Int(a["number-rows-repeated"] ?? "1") ?? 1, 1_048_576)
            case .end("table-row") where depth == 1:
                // Empty rows (LibreOffice repeats the blank remainder of a sheet a million times) are not kept,
                // but counted: rows keep the numbers the spreadsheet shows.
                defer { rowNumber += rowRepeat }
                guard row.contains(where: { !$0.isEmpty }) else { continue }
                while let last = row.last, last.isEmpty { row.removeLast() }
                for k in 0..<min(rowRepeat, 10_000) {
                    rows.append(row)
                    numbers.append(rowNumber + k + 1)
                }
            case .start("table-cell", let a) where depth == 1, .start("covered-table-cell", let a) where depth == 1:
                inCell = true
                cell = Paragraph()
                cellRepeat = min(Int(a["number-columns-repeated"] ?? "1") ?? 1, 16_384)
                let spanRows = Int(a["number-rows-spanned"] ?? "1") ?? 1, spanColumns = Int(a["number-columns-spanned"] ?? "1") ?? 1
                if spanRows > 1 || spanColumns > 1 {
                    merges.append((rows.count, row.count, min(spanRows, 10_000), min(spanColumns, 1_000)))
                }
            case .end("table-cell") where depth == 1, .end("covered-table-cell") where depth == 1:
                inCell = false
                let text = cell.text.trimmingCharacters(in: .whitespacesAndNewlines)
                // A repeated empty cell only moves the column on; trailing ones are dropped with the row's end.
                let count = text.isEmpty ? min(cellRepeat, 1_000) : cellRepeat
                cells += count
                if cells > maximumCells {
                    throw ZhikuError.extractionFailed("'\(fileName)' has more than \(maximumCells) cells (too large to read)")
                }
                row += Array(repeating: text, count: count)
            case .end("p") where inCell: cell.text += "\n"
            default:
                if inCell { cell.add(event) }
            }
        }
        return blocks
    }

    /// A presentation's slides as pages: the title first as a heading, then frames' text and tables, then notes.
    static func slides(_ events: [XMLEvent]) -> [ExtractedPage] {
        var pages: [ExtractedPage] = []
        var blocks: [DocumentBlock] = [], title: [String] = [], notes: [String] = []
        var frameClass: String?, inNotes = false, paragraph: Paragraph?
        var tables = TableCollector()
        for event in events {
            switch event {
            case .start("page", _) where !inNotes: blocks = []; title = []; notes = []
            case .end("page") where !inNotes:
                if !title.isEmpty { blocks.insert(.heading(level: 1, text: title.joined(separator: " ")), at: 0) }
                if !notes.isEmpty { blocks.append(.paragraph("Notes: " + notes.joined(separator: "\n"))) }
                let page = DocumentBlock.pages(blocks, sectionsWhenUnbroken: false).first
                pages.append(ExtractedPage(number: pages.count + 1, text: page?.text ?? "", headings: page?.headings ?? []))
            case .start("notes", _): inNotes = true
            case .end("notes"): inNotes = false
            case .start("frame", let a): frameClass = a["class"]
            case .end("frame"): frameClass = nil
            case .start("p", _): paragraph = Paragraph()
            case .end("p"):
                let text = paragraph?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                paragraph = nil
                guard !text.isEmpty else { continue }
                if inNotes {
                    if frameClass == "notes" { notes.append(text) }
                } else if tables.isOpen {
                    tables.addToCell(text)
                } else if frameClass == "title" {
                    title.append(text)
                } else if !["page-number", "date-time", "footer", "header"].contains(frameClass ?? "") {
                    blocks.append(.paragraph(text))
                }
            case .start("table", _) where !inNotes: tables.startTable()
            case .start("table-row", _): tables.startRow()
            case .start("table-cell", _): tables.startCell()
            case .end("table-cell"): tables.endCell()
            case .end("table-row"): tables.endRow()
            case .end("table") where !inNotes: if let rows = tables.endTable() { blocks.append(.table(rows)) }
            default:
                paragraph?.add(event)
            }
        }
        return pages
    }
}
