/// Progress reported by an extractor while it works through a document.
public struct ExtractionProgress: Sendable, Hashable {
    public var pagesDone: Int
    public var pagesTotal: Int
    /// Of the pages done, those read by OCR.
    public var pagesOCRd: Int

    public init(pagesDone: Int, pagesTotal: Int, pagesOCRd: Int = 0) {
        self.pagesDone = pagesDone
        self.pagesTotal = pagesTotal
        self.pagesOCRd = pagesOCRd
    }
}

/// Turns the bytes of a file into text, page by page.
///
/// Extractors throw ``ZhikuError`` with code `.extractionFailed` and a message naming the file (and page, where
/// one is at fault) when the content is corrupt or unreadable.
public protocol DocumentExtractor: Sendable {
    /// The media types this extractor reads.
    var mediaTypes: Set<MediaType> { get }

    /// Extracts the text of `file`, calling `progress` as pages are done.
    func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument
}

extension DocumentExtractor {
    /// Extracts without progress reports.
    public func extract(_ file: SourceFile) async throws -> ExtractedDocument {
        try await extract(file, progress: { _ in })
    }
}
