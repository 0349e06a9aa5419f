import CPoppler
import Foundation
import ZhikuCore

/// Reads a PDF's text layer page by page with poppler (Debian's libpoppler-glib).
///
/// Corrupt, truncated or password-protected files fail with a message from poppler. Pages without a text
/// layer come back empty (OCR of scanned pages plugs in here later).
public struct PopplerPDFExtractor: DocumentExtractor {
    public init() {}

    public var mediaTypes: Set<MediaType> { [.pdf] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        let uri = file.url.absoluteURL.absoluteString
        var error: UnsafeMutablePointer<GError>? = nil
        guard let document = poppler_document_new_from_file(uri, nil, &error) else {
            var reason = "poppler could not open it"
            if let error {
                if let message = error.pointee.message { reason = String(cString: message) }
                g_error_free(error)
            }
            throw ZhikuError.extractionFailed("'\(file.name)' is not a readable PDF: \(reason)")
        }
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }

        let count = Int(poppler_document_get_n_pages(document))
        guard count > 0 else { throw ZhikuError.extractionFailed("'\(file.name)' has no pages") }
        var pages: [ExtractedPage] = []
        pages.reserveCapacity(count)
        for index in 0..<count {
            try Task.checkCancellation()
            var text = ""
            if let page = poppler_document_get_page(document, Int32(index)) {
                if let raw = poppler_page_get_text(page) {
                    text = String(cString: raw)
                    g_free(raw)
                }
                g_object_unref(UnsafeMutableRawPointer(page))
            }
            pages.append(ExtractedPage(number: index + 1, text: Self.clean(text)))
            progress(.init(pagesDone: index + 1, pagesTotal: count))
        }
        return ExtractedDocument(pages: pages)
    }

    /// Normalises line endings and drops the form feeds and NULs some producers leave in text layers.
    static func clean(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\u{0C}", with: "\n")
            .replacingOccurrences(of: "\u{0}", with: "")
    }
}
