import Foundation
import ZhikuCore

/// Reads a PowerPoint presentation (.pptx, Office Open XML): each slide, in the presentation's order, is a page
/// (so a citation names the slide number) holding its title as a heading, the text of its shapes and groups in
/// order, its tables as Markdown tables, and its speaker notes. Slide numbers, dates and footers placed on the
/// slides, images and charts are left out.
public struct PptxExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.pptx] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        var zip = try ZipContainer(url: file.url, fileName: file.name)
        let presentationPath = try OfficePackage.mainPart(in: &zip, fileName: file.name, fallback: "ppt/presentation.xml")
        let targets = try OfficePackage.relationships(of: presentationPath, in: &zip, fileName: file.name)
        let presentation = try XMLEvents.read(try zip.requiredData(presentationPath), part: presentationPath, fileName: file.name)
        var slides: [String] = []
        for case .start("sldId", let a) in presentation {
            if let id = a["r:id"], let part = targets[id] { slides.append(part) }
        }
        var pages: [ExtractedPage] = []
        for (index, slide) in slides.enumerated() {
            var blocks = try Self.blocks(XMLEvents.read(try zip.requiredData(slide), part: slide, fileName: file.name), notes: false)
            let notesPart = try OfficePackage.relationships(of: slide, in: &zip, fileName: file.name).values
                .first { $0.contains("notesSlides/") }
            if let notesPart, let data = try zip.data(notesPart) {
                let notes = Self.blocks(try XMLEvents.read(data, part: notesPart, fileName: file.name), notes: true)
                    .compactMap { block -> String? in if case .paragraph(let text) = block { text } else { nil } }
                if !notes.isEmpty { blocks.append(.paragraph("Notes: " + notes.joined(separator: "\n"))) }
            }
            // Every slide is a page, numbered as in the presentation, even one without text.
            let page = DocumentBlock.pages(blocks, sectionsWhenUnbroken: false).first
            pages.append(ExtractedPage(number: index + 1, text: page?.text ?? "", headings: page?.headings ?? []))
            progress(.init(pagesDone: index + 1, pagesTotal: slides.count))
        }
        return ExtractedDocument(pages: pages, metadata: try OfficePackage.coreProperties(in: &zip, fileName: file.name))
    }

    /// A slide's (or a notes page's) text: the title first as a heading, then each shape's paragraphs and each table.
    /// On a notes page only the notes body counts.
    static func blocks(_ events: [XMLEvent], notes: Bool) -> [DocumentBlock] {
        var title: [String] = [], blocks: [DocumentBlock] = []
        var shape: (placeholder: String?, paragraphs: [String])?
        var paragraph = "", inText = false
        var tables = TableCollector()
        for event in events {
            switch event {
            case .start("sp", _): shape = (nil, [])
            case .start("ph", let a): shape?.placeholder = a["type"] ?? "body"
            case .start("p", _): paragraph = ""
            case .start("t", _): inText = true
            case .end("t"): inText = false
            case .text(let s) where inText: paragraph += s
            case .start("br", _): paragraph += "\n"
            case .end("p"):
                let text = paragraph.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { continue }
                if tables.isOpen { tables.addToCell(text) } else { shape?.paragraphs.append(text) }
            case .start("tbl", _): tables.startTable()
            case .start("tr", _): tables.startRow()
            case .start("tc", _): tables.startCell()
            case .end("tc"): tables.endCell()
            case .end("tr"): tables.endRow()
            case .end("tbl"): if let rows = tables.endTable(), !notes { blocks.append(.table(rows)) }
            case .end("sp"):
                guard let s = shape else { continue }
                shape = nil
                switch s.placeholder {
                case "title", "ctrTitle": if !notes { title += s.paragraphs }
                case "sldNum", "dt", "ftr", "hdr", "sldImg": break
                case "body" where notes, nil where notes: blocks += s.paragraphs.map(DocumentBlock.paragraph)
                default: if !notes { blocks += s.paragraphs.map(DocumentBlock.paragraph) }
                }
            default: break
            }
        }
        if !title.isEmpty { blocks.insert(.heading(level: 1, text: title.joined(separator: " ")), at: 0) }
        return blocks
    }
}
