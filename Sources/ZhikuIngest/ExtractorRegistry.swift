import ZhikuCore

/// The extractors Zhiku knows, looked up by media type.
public struct ExtractorRegistry: Sendable {
    private var byType: [MediaType: any DocumentExtractor] = [:]

    /// An empty registry.
    public init() {}

    /// The built-in extractors: plain text, Markdown, HTML, CSV/TSV, Word, Excel, PowerPoint, EPUB, RTF, OpenDocument
    /// (text, spreadsheet, presentation), PDF text layer,
    /// images read by `ocr` (nil: images are refused) in `ocrLanguages`, and audio transcribed by `speech` (nil:
    /// audio is refused); password-protected and legacy Office files are refused with their reason. `tables` reads
    /// ruled tables on text-layer PDF pages (nil: their text as poppler lays it out).
    public static func standard(ocr: (any OCREngine)? = nil, ocrLanguages: String = "chi_sim+eng",
                                imageDecoder: LeptonicaImageDecoder = LeptonicaImageDecoder(),
                                maxPDFPages: Int = 5000, speech: (any SpeechRecognizer)? = nil,
                                tables: (any TableReader)? = nil) -> ExtractorRegistry {
        var registry = ExtractorRegistry()
        registry.register(PlainTextExtractor())
        registry.register(MarkdownExtractor())
        registry.register(HTMLExtractor())
        registry.register(DelimitedTextExtractor())
        registry.register(DocxExtractor())
        registry.register(XlsxExtractor())
        registry.register(PptxExtractor())
        registry.register(EPUBExtractor())
        registry.register(RTFExtractor())
        registry.register(OpenDocumentExtractor())
        registry.register(OLECompoundRefusal())
        registry.register(PopplerPDFExtractor(ocr: ocr, ocrLanguages: ocrLanguages, maxPages: maxPDFPages, tables: tables))
        if let ocr { registry.register(ImageExtractor(engine: ocr, languages: ocrLanguages, decoder: imageDecoder)) }
        if let speech { registry.register(AudioExtractor(recognizer: speech)) }
        return registry
    }

    /// Adds `extractor` for each of its media types, replacing earlier ones.
    public mutating func register(_ extractor: some DocumentExtractor) {
        for type in extractor.mediaTypes { byType[type] = extractor }
    }

    /// The extractor for `type`; throws `.unsupportedMediaType` naming the file when there is none.
    public func extractor(for type: MediaType, fileName: String) throws -> any DocumentExtractor {
        guard let extractor = byType[type] else {
            let what = switch type {
            case .octetStream: "binary or unrecognised content"
            case .zip: "a zip archive that is not a Word, Excel, PowerPoint, OpenDocument or EPUB document (or one damaged or truncated)"
            default: type.rawValue
            }
            throw ZhikuError(.unsupportedMediaType, "'\(fileName)': \(what) is not supported")
        }
        return extractor
    }

    public var supportedTypes: Set<MediaType> { Set(byType.keys) }
}
