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

    /// The engine for `languages` (Tesseract's notation). `paddle` without its weights is an error naming the fetch
    /// command; `auto` then quietly uses Tesseract.
    public func engine(languages: String, threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> any OCREngine {
        let tesseract = TesseractOCR()
        switch self {
        case .tesseract: return tesseract
        case .paddle: return try PaddleOCR(threads: threads)
        case .auto:
            let wanted = Set(languages.split(separator: "+").map(String.init))
            guard wanted.isSubset(of: Self.paddleLanguages), let paddle = try? PaddleOCR(threads: threads) else { return tesseract }
            return FallbackOCR(primary: paddle, fallback: tesseract, timeout: .seconds(300), minimumConfidence: Self.fallbackConfidence)
        }
    }
}
