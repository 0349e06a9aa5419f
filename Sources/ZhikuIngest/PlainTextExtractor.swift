import ZhikuCore

/// Reads plain text in UTF-8, UTF-16 or GB18030/GBK as one page.
public struct PlainTextExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.plainText] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let text = try file.readText()
        progress(.init(pagesDone: 1, pagesTotal: 1))
        return ExtractedDocument(pages: [ExtractedPage(number: 1, text: text)])
    }
}
