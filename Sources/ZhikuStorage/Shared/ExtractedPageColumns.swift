import Foundation
import ZhikuCore

/// How an extracted page is kept in a database row, the same in every store: headings as a JSON array, and for a
/// page read by OCR its confidence, words and image size as one JSON object; a worksheet's row marks as a JSON array.
struct ExtractedPageColumns {
    var headings: String
    var ocr: String?
    var rows: String?

    /// What `ocr` holds for a page read by OCR.
    private struct OCRDetails: Codable {
        var confidence: Double?
        var words: [OCRText.Word]?
        var width: Int?
        var height: Int?
    }

    init(_ page: ExtractedPage) throws {
        headings = try JSONColumn.text(page.headings)
        ocr = page.engine == nil ? nil
            : try JSONColumn.text(OCRDetails(confidence: page.confidence, words: page.words,
                                             width: page.imageWidth, height: page.imageHeight))
        rows = try page.rows.map(JSONColumn.text)
    }

    /// The page a row describes.
    static func page(number: Int, text: String, headings: String, engine: String?, ocr: String?,
                     startSeconds: Double?, endSeconds: Double?, rows: String?) -> ExtractedPage {
        var page = ExtractedPage(number: number, text: text, headings: JSONColumn.value([Heading].self, headings) ?? [],
                                 engine: engine)
        if let details = JSONColumn.value(OCRDetails.self, ocr) {
            page.confidence = details.confidence
            page.words = details.words
            page.imageWidth = details.width
            page.imageHeight = details.height
        }
        page.startSeconds = startSeconds
        page.endSeconds = endSeconds
        page.rows = JSONColumn.value([RowMark].self, rows)
        return page
    }
}
