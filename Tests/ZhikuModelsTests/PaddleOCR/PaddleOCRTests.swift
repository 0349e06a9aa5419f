import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// PP-OCR end to end on images the test draws (ImageMagick, Noto CJK): Chinese and English read within 2 % CER,
/// lines in reading order, every word placed in the text with a box inside the image; a page upside down is read
/// once the direction model turns its lines; a blank or tiny image reads as nothing, not an error.
@Suite(.serialized) struct PaddleOCRTests {
    nonisolated(unsafe) static var loaded: PaddleOCR?

    static func engine() throws -> PaddleOCR {
        if let loaded { return loaded }
        _ = try PaddleOCRModelTests.folder()
        let engine = try PaddleOCR(threads: 2)
        loaded = engine
        return engine
    }

    /// `text` drawn at 300 dpi, as 8-bit grey pixels (a binary PGM from ImageMagick).
    static func image(_ text: String, extra: [String] = []) throws -> OCRImage {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("page.pgm")
        try TestImages.render(text, to: url, extra: extra + ["-colorspace", "Gray", "-depth", "8"])
        let bytes = [UInt8](try Data(contentsOf: url))
        // "P5\n<width> <height>\n<max>\n" then the pixels.
        var fields: [Int] = [], position = 2, current = ""
        while fields.count < 3 {
            let c = Character(UnicodeScalar(bytes[position]))
            position += 1
            if c.isWhitespace { if !current.isEmpty { fields.append(Int(current)!); current = "" } } else { current.append(c) }
        }
        return OCRImage(width: fields[0], height: fields[1], pixels: Array(bytes[position..<(position + fields[0] * fields[1])]), dpi: 300)
    }

    @Test func readsChineseAndEnglishWithPlacedWords() throws {
        let engine = try Self.engine()
        for text in [TestImages.chinese, TestImages.english] {
            let page = try Self.image(text)
            let result = try engine.read(page)
            let cer = TestImages.characterErrorRate(expected: text, actual: result.text)
            #expect(cer <= 0.02, "CER \(cer): \(result.text)")
            #expect(result.text.split(separator: "\n").count == 4, "four lines in order: \(result.text)")
            #expect(result.engine == "pp-ocrv4")
            #expect(result.confidence > 80)
            #expect(!result.words.isEmpty && result.words.allSatisfy { $0.start != nil }, "every word placed in the text")
            #expect(result.words.allSatisfy { $0.x >= 0 && $0.y >= 0 && $0.x + $0.width <= page.width + 1 && $0.y + $0.height <= page.height + 1 })
        }
    }

    @Test func englishWordsKeepTheirSpaces() throws {
        let result = try Self.engine().read(try Self.image(TestImages.english))
        let words = result.text.split(whereSeparator: \.isWhitespace).map(String.init)
        for word in ["Annual", "leave", "must", "requested", "doctor.", "receipts."] {
            #expect(words.contains(word), "'\(word)' as a word of: \(result.text)")
        }
    }

    @Test func anUpsideDownPageIsTurnedLineByLine() throws {
        let result = try Self.engine().read(try Self.image(TestImages.chinese, extra: ["-rotate", "180"]))
        let cer = TestImages.characterErrorRate(expected: TestImages.chinese, actual: result.text)
        #expect(cer <= 0.05, "CER \(cer): \(result.text)")
    }

    @Test func blankAndTinyImagesReadAsNothing() throws {
        let engine = try Self.engine()
        #expect(try engine.read(OCRImage(width: 800, height: 600, pixels: [UInt8](repeating: 255, count: 800 * 600))).text.isEmpty)
        #expect(try engine.read(OCRImage(width: 3, height: 2, pixels: [UInt8](repeating: 0, count: 6))).text.isEmpty)
    }
}
