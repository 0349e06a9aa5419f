import Foundation
import ZhikuCore

/// Reads a Word document (.docx, Office Open XML): the body's paragraphs in order, headings (outline levels, and
/// the `heading n` / `Title` styles and localized names such as 标题 1, through `basedOn`), list items, tables as
/// Markdown tables, text boxes, and footnotes and endnotes at the end (`[^n]` where they are referenced). Headers,
/// footers, comments, deleted text and field codes are left out. Pages end at explicit page breaks; a document
/// without any is cut into its top-level sections.
public struct DocxExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.docx] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        var zip = try ZipContainer(url: file.url, fileName: file.name)
        let documentPath = try OfficePackage.mainPart(in: &zip, fileName: file.name, fallback: "word/document.xml")
        let folder = (documentPath as NSString).deletingLastPathComponent
        let styles = try zip.data(folder + "/styles.xml").map { try Self.styles(XMLEvents.read($0, part: "styles.xml", fileName: file.name)) }
            ?? Styles(headingLevels: [:], lists: [])
        var notes: [(String, String)] = []
        for part in ["footnotes", "endnotes"] {
            if let data = try zip.data("\(folder)/\(part).xml") {
                notes += Self.notes(try XMLEvents.read(data, part: "\(part).xml", fileName: file.name), prefix: part == "endnotes" ? "e" : "")
            }
        }
        let events = try XMLEvents.read(try zip.requiredData(documentPath), part: documentPath, fileName: file.name)
        var blocks = Self.blocks(events, styles: styles)
        if !notes.isEmpty {
            blocks.append(.paragraph(notes.map { "[^\($0.0)]: \($0.1)" }.joined(separator: "\n")))
        }
        let pages = DocumentBlock.pages(blocks)
        progress(.init(pagesDone: pages.count, pagesTotal: pages.count))
        return ExtractedDocument(pages: pages, metadata: try OfficePackage.coreProperties(in: &zip, fileName: file.name))
    }

    /// What the paragraph styles of styles.xml say: heading levels and list styles (`List Bullet` numbers its
    /// paragraphs through the style, not the paragraph), by style id.
    struct Styles {
        var headingLevels: [String: Int]
        var lists: Set<String>
    }

    static func styles(_ events: [XMLEvent]) -> Styles {
        struct Style { var name = "", basedOn: String?, outline: Int?, list = false }
        var styles: [String: Style] = [:]
        var current: (id: String, style: Style)?
        for event in events {
            switch event {
            case .start("style", let a) where a["type"] == "paragraph" || a["type"] == nil:
                current = (a["styleId"] ?? "", Style())
            case .start("name", let a): current?.style.name = a["val"] ?? ""
            case .start("basedOn", let a): current?.style.basedOn = a["val"]
            case .start("outlineLvl", let a): current?.style.outline = a["val"].flatMap { Int($0) }
            case .start("numPr", _): current?.style.list = true
            case .end("style"):
                if let current { styles[current.id] = current.style }
                current = nil
            default: break
            }
        }
        func level(_ id: String, depth: Int = 0) -> Int? {
            guard let style = styles[id], depth < 10 else { return nil }
            if let outline = style.outline { return outline < 9 ? outline + 1 : nil }
            if let named = OfficePackage.headingLevel(styleName: style.name) { return named }
            return style.basedOn.flatMap { level($0, depth: depth + 1) }
        }
        func isList(_ id: String, depth: Int = 0) -> Bool {
            guard let style = styles[id], depth < 10 else { return false }
            return style.list || style.basedOn.map { isList($0, depth: depth + 1) } == true
        }
        var levels: [String: Int] = [:]
        for id in styles.keys { if let l = level(id) { levels[id] = l } }
        return Styles(headingLevels: levels, lists: Set(styles.keys.filter { isList($0) }))
    }

    /// The footnotes or endnotes of their part: (id, text), separators left out.
    static func notes(_ events: [XMLEvent], prefix: String) -> [(String, String)] {
        var notes: [(String, String)] = []
        var id: String?, text = "", inText = false
        for event in events {
            switch event {
            case .start("footnote", let a), .start("endnote", let a):
                id = a["type"] == nil || a["type"] == "normal" ? a["id"] : nil
                text = ""
            case .start("t", _): inText = true
            case .end("t"): inText = false
            case .end("p"): if !text.isEmpty, !text.hasSuffix(" ") { text += " " }
            case .text(let s) where inText: text += s
            case .end("footnote"), .end("endnote"):
                let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if let id, !body.isEmpty { notes.append((prefix + id, body)) }
                id = nil
            default: break
            }
        }
        return notes
    }

    /// The body as blocks.
    static func blocks(_ events: [XMLEvent], styles: Styles) -> [DocumentBlock] {
        struct Paragraph { var text = "", level: Int?, list = false, breakBefore = false, breakAfter = false }
        var blocks: [DocumentBlock] = []
        var paragraphs: [Paragraph] = []        // a stack: text boxes hold paragraphs inside a paragraph
        var tables = TableCollector()
        var inText = false, inRun = false, skipped = 0, inBody = false
        for event in events {
            if skipped > 0 {
                if case .start("Fallback", _) = event { skipped += 1 }
                if case .end("Fallback") = event { skipped -= 1 }
                continue
            }
            switch event {
            case .start("body", _): inBody = true
            case .end("body"): inBody = false
            case _ where !inBody: continue
            case .start("Fallback", _): skipped = 1      // mc:Fallback repeats what mc:Choice holds
            case .start("p", _): paragraphs.append(Paragraph())
            case .start("pStyle", let a):
                guard let id = a["val"] else { continue }
                if let level = styles.headingLevels[id] { paragraphs.lastSet { $0.level = level } }
                if styles.lists.contains(id) { paragraphs.lastSet { $0.list = true } }
            case .start("outlineLvl", let a):
                if let v = a["val"].flatMap({ Int($0) }), v < 9 { paragraphs.lastSet { $0.level = v + 1 } }
            case .start("numPr", _): paragraphs.lastSet { $0.list = true }
            case .start("pageBreakBefore", let a):
                if a["val"] != "false", a["val"] != "0" { paragraphs.lastSet { $0.breakBefore = true } }
            case .start("r", _): inRun = true
            case .end("r"): inRun = false
            case .start("t", _): inText = true
            case .end("t"): inText = false
            case .text(let s) where inText: paragraphs.lastSet { $0.text += s }
            case .start("tab", _) where inRun: paragraphs.lastSet { $0.text += "\t" }
            case .start("br", let a) where inRun:
                if a["type"] == "page" { paragraphs.lastSet { $0.breakAfter = true } } else { paragraphs.lastSet { $0.text += "\n" } }
            case .start("cr", _) where inRun: paragraphs.lastSet { $0.text += "\n" }
            case .start("footnoteReference", let a): paragraphs.lastSet { $0.text += "[^\(a["id"] ?? "")]" }
            case .start("endnoteReference", let a): paragraphs.lastSet { $0.text += "[^e\(a["id"] ?? "")]" }
            case .end("p"):
                guard let p = paragraphs.popLast() else { continue }
                let text = p.text.trimmingCharacters(in: .whitespaces)
                if tables.isOpen, paragraphs.isEmpty {
                    tables.addToCell(text)
                    continue
                }
                if p.breakBefore { blocks.append(.pageBreak) }
                if let level = p.level, !text.isEmpty {
                    blocks.append(.heading(level: level, text: text))
                } else if !text.isEmpty {
                    blocks.append(.paragraph(p.list ? "- " + text : text))
                }
                if p.breakAfter { blocks.append(.pageBreak) }
            case .start("tbl", _) where paragraphs.isEmpty: tables.startTable()
            case .start("tr", _) where paragraphs.isEmpty: tables.startRow()
            case .start("tc", _) where paragraphs.isEmpty: tables.startCell()
            case .start("gridSpan", let a) where paragraphs.isEmpty:
                tables.mergeCell(columns: Int(a["w:val"] ?? a["val"] ?? "1"))
            case .start("vMerge", let a) where paragraphs.isEmpty:
                tables.mergeCell(continuesAbove: (a["w:val"] ?? a["val"] ?? "continue") == "continue")
            case .end("tc") where paragraphs.isEmpty: tables.endCell()
            case .end("tr") where paragraphs.isEmpty: tables.endRow()
            case .end("tbl") where paragraphs.isEmpty: if let rows = tables.endTable() { blocks.append(.table(rows)) }
            default: break
            }
        }
        return blocks
    }
}

extension Array {
    /// Changes the last element, if any.
    fileprivate mutating func lastSet(_ change: (inout Element) -> Void) {
        guard !isEmpty else { return }
        change(&self[count - 1])
    }
}
