import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Documents made by other people's tools, shipped in Debian 12 packages (fetched and checked by sha256 by
/// scripts/fetch-real-documents.sh, which `scripts/setup.sh --tests` runs): a Word and a PowerPoint file from R's
/// officer, two Excel workbooks from readxl (notes above and below the data, formulas, dates), an OpenDocument
/// manual and slides from aprx, a spreadsheet from Go's mimetype test data, the Chinese Debian Edu manual as EPUB
/// (zipped as its folder), a Chinese semicolon-separated CSV with CRLF lines from caja-mediainfo, and the Apache
/// license as macOS TextEdit saves RTF, from syncplay.
@Suite(.waitsOnProcesses) struct RealDocumentTests {
    static let folder = URL(fileURLWithPath: ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache")
        .appendingPathComponent("zhiku/real-docs")

    /// The document `name` as ingestion reads it, or a skip saying how to fetch it.
    func read(_ name: String, as type: MediaType) async throws -> ExtractedDocument {
        let url = Self.folder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            try Skip.now("real documents not fetched (\(name); run scripts/fetch-real-documents.sh)")
        }
        return try await OfficeDocumentTests.read(url, as: type)
    }

    func texts(_ document: ExtractedDocument) -> String { document.pages.map(\.text).joined(separator: "\n\n") }

    @Test func aWordDocumentFromROfficer() async throws {
        let document = try await read("officer-example.docx", as: .docx)
        #expect(document.pages.flatMap(\.headings).map(\.title) == ["Title 1", "Title 2", "Sub title 1", "Sub title 2"])
        #expect(document.pages.flatMap(\.headings).map(\.level) == [1, 1, 2, 2])
        #expect(document.metadata?.title == "document title" && document.metadata?.author == "author")
        let text = texts(document)
        #expect(text.contains("| Petals | Internode | Sepal | Bract |"), "its table is a Markdown table")
        #expect(text.contains("| 4,828953215 | Merged cell | 2,238467716 | 19,87376227 |"), "a cell merged down is in each row")
        #expect(text.contains("- Quisque tristique"), "list items")
    }

    @Test func aPresentationFromROfficer() async throws {
        let document = try await read("officer-example.pptx", as: .pptx)
        #expect(document.pages.count == 3, "a page per slide")
        #expect(document.pages[0].headings.first?.title == "Title")
        #expect(document.pages[0].text.contains("| Header 1 | Header 2 | Header 3 |\n| --- | --- | --- |\n| A | 12.23 | blah blah |"))
        #expect(document.pages[1].text.contains("list of paragraphs"))
        #expect(document.metadata?.title == "document title")
    }

    /// Notes above and below the data, merged cells, formulas (their cached values) and dates, cited by the row
    /// numbers Excel shows.
    @Test func anExcelWorkbookWithNotesAroundItsDataFromReadxl() async throws {
        let document = try await read("readxl-deaths.xlsx", as: .xlsx)
        #expect(document.pages.map { $0.headings.map(\.title) } == [["arts"], ["other"]])
        let arts = document.pages[0]
        let lines = arts.text.split(separator: "\n").map(String.init)
        #expect(lines.contains("| David Bowie | musician | 69 | TRUE | 1947-01-08 | 2016-01-10 |"), "\(lines)")
        #expect(lines.contains("| or | merging | merging | merging | merging | cells |"), "a merged range fills its cells")
        #expect(lines.contains { $0.contains("too!") }, "notes below the data are kept")
        let marks = arts.rows ?? []
        #expect(marks.map(\.number) == Array(2...19), "row 1, a lone note, reads as a line above the table")
        let scalars = Array(arts.text.unicodeScalars)
        let bowie = try #require(marks.first { $0.number == 6 })
        #expect(String(String.UnicodeScalarView(scalars[bowie.offset...].prefix(13))) == "| David Bowie", "row 6 is David Bowie's")
        #expect(document.metadata?.author == "Microsoft Office User")
    }

