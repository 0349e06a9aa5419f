import ArgumentParser
import Foundation
import ZhikuCore
import ZhikuIngest

/// `zhiku ocr FILE`: the text of an image as Zhiku would index it.
struct OCR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr", abstract: "Read the text of an image (PNG, JPEG, TIFF, BMP, WebP, GIF) with the built-in OCR.")

    @Option(help: "Tesseract languages.") var lang = ProcessInfo.processInfo.environment["ZHIKU_OCR_LANG"] ?? "chi_sim+eng"
    @Flag(help: "Print JSON: per page, the text, engine, mean confidence and word boxes.") var json = false
    @Argument(help: "The image file.") var file: String

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ZhikuError.notFound("cannot read \(file)")
        }
        let bytes = [UInt8](data)
        let type = MediaTypeSniffer.sniff(head: Array(bytes.prefix(4096)), name: url.lastPathComponent)
        let images = ImageExtractor(engine: TesseractOCR())
        guard images.mediaTypes.contains(type) else {
            throw ZhikuError(.unsupportedMediaType, "'\(url.lastPathComponent)' is \(type.rawValue), not an image (PDF pages are read by `zhiku ingest`)")
        }
        let pages = try images.decoder.decode(bytes, name: url.lastPathComponent)
        struct Page: Encodable {
            var page: Int
            var width: Int
            var height: Int
            var text: String
            var engine: String
            var confidence: Double
            var words: [OCRText.Word]
        }
        var results: [Page] = []
        for (i, image) in pages.enumerated() {
            let text = try await images.engine.recognize(image, languages: lang)
            results.append(Page(page: i + 1, width: image.width, height: image.height, text: text.text, engine: text.engine,
                                confidence: text.confidence, words: text.words))
        }
        if json {
            struct Output: Encodable { var file: String; var pages: [Page] }
            try emitJSON(Output(file: url.lastPathComponent, pages: results))
        } else {
            emit(results.map(\.text).joined(separator: "\n\n\u{0C}\n\n"))
        }
    }
}
