import Foundation
import ZhikuCore

/// Reads an EPUB book: its chapters in reading order (the package's spine), each a page read by the HTML
/// extractor (headings kept). Images, styles and the navigation document's links are left out.
public struct EPUBExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.epub] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        var zip = try ZipContainer(url: file.url, fileName: file.name)
        // Paths inside the book are relative to its root folder (the archive's top, or the one folder zipped).
        let root = zip.packageRoot(marker: "META-INF/container.xml") ?? ""
        let container = try XMLEvents.read(try zip.requiredData(root + "META-INF/container.xml"), part: "META-INF/container.xml",
                                           fileName: file.name)
        guard let packagePath = container.lazy.compactMap({ event -> String? in
            if case .start("rootfile", let a) = event { a["full-path"] } else { nil }
        }).first else {
            throw ZhikuError.extractionFailed("'\(file.name)': its container names no package document")
        }
        let package = root + packagePath
        let folder = (package as NSString).deletingLastPathComponent
        var manifest: [String: (href: String, type: String)] = [:], spine: [String] = []
        let events = try XMLEvents.read(try zip.requiredData(package), part: package, fileName: file.name)
        let metadata = XMLEvents.texts(of: ["title", "creator", "date"], in: events)
        for event in events {
            if case .start("item", let a) = event, let id = a["id"], let href = a["href"] {
                manifest[id] = (href.removingPercentEncoding ?? href, a["media-type"] ?? "")
            }
            if case .start("itemref", let a) = event, let id = a["idref"], a["linear"] != "no" { spine.append(id) }
        }
        var pages: [ExtractedPage] = []
        for (index, id) in spine.enumerated() {
            guard let item = manifest[id], item.type.contains("html") else { continue }
            let path = OfficePackage.resolve(item.href, from: folder)
            guard let data = try zip.data(path) else { continue }
            let html = try TextDecoding.decode([UInt8](data)).text
            var page = HTMLText.convert(html, withTitle: false)
            if page.text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) { continue }
            page.number = pages.count + 1
            pages.append(page)
            progress(.init(pagesDone: index + 1, pagesTotal: spine.count))
        }
        return ExtractedDocument(pages: pages, metadata: DocumentMetadata(
            title: metadata["title"], author: metadata["creator"], created: metadata["date"].flatMap(OfficePackage.date)))
    }
}
