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

    /// The page ImageMagick's `convert` draws with `arguments` into `file` (its output), read back as a 200-dpi
    /// grey image.
    static func drawn(_ arguments: [String], to file: URL) throws -> OCRImage {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/convert")
        p.arguments = arguments + [file.path]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let grey = try TestImages.grey(file)
        return OCRImage(width: grey.width, height: grey.height, pixels: grey.pixels, dpi: 200)
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
        let image = try Self.drawn(text(header, points: 8, width: 1400) + ["(", "-size", "10x60", "xc:white", ")"]
            + ["("] + text(left, points: 11, width: 650) + ["(", "-size", "100x10", "xc:white", ")"] + text(right, points: 11, width: 650)
            + ["+append", "+repage", ")", "-append", "+repage", "-bordercolor", "white", "-border", "60", "-gravity", "north",
               "-background", "white", "-extent", "1700x2200", "-colorspace", "Gray", "-depth", "8"], to: page)

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

    /// A ruled table photographed (drawn at 200 dpi, turned 2.5°, blurred, noise, JPEG at quality 40) whose left
    /// column merges two rows twice, with a cell wrapped over two lines and an empty cell: the wired-table model's
    /// rules put each line in its cell; alignment alone cannot (the merged cells sit between their rows).
    @Test func aPhotographedRuledTableIsReadCellByCell() throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        _ = try LayoutDetectorTests.folder()
        _ = try TableGridDetectorTests.folder()
        let folder = TemporaryFolder()
        let photo = folder.url.appendingPathComponent("table.jpg")
        let lines = [(150, 200, 1550, 200), (150, 300, 1550, 300), (450, 420, 1550, 420), (150, 540, 1550, 540), (450, 660, 1550, 660),
                     (150, 780, 1550, 780), (150, 200, 150, 780), (450, 200, 450, 780), (950, 200, 950, 780), (1550, 200, 1550, 780)]
        let texts = [(180, 265, "地区"), (480, 265, "城市"), (980, 265, "说明"), (180, 435, "华东区"), (480, 375, "上海"),
                     (980, 350, "年度销售额一千二百万元，"), (980, 400, "同比增长百分之十五"), (480, 495, "杭州"), (180, 675, "华南区"),
                     (480, 615, "广州"), (980, 615, "九百万元"), (480, 735, "深圳"), (980, 735, "七百五十万元"),
                     (150, 140, "表1 各地区销售情况（单位：万元）"), (150, 880, "上表列出了各地区的销售额，杭州的数据尚未汇总，将在下季度补充。")]
        // Drawn 500 pixels down the page (a caption in the top eighth would count as a running header).
        let dy = 500
        var arguments = ["-size", "1700x2200", "xc:white", "-density", "200", "-units", "PixelsPerInch", "-font", "Noto-Sans-CJK-SC",
                         "-pointsize", "11", "-stroke", "black", "-strokewidth", "3", "-fill", "none"]
        for (x0, y0, x1, y1) in lines { arguments += ["-draw", "line \(x0),\(y0 + dy) \(x1),\(y1 + dy)"] }
        arguments += ["-stroke", "none", "-fill", "black"]
        for (x, y, text) in texts { arguments += ["-annotate", "+\(x)+\(y + dy)", text] }
        arguments += ["-background", "white", "-rotate", "2.5", "-blur", "0x1", "-attenuate", "0.3", "+noise", "Gaussian",
                      "-colorspace", "Gray", "-quality", "40"]
        let image = try Self.drawn(arguments, to: photo)

        let read = try Self.engine().read(image)
        let rows = read.text.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.hasSuffix(" |") }.map(String.init)
        #expect(rows.count == 6, "header, separator and four rows: \(read.text)")
        #expect(rows.first == "| 地区 | 城市 | 说明 |")
        #expect(rows.dropFirst(2).first == "| 华东区 | 上海 | 年度销售额一千二百万元， 同比增长百分之十五 |")
        #expect(rows.dropFirst(3).first == "| 华东区 | 杭州 |  |")
        #expect(rows.dropFirst(4).first == "| 华南区 | 广州 | 九百万元 |")
        #expect(rows.dropFirst(5).first == "| 华南区 | 深圳 | 七百五十万元 |")
        #expect(read.text.contains("下季度补充"), "the text after the table is kept")

        let aligned = try PaddleOCR(threads: 2, tableGrids: false).read(image)
        #expect(!aligned.text.contains("| 华东区 | 上海 |"), "by alignment alone the merged cell is not on its rows: \(aligned.text)")
    }

    @Test func blankAndTinyImagesReadAsNothing() throws {
        let engine = try Self.engine()
        #expect(try engine.read(OCRImage(width: 800, height: 600, pixels: [UInt8](repeating: 255, count: 800 * 600))).text.isEmpty)
        #expect(try engine.read(OCRImage(width: 3, height: 2, pixels: [UInt8](repeating: 0, count: 6))).text.isEmpty)
    }
}
