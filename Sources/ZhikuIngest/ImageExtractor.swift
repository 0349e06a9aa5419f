import Foundation
import ZhikuCore

/// Images (PNG, JPEG, TIFF with every page, BMP, WebP, GIF) read by OCR: each frame becomes a page.
public struct ImageExtractor: DocumentExtractor {
    public let engine: any OCREngine
    public let languages: String
    public let decoder: LeptonicaImageDecoder

    public init(engine: any OCREngine, languages: String = "chi_sim+eng", decoder: LeptonicaImageDecoder = LeptonicaImageDecoder()) {
        self.engine = engine
        self.languages = languages
        self.decoder = decoder
    }

    public var mediaTypes: Set<MediaType> { [.png, .jpeg, .tiff, .bmp, .webp, .gif] }

    public func extract(_ file: SourceFile, progress: @escaping @Sendable (ExtractionProgress) -> Void) async throws
        -> ExtractedDocument {
        // Reading and decoding run on the compute threads (a large TIFF takes a core for seconds).
        let images = try await ComputeThreads.shared.run { [decoder] in try decoder.decode(try file.readBytes(), name: file.name) }
        var pages: [ExtractedPage] = []
        for (i, image) in images.enumerated() {
            let text = try await engine.recognize(image, languages: languages)
            pages.append(ExtractedPage(number: i + 1, ocr: text))
            progress(ExtractionProgress(pagesDone: i + 1, pagesTotal: images.count, pagesOCRd: i + 1))
        }
        return ExtractedDocument(pages: pages)
    }
}