    @Test func fourDatasetsAsFourSheetsFromReadxl() async throws {
        let document = try await read("readxl-datasets.xlsx", as: .xlsx)
        #expect(document.pages.map { $0.headings.first?.title } == ["iris", "mtcars", "chickwts", "quakes"])
        let iris = document.pages[0]
        #expect(iris.text.contains("| Sepal.Length | Sepal.Width | Petal.Length | Petal.Width | Species |"))
        #expect(iris.rows?.last?.number == 151, "150 flowers under a header row")
        // Split as ingestion splits it, the last chunk of the sheet says it ends at row 151.
        let chunks = IngestPipeline.defaultSplitter().split(iris.text, page: 1)
        let ranges = RowRanges(document)
        let last = try #require(chunks.last)
        #expect(ranges.rows(page: 1, start: last.start, end: last.end)?.last == 151)
        #expect(last.text.hasPrefix("| Sepal.Length |"), "the header repeated")
    }

    @Test func anOpenDocumentManualFromAprx() async throws {
        let document = try await read("aprx-manual.odt", as: .odt)
        #expect(document.metadata?.title == "Aprx 2.9 Manual")
        let headings = document.pages.flatMap(\.headings)
        #expect(headings.contains(Heading(level: 1, title: "Configuration Examples", offset: 0)))
        #expect(headings.contains { $0.level == 2 && $0.title == "Minimal Configuration of Rx-iGate" })
        #expect(document.pages.count >= 8, "pages at the manual's page breaks: \(document.pages.count)")
        #expect(texts(document).contains("WIDE2-2 -> WIDE2-1 -> WIDE2*"))
    }

    @Test func openDocumentSlidesAndASpreadsheet() async throws {
        let slides = try await read("aprx-manual-pics.odp", as: .odp)
        #expect(slides.pages.count == 6)
        #expect(slides.pages[0].text.contains("Digipeater"))
        #expect(slides.metadata?.author == "Matti Aarnio")
        let sheet = try await read("mimetype-testdata.ods", as: .ods)
        #expect(sheet.pages.map(\.text) == ["Sheet1\n\n| Hello | World |\n| --- | --- |"])
    }

    /// Debian's Chinese Debian Edu manual: its archive holds the book inside a folder (`epub/mimetype`, …), which
    /// readers accept; chapters in spine order, the title each chapter's XHTML repeats left out.
    @Test func theChineseDebianEduManualAsEPUB() async throws {
        let document = try await read("debian-edu-bookworm-manual.zh-cn.epub", as: .epub)
        #expect(document.metadata?.title == "Debian Edu / Skolelinux 12 Bookworm 手册")
        #expect(document.pages.count >= 20, "\(document.pages.count) chapters")
        let structure = try #require(document.pages.first { $0.headings.first?.title == "结构" })
        #expect(structure.text.hasPrefix("结构\n\n网络\n\n"), "the chapter's title once: \(structure.text.prefix(30))")
        let install = try #require(document.pages.first { $0.text.contains("desktop=kde") })
        #expect(install.headings.first?.title == "安装和下载选项")
    }

    /// A translation table: semicolons, CRLF line ends, 1 123 records in Chinese, each cited by its line.
    @Test func aChineseSemicolonSeparatedFileFromCajaMediainfo() async throws {
        let document = try await read("caja-mediainfo.zh_CN.csv", as: .csv)
        let page = try #require(document.pages.first)
        #expect(page.text.contains("| Language_Name | 简体中文 |"), "\(page.text.prefix(200))")
        #expect(page.rows?.count == 1123 && page.rows?.last?.number == 1123, "\(String(describing: page.rows?.last))")
        let mark = try #require(page.rows?.first { $0.number == 5 })
        let scalars = Array(page.text.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[mark.offset...].prefix(15))) == "| Language_Name")
    }

    @Test func theApacheLicenseAsTextEditSavesIt() async throws {
        let document = try await read("syncplay-license.rtf", as: .rtf)
        let text = texts(document)
        #expect(text.hasPrefix("Apache License\n\nVersion 2.0, January 2004\n\nhttp://www.apache.org/licenses/"), "\(text.prefix(120))")
        #expect(text.contains("TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"))
        #expect(text.contains("\"License\" shall mean the terms and conditions for use, reproduction,"))
        #expect(!text.contains("Helvetica") && !text.contains("\\"), "no font table or control words")
    }
}
