/// The text-recognition seam: an image in, text with word boxes and confidences out. Tesseract is the built-in
/// engine; a second one (PaddleOCR models) plugs in beside it, and a policy can try one and fall back to another
/// on an error, a timeout or low confidence.
public protocol OCREngine: Sendable {
    /// A short name for logs and for recording which engine read a page.
    var name: String { get }
    /// Reads `image` in `languages` (Tesseract's notation, e.g. `chi_sim+eng`).
    func recognize(_ image: OCRImage, languages: String) async throws -> OCRText
}
