import Foundation
import ZhikuCore
import ZhikuIngest
import ZhikuModels

/// Which OCR engine reads images and scanned pages (`ZHIKU_OCR_ENGINE`, `zhiku ocr --engine`).
public enum OCRChoice: String, Sendable, CaseIterable {
    /// PP-OCR first, Tesseract when PP-OCR fails, times out or reads with low confidence, per page; Tesseract
    /// alone for languages PP-OCR's model does not read or when its weights are not installed.
    case auto
    /// PP-OCRv4 only.
    case paddle
    /// Tesseract only.
    case tesseract

    /// The Tesseract languages PP-OCR's Chinese model also reads (it knows Chinese, Latin letters and digits).
    static let paddleLanguages: Set<String> = ["chi_sim", "chi_tra", "eng"]

    /// Below this mean line confidence (0…100) the `auto` policy asks Tesseract too and keeps the more confident
    /// reading.
    public static let fallbackConfidence: Double = 80

    /// The engine for `languages` (Tesseract's notation). PP-OCR's models load at the first page that needs them.
    /// `paddle` without its weights is an error naming the fetch command; `auto` then quietly uses Tesseract.
    /// PP-OCR uses the page layout model when its weights are installed, unless `ZHIKU_OCR_LAYOUT=off`, and the
    /// ruled-table model on the tables it finds, unless `ZHIKU_OCR_TABLE_GRID=off`.
    public func engine(languages: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> any OCREngine {
        let tesseract = TesseractOCR()
        let layout = ProcessInfo.processInfo.environment["ZHIKU_OCR_LAYOUT"] != "off"
        let grids = ProcessInfo.processInfo.environment["ZHIKU_OCR_TABLE_GRID"] != "off"
        let installed = FileManager.default.fileExists(atPath: ModelLocation.root().appendingPathComponent(PaddleOCR.modelID).path)
        switch self {
        case .tesseract: return tesseract
        case .paddle:
            _ = try ModelLocation.folder(for: PaddleOCR.modelID)
            return DeferredOCR(name: PaddleOCR.modelID) { try PaddleOCR(threads: threads, layout: layout, tableGrids: grids) }
        case .auto:
            let wanted = Set(languages.split(separator: "+").map(String.init))
            guard wanted.isSubset(of: Self.paddleLanguages), installed else { return tesseract }
            return FallbackOCR(primary: DeferredOCR(name: PaddleOCR.modelID) { try PaddleOCR(threads: threads, layout: layout, tableGrids: grids) }, fallback: tesseract,
                               timeout: .seconds(300), minimumConfidence: Self.fallbackConfidence)
        }
    }
}

extension OCRChoice {
    /// The reader of ruled tables on text-layer PDF pages (``WiredTableReader``), its models loaded at the first page
    /// that needs them; nil when they are not installed or `ZHIKU_OCR_LAYOUT` or `ZHIKU_OCR_TABLE_GRID` is `off`.
    public static func tableReader() -> (any TableReader)? {
        let environment = ProcessInfo.processInfo.environment
        guard environment["ZHIKU_OCR_LAYOUT"] != "off", environment["ZHIKU_OCR_TABLE_GRID"] != "off", WiredTableReader.installed else {
            return nil
        }
        return DeferredTableReader()
    }
}

/// A ``WiredTableReader`` built at its first use (a server whose PDFs have no ruled tables never loads the models).
final class DeferredTableReader: TableReader, @unchecked Sendable {
    private let lock = NSLock()
    private var built: WiredTableReader?

    func tables(in image: OCRImage, text: [TableGrid.Box]) throws -> [(region: TableGrid.Box, grid: TableGrid)] {
        let reader = try lock.withLock {
            if let built { return built }
            let reader = try WiredTableReader()
            built = reader
            return reader
        }
        return try reader.tables(in: image, text: text)
    }
}

/// An ``OCREngine`` built at its first use (PP-OCR's models take a moment and some memory to load, which a server
/// that never sees a scan should not pay). A failure to build is the first page's error, and is tried again later.
final class DeferredOCR: OCREngine, @unchecked Sendable {
    let name: String
    private let make: @Sendable () throws -> any OCREngine
    private let lock = NSLock()
    private var built: (any OCREngine)?

    init(name: String, make: @escaping @Sendable () throws -> any OCREngine) {
        self.name = name
        self.make = make
    }

    func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
        let engine = try lock.withLock {
            if let built { return built }
            let engine = try make()
            built = engine
            return engine
        }
        return try await engine.recognize(image, languages: languages)
    }
}
