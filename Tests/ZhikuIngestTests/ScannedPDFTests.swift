import Foundation
import Testing
import CPoppler
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Mixed PDFs: text pages keep their text layer, scanned pages are rendered and read by OCR — only those.
@Suite(.offThePool) struct ScannedPDFTests {
    /// Counts the images it is asked to read, then hands them to Tesseract.
    final class CountingOCR: OCREngine, @unchecked Sendable {
        let inner = TesseractOCR()
        private let lock = NSLock()
        private var sizes: [(width: Int, height: Int, dpi: Int)] = []
        var name: String { inner.name }
        var calls: Int { lock.withLock { sizes.count } }
        var images: [(width: Int, height: Int, dpi: Int)] { lock.withLock { sizes } }
        func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
            lock.withLock { sizes.append((image.width, image.height, image.dpi ?? 0)) }
            return try await inner.recognize(image, languages: languages)
        }
    }

    @Test func onlyScannedPagesGoToOCR() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        let zh = folder.url.appendingPathComponent("zh.jpg"), en = folder.url.appendingPathComponent("en.jpg")
        try TestImages.render(TestImages.chinese, to: zh)
        try TestImages.render(TestImages.english, to: en)
        var pages: [TestDocuments.Page] = []
        for i in 1...48 { pages.append(.text(["Text page \(i): the quarterly budget review is due on Friday."])) }
        pages.insert(.scan(jpeg: [UInt8](try Data(contentsOf: zh)), dpi: 300), at: 3)
        pages.insert(.scan(jpeg: [UInt8](try Data(contentsOf: en)), dpi: 300), at: 8)
        let url = folder.write("mixed.pdf", TestDocuments.mixedPDF(pages))
        let ocr = CountingOCR()
        let file = SourceFile(name: "mixed.pdf", url: url, sha256: String(repeating: "a", count: 64), mediaType: .pdf, size: 0)
        let progress = ProgressLog()
        let document = try await PopplerPDFExtractor(ocr: ocr).extract(file) { progress.add($0) }
        #expect(document.pages.count == 50)
        #expect(ocr.calls == 2, "only the two scanned pages were rendered and read")
        #expect(document.pages.filter { $0.engine != nil }.map(\.number) == [4, 9])
        #expect(document.pages[0].text.contains("Text page 1:"))
        #expect(document.pages[0].engine == nil)
        let zhRate = TestImages.characterErrorRate(expected: TestImages.chinese, actual: document.pages[3].text)
        #expect(zhRate <= 0.05, "scanned Chinese page CER \(zhRate): \(document.pages[3].text)")
        let enRate = TestImages.characterErrorRate(expected: TestImages.english, actual: document.pages[8].text)
        #expect(enRate <= 0.02, "scanned English page CER \(enRate): \(document.pages[8].text)")
        #expect(progress.last?.pagesOCRd == 2)
        #expect(progress.last?.pagesDone == 50)
    }

    /// Reads each image as the number of its pixels, after a wait that makes later pages finish first; counts how
    /// many reads run at once.
    final class OverlapOCR: OCREngine, @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private(set) var most = 0
        private var finished = 0
        /// Readings returned so far.
        var completed: Int { lock.withLock { finished } }
        var name: String { "overlap" }
        func recognize(_ image: OCRImage, languages: String) async throws -> OCRText {
            lock.withLock { running += 1; most = max(most, running) }
            defer { lock.withLock { running -= 1; finished += 1 } }
            // The first readings wait (up to 30 s) until three are in flight, so a slow machine drawing the pages
            // one by one still shows whether the extractor sends that many at once.
            let start = ContinuousClock.now
            while lock.withLock({ most < 3 }), ContinuousClock.now - start < .seconds(30) { try await Task.sleep(for: .milliseconds(5)) }
            try await Task.sleep(for: .milliseconds(image.width % 7 == 0 ? 150 : 20))
            return OCRText(text: "page of width \(image.width)", words: [], confidence: 90, engine: name)
        }
    }

    /// Scanned pages are read side by side, at most `ocrConcurrency` at once, and come back in page order however
    /// they finish.
    @Test func scannedPagesAreReadSideBySideInOrder() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        var pages: [TestDocuments.Page] = []
        var widths: [Int] = []
        for i in 0..<9 {
            let image = folder.url.appendingPathComponent("p\(i).jpg")
            try TestImages.render("Page \(i)", to: image, extra: ["-resize", "\(300 + 13 * i)x200!"])
            pages.append(.scan(jpeg: [UInt8](try Data(contentsOf: image)), dpi: 300))
            widths.append(300 + 13 * i)
        }
        pages.insert(.text(["A text page between the scans, long enough to count as a text layer."]), at: 4)
        let url = folder.write("scans.pdf", TestDocuments.mixedPDF(pages))
        let file = SourceFile(name: "scans.pdf", url: url, sha256: String(repeating: "b", count: 64), mediaType: .pdf, size: 0)
        let ocr = OverlapOCR()
        var extractor = PopplerPDFExtractor(ocr: ocr)
        extractor.ocrConcurrency = 3
        let progress = ProgressLog()
        let readSoFar = ProgressLog()
        let document = try await extractor.extract(file) { report in
            progress.add(report)
            readSoFar.add(ExtractionProgress(pagesDone: 0, pagesTotal: 0, pagesOCRd: ocr.completed))
        }
        // Pages count as OCR'd when their reading is back, not when they are sent.
        #expect(zip(progress.all, readSoFar.all).allSatisfy { $0.pagesOCRd <= $1.pagesOCRd }, "\(progress.all.map(\.pagesOCRd))")
        #expect(document.pages.map(\.number) == Array(1...10))
        #expect(document.pages[4].engine == nil && document.pages[4].text.contains("text page"))
        #expect(ocr.most == 3, "three pages read at once, never more: \(ocr.most)")
        // The scans grow wider page by page, so their readings do too when each page holds its own.
        let read = document.pages.filter { $0.engine != nil }.compactMap { Int($0.text.split(separator: " ").last ?? "") }
        #expect(read.count == 9 && zip(read, read.dropFirst()).allSatisfy { $0 < $1 }, "each page its own reading, in order: \(read)")
        #expect(progress.last?.pagesDone == 10 && progress.last?.pagesOCRd == 9)
    }

    /// A scanned page larger than the render budget at 300 dpi is rendered within it at a lower resolution, and
    /// still read; one too large to fit even at 100 dpi (a picture declared at 1 dpi: a page of many metres) is
    /// left unread instead of being drawn into gigabytes.
    @Test func hugePagesAreRenderedWithinABudget() async throws {
        guard TestImages.available else { try Skip.now("ImageMagick not installed (scripts/setup.sh --tests)") }
        let folder = TemporaryFolder()
        let en = folder.url.appendingPathComponent("en.jpg")
        try TestImages.render(TestImages.english, to: en)
        let jpeg = [UInt8](try Data(contentsOf: en))
        let url = folder.write("poster.pdf", TestDocuments.mixedPDF([.scan(jpeg: jpeg, dpi: 150), .scan(jpeg: jpeg, dpi: 1)]))
        let ocr = CountingOCR()
        let file = SourceFile(name: "poster.pdf", url: url, sha256: String(repeating: "b", count: 64), mediaType: .pdf, size: 0)
        // Declared at 150 dpi, the page is 4× the picture's pixels at 300 dpi: a budget of half that asks for ~212 dpi.
        let (w, h, _) = TestDocuments.jpegSize(jpeg)
        let budget = 2 * w * h
        let document = try await PopplerPDFExtractor(ocr: ocr, maxRenderPixels: budget).extract(file) { _ in }
        #expect(document.pages.count == 2)
        let images = ocr.images
        #expect(images.count == 1, "the page too large even at 100 dpi is not rendered: \(images)")
        if let image = images.first {
            #expect(image.width * image.height <= budget, "\(image)")
            #expect(image.dpi >= 100 && image.dpi < 300, "rendered at a lower resolution: \(image)")
        }
        #expect(document.pages[0].text.contains("Annual leave"), "\(document.pages[0].text)")
        #expect(document.pages[1].text.isEmpty)
    }

    @Test func junkTextLayersCountAsScans() {
        let folder = TemporaryFolder()
        let url = folder.write("x.pdf", TestDocuments.pdf(pages: [["A real page of text with plenty of words on it."], ["x"]]))
        let document = poppler_document_new_from_file(url.absoluteString, nil, nil)!
        defer { g_object_unref(UnsafeMutableRawPointer(document)) }
        let first = poppler_document_get_page(document, 0)!, second = poppler_document_get_page(document, 1)!
        defer { g_object_unref(UnsafeMutableRawPointer(first)); g_object_unref(UnsafeMutableRawPointer(second)) }
        #expect(PopplerPDFExtractor.hasRealText("A real page of text with plenty of words on it.", page: first))
        #expect(!PopplerPDFExtractor.hasRealText("x", page: second), "a stray character is not a text layer")
        #expect(!PopplerPDFExtractor.hasRealText(String(repeating: "\u{FFFD}", count: 200), page: first), "replacement characters are junk")
    }

    final class ProgressLog: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [ExtractionProgress] = []
        func add(_ p: ExtractionProgress) { lock.withLock { items.append(p) } }
        var last: ExtractionProgress? { lock.withLock { items.last } }
        var all: [ExtractionProgress] { lock.withLock { items } }
    }
}
