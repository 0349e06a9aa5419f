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
        let grey = try TestImages.readPGM(url)
        return OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels, dpi: density)
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

    /// A two-column A4 page at 200 dpi under a running header: with the layout model the left column is read
    /// before the right one and the header is left out; without it, rows run across both columns.
    @Test func aTwoColumnPageIsReadColumnByColumnWithoutItsRunningHeader() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        _ = try LayoutDetectorTests.folder()
        let left = "第一栏第一段：年度预算由财务部门统一编制，各部门应在每年十月底之前提交下一年度的预算草案，并附上详细的说明材料。\n\n"
            + "第一栏第二段：预算草案经管理委员会审议通过后执行，执行过程中如需调整，应当提出书面申请并说明理由。"
        let right = "第二栏第一段：采购合同金额超过五十万元的，须经过公开招标程序，并由法务部门审核合同条款后方可签署。\n\n"
            + "第二栏第二段：供应商应当按期交付货物，逾期未交付的，甲方有权暂停付款并要求赔偿相应的损失。"
        let header = "公司管理制度汇编" + String(repeating: " ", count: 50) + "第 3 页"
        let folder = TemporaryFolder()
        let page = folder.url.appendingPathComponent("page.pgm")
        func text(_ body: String, points: Int, width: Int) -> [String] {
            ["(", "-density", "200", "-units", "PixelsPerInch", "-background", "white", "-fill", "black", "-font", "Noto-Sans-CJK-SC",
             "-pointsize", "\(points)", "-size", "\(width)x", "caption:" + body, ")"]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = text(header, points: 8, width: 1400) + ["(", "-size", "10x60", "xc:white", ")"]
            + ["("] + text(left, points: 11, width: 650) + ["(", "-size", "100x10", "xc:white", ")"] + text(right, points: 11, width: 650)
            + ["+append", "+repage", ")", "-append", "+repage", "-bordercolor", "white", "-border", "60", "-gravity", "north",
               "-background", "white", "-extent", "1700x2200", "-colorspace", "Gray", "-depth", "8", page.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let grey = try TestImages.readPGM(page)
        let image = OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels, dpi: 200)

        let read = try Self.engine().read(image)
        let order = ["第一栏第一段", "第一栏第二段", "第二栏第一段", "第二栏第二段"].map { read.text.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted(), "columns in order: \(read.text)")
        #expect(!read.text.contains("管理制度汇编"), "the running header is left out: \(read.text)")
        #expect(read.words.allSatisfy { $0.start != nil })
        let cer = TestImages.characterErrorRate(expected: (left + right).replacingOccurrences(of: "\n", with: ""), actual: read.text)
        #expect(cer <= 0.03, "CER \(cer)")

        let plain = try PaddleOCR(threads: 2, layout: false).read(image)
        let across = ["第一栏第二段", "第二栏第一段"].map { plain.text.range(of: $0)?.lowerBound }
        #expect(across[1]! < across[0]!, "without layout, rows run across the columns: \(plain.text)")
        #expect(plain.text.contains("管理制度汇编"))
    }

    /// A real table: maint-guide (zh-CN) p. 39 rendered at 200 dpi, whose section table (a header cell wrapped
    /// over two lines, nine rows) becomes a Markdown table with the layout model.
    @Test func aRealManualsTableBecomesAMarkdownTable() throws {
        let documents = try SharedEval.qaDocuments()
        _ = try LayoutDetectorTests.folder()
        let folder = TemporaryFolder()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pdftoppm")
        p.arguments = ["-r", "200", "-gray", "-f", "39", "-l", "39", "-singlefile",
                       documents.appendingPathComponent("maint-guide.zh-cn.pdf").path, folder.url.appendingPathComponent("page").path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let grey = try TestImages.readPGM(folder.url.appendingPathComponent("page.pgm"))
        let read = try Self.engine().read(OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels, dpi: 200))
        let rows = read.text.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.hasSuffix(" |") }
        #expect(rows.count == 11, "header, separator and nine rows: \(read.text)")
        #expect(rows.first?.contains("Description") == true && rows.first?.contains("Notes") == true)
        #expect(rows.dropFirst().first == "| --- | --- | --- |")
        #expect(rows.contains { $0.hasPrefix("| 1 | ") && $0.contains("用户命令") })
        #expect(rows.contains { $0.hasPrefix("| 9 | ") && $0.contains("内核") })
        #expect(read.text.contains("man手册页"), "the text around the table is kept")
    }

    @Test func blankAndTinyImagesReadAsNothing() throws {
        let engine = try Self.engine()
        #expect(try engine.read(OCRImage(width: 800, height: 600, pixels: [UInt8](repeating: 255, count: 800 * 600))).text.isEmpty)
        #expect(try engine.read(OCRImage(width: 3, height: 2, pixels: [UInt8](repeating: 0, count: 6))).text.isEmpty)
    }
}
