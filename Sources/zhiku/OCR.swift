import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuIngest

/// `zhiku ocr FILE`: the text of an image or PDF as Zhiku would index it.
struct OCR: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocr",
        abstract: "The text of an image (PNG, JPEG, TIFF, BMP, WebP, GIF) or a PDF as Zhiku indexes it: text layers as they are, scanned pages by OCR.")

    @Option(help: "Tesseract languages (default: $ZHIKU_OCR_LANG or chi_sim+eng).") var lang: String?
    @Option(help: "auto (PP-OCR, else Tesseract), paddle or tesseract (default: $ZHIKU_OCR_ENGINE or auto).") var engine: String?
    @Flag(help: "Print JSON: per page, the text, engine, mean confidence and word boxes.") var json = false
    @Argument(help: "The image or PDF file.") var file: String

    func run() async throws {
        let url = URL(fileURLWithPath: file)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw ZhikuError.notFound("cannot read \(file)")
        }
        let name = url.lastPathComponent
        let type = MediaTypeSniffer.sniff(head: Array(data.prefix(4096)), name: name)
        let configuration = ZhikuConfiguration.fromEnvironment()
        let languages = lang ?? configuration.ocrLanguages
        var choice = configuration.ocrEngine
        if let engine {
            guard let chosen = OCRChoice(rawValue: engine.lowercased()) else {
                throw ZhikuError.invalidInput("--engine is auto, paddle or tesseract, not '\(engine)'")
            }
            choice = chosen
        }
        let engine = try choice.engine(languages: languages)
        let extractor: any DocumentExtractor
        switch type {
        case .pdf: extractor = PopplerPDFExtractor(ocr: engine, ocrLanguages: languages, tables: OCRChoice.tableReader())
        case .png, .jpeg, .tiff, .bmp, .webp, .gif:
            extractor = ImageExtractor(engine: engine, languages: languages,
                                       decoder: LeptonicaImageDecoder(maxPixels: configuration.maxImagePixels))
        default: throw ZhikuError(.unsupportedMediaType, "'\(name)' is \(type.rawValue), not an image or a PDF")
        }
        let source = SourceFile(name: name, url: url, sha256: "", mediaType: type, size: Int64(data.count))
        let document = try await extractor.extract(source) { _ in }
        if json {
            /// Per page: the text as indexed, and for pages read by OCR the engine, confidence and word boxes.
            struct Output: Encodable { var file: String; var pages: [ExtractedPage] }
            try emitJSON(Output(file: name, pages: document.pages))
        } else {
            emit(document.pages.map(\.text).joined(separator: "\n\n\u{0C}\n\n"))
        }
    }
}
