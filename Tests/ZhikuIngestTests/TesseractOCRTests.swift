import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Tesseract in-process on images the test draws itself, scored by character error rate.
@Suite(.offThePool) struct TesseractOCRTests {
    let folder = TemporaryFolder()
    static let engine = TesseractOCR()

    func read(_ url: URL, languages: String = "chi_sim+eng") async throws -> OCRText {
        let images = try LeptonicaImageDecoder().decode([UInt8](try Data(contentsOf: url)), name: url.lastPathComponent)
        #expect(images.count == 1)
        return try await Self.engine.recognize(images[0], languages: languages)
    }

    @Test func cleanEnglishAndChineseAt300DPI() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let english = folder.url.appendingPathComponent("english.png")
        try TestImages.render(TestImages.english, to: english)
        let en = try await read(english)
        let enRate = TestImages.characterErrorRate(expected: TestImages.english, actual: en.text)
        #expect(enRate <= 0.02, "English CER \(enRate): \(en.text)")
        #expect(en.engine.hasPrefix("tesseract 5"))
        #expect(en.confidence > 80)
        let annual = try #require(en.words.first { $0.text == "Annual" })
        #expect(annual.x > 40 && annual.x < 120 && annual.y > 40 && annual.y < 120, "the first word sits at the top left: \(annual)")
        #expect(annual.width > 50 && annual.height > 20)
        // Every word is placed in the text (code points), so a citation's range finds its words' boxes.
        let scalars = Array(en.text.unicodeScalars)
        let placed = en.words.filter { $0.start != nil }
        #expect(placed.count == en.words.count, "all \(en.words.count) words placed")
        #expect(placed.allSatisfy { String(String.UnicodeScalarView(scalars[$0.start!..<$0.end!])) == $0.text })
        #expect(en.width > 1000 && en.height > 200)

        let chinese = folder.url.appendingPathComponent("chinese.jpg")
        try TestImages.render(TestImages.chinese, to: chinese)
        let zh = try await read(chinese)
        let zhRate = TestImages.characterErrorRate(expected: TestImages.chinese, actual: zh.text)
        #expect(zhRate <= 0.05, "Chinese CER \(zhRate): \(zh.text)")
        #expect(!zh.text.contains("年 假"), "no spaces between Chinese characters")
    }

    @Test func rotatedAndLowContrastScans() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        // Low contrast: grey on light grey.
        let faint = folder.url.appendingPathComponent("faint.png")
        try TestImages.render(TestImages.english, to: faint, fill: "gray55", background: "gray85")
        let low = try await read(faint)
        let lowRate = TestImages.characterErrorRate(expected: TestImages.english, actual: low.text)
        #expect(lowRate <= 0.05, "low-contrast CER \(lowRate): \(low.text)")
        // A photo taken sideways whose EXIF says so: the decoder turns it upright.
        let sideways = folder.url.appendingPathComponent("sideways.jpg")
        try TestImages.render(TestImages.english, to: sideways, extra: ["-rotate", "-90"])
        try Data(TestImages.withEXIFOrientation([UInt8](try Data(contentsOf: sideways)), 6)).write(to: sideways)
        let upright = try await read(sideways)
        let rate = TestImages.characterErrorRate(expected: TestImages.english, actual: upright.text)
        #expect(rate <= 0.02, "EXIF-rotated CER \(rate): \(upright.text)")
    }

    @Test func unknownLanguageIsAClearError() async throws {
        let image = OCRImage(width: 8, height: 8, pixels: Array(repeating: 255, count: 64))
        await #expect { try await Self.engine.recognize(image, languages: "klingon") } throws: { error in
            (error as? ZhikuError)?.message.contains("no language data for 'klingon'") == true
        }
        await #expect(throws: ZhikuError.self) { try await Self.engine.recognize(image, languages: "eng; rm -rf") }
    }

    @Test func spacesBetweenChineseCharactersAreDropped() {
        #expect(TesseractOCR.joiningCJK("年 假 需 要 提 前 。 Annual leave") == "年假需要提前。 Annual leave")
        #expect(TesseractOCR.joiningCJK("HR 系 统") == "HR 系统")
    }
}
