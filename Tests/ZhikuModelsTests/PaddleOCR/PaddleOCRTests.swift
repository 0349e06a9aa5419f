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
    static func image(_ text: String, density: Int = 300, points: Int = 12, extra: [String] = []) throws -> OCRImage {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("page.pgm")
        try TestImages.render(text, to: url, pointSize: points, density: density, extra: extra + ["-colorspace", "Gray", "-depth", "8"])
        let bytes = [UInt8](try Data(contentsOf: url))
        // "P5\n<width> <height>\n<max>\n" then the pixels.
        var fields: [Int] = [], position = 2, current = ""
        while fields.count < 3 {
            let c = Character(UnicodeScalar(bytes[position]))
            position += 1
            if c.isWhitespace { if !current.isEmpty { fields.append(Int(current)!); current = "" } } else { current.append(c) }
        }
        return OCRImage(width: fields[0], height: fields[1], pixels: Array(bytes[position..<(position + fields[0] * fields[1])]), dpi: density)
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

    /// At 300 dpi the model reads the spaces itself; at 150 dpi with a small font it runs words together and the
    /// gaps in the line image put them back.
    @Test(arguments: [(300, 12), (150, 9)])
    func englishWordsKeepTheirSpaces(density: Int, points: Int) throws {
        let result = try Self.engine().read(try Self.image(TestImages.english, density: density, points: points))
        let words = result.text.split(whereSeparator: \.isWhitespace).map(String.init)
        let expected = TestImages.english.split(whereSeparator: \.isWhitespace).map(String.init)
        let found = expected.filter(words.contains).count
        #expect(Double(found) / Double(expected.count) >= 0.9, "\(found) of \(expected.count) words: \(result.text)")
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
