import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

@Suite(.offThePool) struct ExtractorTests {
    let folder = TemporaryFolder()

    func source(_ name: String, _ bytes: [UInt8]) -> SourceFile {
        let url = folder.write(name, bytes)
        return SourceFile(name: name, url: url, sha256: SHA256Hasher.hash(bytes),
                          mediaType: MediaTypeSniffer.sniff(head: bytes, name: name), size: Int64(bytes.count))
    }

    @Test func pdfTextComesOutOnTheRightPages() async throws {
        let bytes = TestDocuments.pdf(pages: [
            ["Quarterly report", "Revenue grew by 12 percent."],
            ["Second page: the travel policy."],
            ["Third page mentions annual leave."],
        ])
        let file = source("report.pdf", bytes)
        #expect(file.mediaType == .pdf)
        let progress = ProgressLog()
        let doc = try await PopplerPDFExtractor().extract(file) { progress.add($0) }
        #expect(doc.pages.map(\.number) == [1, 2, 3])
        #expect(doc.pages[0].text.contains("Revenue grew by 12 percent."))
        #expect(doc.pages[1].text.contains("travel policy"))
        #expect(!doc.pages[1].text.contains("Revenue"))
        #expect(doc.pages[2].text.contains("annual leave"))
        #expect(progress.last == ExtractionProgress(pagesDone: 3, pagesTotal: 3))
    }

    /// A PDF's bookmarks become headings of their pages (where the page shows the title, at that place), and its
    /// running header and page numbers leave the text.
    @Test func pdfBookmarksAreHeadingsAndRunningLinesGo() async throws {
        let topics = ["spindle", "homing", "limits", "probing", "jogging"]
        let pages = topics.enumerated().map { i, topic in
            ["Machine Guide V2.9, 28 Jun 2026 page \(i + 1) of 5", "Intro to \(topic)", "How to set up the \(topic) axis.", "\(i + 1)"]
        }
        let bytes = TestDocuments.pdf(pages: pages, outline: [
            (title: "Setup", page: 1, children: [(title: "Intro to homing", page: 2), (title: "Intro to limits", page: 3)]),
            (title: "Use", page: 4, children: []),
        ])
        let doc = try await PopplerPDFExtractor().extract(source("guide.pdf", bytes))
        #expect(doc.pages.map { $0.text.hasPrefix("Intro to") } == Array(repeating: true, count: 5), "\(doc.pages.map(\.text))")
        #expect(!doc.pages.contains { $0.text.contains("Machine Guide") || $0.text.hasSuffix("\n\($0.number)") })
        #expect(doc.pages[0].headings == [Heading(level: 1, title: "Setup", offset: 0)])
        #expect(doc.pages[1].headings == [Heading(level: 2, title: "Intro to homing", offset: 0)])
        #expect(doc.pages[3].headings == [Heading(level: 1, title: "Use", offset: 0)])
        let sections = SectionPaths(doc)
        #expect(sections.path(page: 2, offset: 5) == "Setup › Intro to homing")
        #expect(sections.path(page: 5, offset: 0) == "Use", "a bookmark's section goes on to the next one")
    }

    @Test func truncatedPDFFailsWithAReason() async throws {
        let bytes = TestDocuments.pdf(pages: [["Hello world"]])
        let file = source("broken.pdf", Array(bytes.prefix(40)))
        await #expect {
            _ = try await PopplerPDFExtractor().extract(file)
        } throws: { error in
            guard let e = error as? ZhikuError else { return false }
            return e.code == .extractionFailed && e.message.contains("broken.pdf")
        }
    }

    @Test func gbkTextFileIsDecoded() async throws {
        let text = "员工年假申请流程\r\n第二行：病假需要医院证明。"
        let file = source("policy.txt", TestDocuments.encode(text, as: "GBK"))
        #expect(file.mediaType == .plainText)
        let doc = try await PlainTextExtractor().extract(file)
        #expect(doc.pages.count == 1)
        #expect(doc.pages[0].text == "员工年假申请流程\n第二行：病假需要医院证明。")
    }

    @Test func binaryJunkNamedTxtFails() async throws {
        let file = source("junk.txt", TestDocuments.junk(count: 5000))
        #expect(file.mediaType == .octetStream)
        await #expect(throws: ZhikuError.self) { _ = try await PlainTextExtractor().extract(file) }
        #expect(throws: ZhikuError.self) {
            _ = try ExtractorRegistry.standard().extractor(for: file.mediaType, fileName: file.name)
        }
    }

    @Test func htmlDropsScriptsAndStylesAndKeepsHeadings() async throws {
        let html = """
            <!DOCTYPE html><html><head><title>Handbook</title>
            <style>body { color: red } .secret { }</style>
            <script>var secret = "do not index"; if (a < b) { alert(1) }</script></head>
            <body><h1>Leave &amp; holidays</h1><p>Annual leave is <b>15</b>&nbsp;days.</p>
            <!-- a comment that must vanish -->
            <h2 id="x">年假</h2><ul><li>提前三天申请</li><li>经理批准</li></ul>
            <noscript>enable js</noscript><p>5 &lt; 6 &#x4F60;&#22909;</p></body></html>
            """
        let file = source("handbook.html", Array(html.utf8))
        #expect(file.mediaType == .html)
        let page = try await HTMLExtractor().extract(file).pages[0]
        #expect(!page.text.contains("secret"))
        #expect(!page.text.contains("alert"))
        #expect(!page.text.contains("color"))
        #expect(!page.text.contains("comment"))
        #expect(!page.text.contains("enable js"))
        #expect(page.text.contains("Leave & holidays"))
        #expect(page.text.contains("Annual leave is 15 days."), "a no-break space reads as a space")
        #expect(page.text.contains("提前三天申请\n经理批准"))
        #expect(page.text.contains("5 < 6 你好"))
        #expect(page.headings.map(\.title) == ["Leave & holidays", "年假"])
        #expect(page.headings.map(\.level) == [1, 2])
        let scalars = Array(page.text.unicodeScalars)
        for heading in page.headings {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[heading.offset..<(heading.offset + heading.title.unicodeScalars.count)])
            #expect(String(view) == heading.title)
        }
    }

    @Test func markdownHeadingsOutsideCodeFences() async throws {
        let md = "# 员工手册\n\nIntro text.\n\n```\n# not a heading\n```\n\nSetext title\n------------\n\n### Leave ###\nbody"
        let file = source("handbook.md", Array(md.utf8))
        #expect(file.mediaType == .markdown)
        let page = try await MarkdownExtractor().extract(file).pages[0]
        #expect(page.text == md)
        #expect(page.headings.map(\.title) == ["员工手册", "Setext title", "Leave"])
        #expect(page.headings.map(\.level) == [1, 2, 3])
    }

    @Test func emptyFileFails() async throws {
        let file = source("empty.txt", [])
        await #expect(throws: ZhikuError.self) { _ = try await PlainTextExtractor().extract(file) }
    }
}

/// Collects progress reports (they may arrive from another thread).
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [ExtractionProgress] = []

    func add(_ p: ExtractionProgress) {
        lock.lock()
        items.append(p)
        lock.unlock()
    }

    var last: ExtractionProgress? {
        lock.lock()
        defer { lock.unlock() }
        return items.last
    }
}
