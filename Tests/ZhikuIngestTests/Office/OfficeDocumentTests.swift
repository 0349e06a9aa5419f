import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Word, Excel, PowerPoint, EPUB and CSV files as the libraries that write them in the wild make them, read
/// through the media type the bytes are sniffed as and the extractor the standard registry picks for it.
@Suite(.waitsOnProcesses) struct OfficeDocumentTests {
    /// Sniffs the file, checks it is `type`, and extracts it as ingestion does.
    static func read(_ url: URL, as type: MediaType) async throws -> ExtractedDocument {
        let data = try Data(contentsOf: url)
        let sniffed = MediaTypeSniffer.sniff(head: Array(data.prefix(MediaTypeSniffer.headLength)), name: url.lastPathComponent, url: url)
        #expect(sniffed == type, "\(url.lastPathComponent) sniffed as \(sniffed)")
        let file = SourceFile(name: url.lastPathComponent, url: url, sha256: "x", mediaType: sniffed, size: Int64(data.count))
        return try await ExtractorRegistry.standard().extractor(for: sniffed, fileName: file.name).extract(file)
    }

    @Test func aWordDocumentKeepsOrderHeadingsListsAndTablesAndLeavesOutHeadersAndFooters() async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("docx", named: "手册.docx", in: folder)
        let document = try await Self.read(url, as: .docx)
        #expect(document.pages.count == 2, "a page break makes two pages: \(document.pages.map(\.text))")
        let first = document.pages[0].text
        let order = ["安装手册", "安装", "本章介绍如何安装系统。", "安装过程", "desktop=kde", "- 第一步：下载镜像",
                     "- 第二步：写入 U 盘", "| 参数 | 含义 | 默认值 |", "| desktop | 桌面环境 | gnome |", "表格之后的段落。"]
        var cursor = first.startIndex
        for piece in order {
            guard let range = first.range(of: piece, range: cursor..<first.endIndex) else {
                Issue.record("'\(piece)' missing or out of order in:\n\(first)")
                break
            }
            cursor = range.upperBound
        }
        #expect(!document.pages.map(\.text).joined().contains("RUNNING"), "headers and footers stay out of the body")
        #expect(document.pages[0].headings.map(\.title) == ["安装手册", "安装", "安装过程"])
        #expect(document.pages[0].headings.map(\.level) == [1, 1, 2])
        let heading = document.pages[0].headings[2]
        let scalars = Array(first.unicodeScalars)
        #expect(String(String.UnicodeScalarView(scalars[heading.offset..<(heading.offset + 4)])) == "安装过程", "offsets point at the heading")
        #expect(document.pages[1].text == "Appendix\n\nEnglish text after the page break.")
        #expect(document.pages[1].headings == [Heading(level: 1, title: "Appendix", offset: 0)])
        #expect(document.metadata?.title == "安装手册" && document.metadata?.author == "Zhiku Tests", "\(String(describing: document.metadata))")
    }

    @Test func anExcelWorkbookIsASheetPerPageWithDatesPercentagesAndMergedCells() async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("xlsx", named: "销售.xlsx", in: folder)
        let document = try await Self.read(url, as: .xlsx)
        #expect(document.pages.count == 2)
        #expect(document.metadata?.title == "销售报表" && document.metadata?.created != nil, "\(String(describing: document.metadata))")
        #expect(document.pages[0].headings.map(\.title) == ["销售"])
        let lines = document.pages[0].text.split(separator: "\n").map(String.init)
        #expect(lines == ["销售", "| 日期 | 地区 | 金额 | 占比 |", "| --- | --- | --- | --- |",
                          "| 2024-01-01 | 华东 | 1200 | 12.5% |",
                          "| 2024-01-02 | 华东 | 830.5 | 25.0% |",
                          "| 2024-02-29 | 华北 | 99 | 50.0% |",
                          "| 合计 |  | 2129.5 |  |"], "\(lines)")
        // Each row's line is marked with the number Excel shows for it, blank rows 5 and 6 counted.
        let marks = document.pages[0].rows ?? []
        #expect(marks.map(\.number) == [1, 2, 3, 4, 7], "\(marks)")
        let scalars = Array(document.pages[0].text.unicodeScalars)
        #expect(marks.map { String(String.UnicodeScalarView(scalars[$0.offset..<($0.offset + 4)])) }
                    == ["| 日期", "| 20", "| 20", "| 20", "| 合计"], "each mark is where its row's line starts")
        let big = document.pages[1]
        #expect(big.text.hasPrefix("大表\n\n| 编号 | 名称 | 数量 |\n| --- | --- | --- |\n| 1 | 物品1 | 3 |"))
        #expect(big.text.hasSuffix("| 2000 | 物品2000 | 6000 |"))

        // The default splitter cuts the long sheet between rows and repeats the header in every chunk; the sheet's
        // name leads the first (not a chunk of its own).
        let chunks = IngestPipeline.defaultSplitter().split(big.text, page: 2)
        #expect(chunks.count > 20)
        #expect(chunks.first?.text.hasPrefix("大表\n\n| 编号 | 名称 | 数量 |") == true)
        let tables = chunks.map { $0.text.hasPrefix("大表\n\n") ? String($0.text.dropFirst(4)) : $0.text }
        for table in tables {
            #expect(table.hasPrefix("| 编号 | 名称 | 数量 |\n| --- | --- | --- |\n"), "\(table.prefix(80))")
        }
        #expect(chunks.allSatisfy { $0.text.unicodeScalars.count <= 500 })
        let rows = tables.flatMap { $0.split(separator: "\n").dropFirst(2) }
        #expect(rows.count == 2000 && rows.first == "| 1 | 物品1 | 3 |" && rows.last == "| 2000 | 物品2000 | 6000 |",
                "every row once, in order")
        // Each chunk knows the sheet rows it holds (the repeated header aside): the first from the header (row 1),
        // then each where the last stopped, up to row 2001; and the rows it names are the rows it shows (item n is
        // on sheet row n + 1).
        let ranges = RowRanges(document)
        let spans = chunks.map { ranges.rows(page: 2, start: $0.start, end: $0.end) }
        #expect(spans.first??.first == 1 && spans.last??.last == 2001, "\(spans.prefix(3)) … \(spans.suffix(1))")
        for (previous, next) in zip(spans, spans.dropFirst()) {
            #expect(next?.first == (previous?.last ?? -1) + 1, "\(String(describing: previous)) then \(String(describing: next))")
        }
        for (chunk, span) in zip(chunks, spans) {
            guard let span, let lastLine = chunk.text.split(separator: "\n").last else { continue }
            #expect(lastLine.hasPrefix("| \(span.last - 1) |"), "\(span) ends with \(lastLine)")
        }
    }

    /// A Chinese regulation: chapters as sections, the table's city classes merged down read into every row.
    @Test func aChineseRegulationKeepsItsChaptersAndMergedCells() async throws {
        let folder = TemporaryFolder()
        let document = try await Self.read(try OfficeFixtures.make("docx-zh-travel", named: "差旅费报销管理办法.docx", in: folder), as: .docx)
        #expect(document.pages.map { $0.headings.first?.title } == ["差旅费报销管理办法", "第一章　总则", "第二章　住宿标准", "第三章　报销流程"])
        let table = document.pages[2].text
        #expect(table.contains("| 一类城市（北京、上海、广州、深圳） | 其他员工 | 600 | 100 |"), "\(table)")
        #expect(table.contains("| 二类城市（省会及计划单列市） | 其他员工 | 450 | 80 |"))
        #expect(document.metadata?.author == "财务部")
    }

    /// A Chinese ledger: the merged title row above the column names is a line before the table, not its header;
    /// merged suppliers, dates and formulas' values in every row; rows cited as Excel numbers them.
    @Test func aChinesePurchaseLedgerHasItsTitleAboveItsHeader() async throws {
        let folder = TemporaryFolder()
        let document = try await Self.read(try OfficeFixtures.make("xlsx-zh-purchases", named: "采购台账.xlsx", in: folder), as: .xlsx)
        let lines = document.pages[0].text.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(3)) == ["采购明细", "2023年度办公用品采购台账", "| 日期 | 供应商 | 物品 | 数量 | 单价（元） | 金额（元） | 经办人 |"], "\(lines)")
        #expect(lines.contains("| 2023-03-15 | 华北纸业贸易公司 | A3 打印纸 | 10 | 58 | 580 | 赵敏 |"))
        #expect(document.pages[0].rows?.map(\.number) == [2, 3, 4, 5, 6, 7, 8])
    }

    @Test func aPresentationIsASlidePerPageWithTitlesTablesAndNotes() async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("pptx", named: "汇报.pptx", in: folder)
        let document = try await Self.read(url, as: .pptx)
        #expect(document.pages.map(\.number) == [1, 2, 3])
        #expect(document.pages[0].text == "季度汇报\n\n2024 年第一季度")
        #expect(document.pages[1].text == "要点\n\n收入增长 12%\n\n新客户 35 家\n\nNotes: 讲者备注：强调华东区域")
        #expect(document.pages[1].headings == [Heading(level: 1, title: "要点", offset: 0)])
        #expect(document.pages[2].text == "数据\n\n| 指标 | 数值 |\n| --- | --- |\n| 收入 | 1200万 |\n| 利润 | 300万 |")
    }

    @Test func anEPUBIsAChapterPerPage() async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("epub", named: "书.epub", in: folder)
        let document = try await Self.read(url, as: .epub)
        let chapters = document.pages.filter { $0.text.contains("章") || $0.text.contains("Chapter") }
        #expect(chapters.count == 2, "\(document.pages.map(\.text))")
        #expect(chapters.first?.headings.first?.title == "第一章 开始")
        #expect(chapters.first?.text.contains("知库读取电子书的每一章。") == true)
        #expect(chapters.last?.headings.first?.title == "Chapter Two")
        #expect(document.metadata?.title == "测试之书")
    }

    @Test func anOpenDocumentTextKeepsHeadingsListsTablesFootnotesAndPageBreaks() async throws {
        let folder = TemporaryFolder()
        let document = try await Self.read(try OfficeFixtures.make("odt", named: "部署.odt", in: folder), as: .odt)
        #expect(document.pages.map(\.text) == [
            "部署\n\n本章说明部署步骤。\n\n准备工作\n\n先检查端口 8080 是否空闲[^1]\n\n- 安装 Swift\n\n- 运行 setup.sh\n\n"
                + "| 变量 | 默认值 |\n| --- | --- |\n| ZHIKU_PORT | 8080 |",
            "Appendix\n\nEnglish after the page break.\n\n[^1]: 也可以用 ZHIKU_PORT 换端口。",
        ])
        #expect(document.pages[0].headings.map(\.title) == ["部署", "准备工作"] && document.pages[0].headings.map(\.level) == [1, 2])
        #expect(document.metadata?.title == "部署指南" && document.metadata?.author == "Zhiku Tests")
    }

    /// A spreadsheet's displayed cell text, the merged range filled in, and a million repeated blank rows (as
    /// LibreOffice writes the rest of a sheet) cost nothing.
    @Test func anOpenDocumentSpreadsheetIsASheetPerPage() async throws {
        let folder = TemporaryFolder()
        let document = try await Self.read(try OfficeFixtures.make("ods", named: "库存.ods", in: folder), as: .ods)
        #expect(document.pages.map(\.text) == ["库存表\n\n| 日期 | 仓库 | 数量 |\n| --- | --- | --- |\n| 2024-03-01 | 上海 | 12 |\n| 2024-03-02 | 上海 | 7 |"])
        #expect(document.pages[0].rows?.map(\.number) == [1, 2, 3])
        #expect(document.metadata?.title == "库存")
    }

    @Test func anOpenDocumentPresentationIsASlidePerPage() async throws {
        let folder = TemporaryFolder()
        let document = try await Self.read(try OfficeFixtures.make("odp", named: "进度.odp", in: folder), as: .odp)
        #expect(document.pages.map(\.text) == ["项目进度\n\n完成 80%\n\n下周上线\n\nNotes: 强调上线时间", "风险\n\n人手不足"])
        #expect(document.pages[0].headings == [Heading(level: 1, title: "项目进度", offset: 0)])
    }

    @Test func aGBKEncodedCSVIsATableWithQuotedFieldsKept() async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("csv-gbk", named: "清单.csv", in: folder)
        let document = try await Self.read(url, as: .csv)
        #expect(document.pages.map(\.text) == ["| 名称 | 说明 | 数量 |\n| --- | --- | --- |\n| 苹果 | 红色, 甜 | 3 |\n"
                                                + "| 梨 | 第一行 第二行 | 5 |\n| 桃 | 他说\"好\" | 7 |"])
        #expect(document.pages[0].rows?.map(\.number) == [1, 2, 3, 4], "records numbered as a spreadsheet opening the file shows them")
    }

    /// Hostile containers fail with a reason, quickly, and without inflating what they claim.
    @Test(arguments: [
        ("bomb-docx", "炸弹.docx", "zip bomb"),
        ("dtd-docx", "dtd.docx", "DTD"),
        ("truncated-docx", "half.docx", "damaged or truncated"),
        ("encrypted-doc", "secret.docx", "password-protected documents are not supported"),
    ])
    func hostileContainersFailWithAReason(kind: String, name: String, reason: String) async throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make(kind, named: name, in: folder)
        let data = try Data(contentsOf: url)
        let type = MediaTypeSniffer.sniff(head: Array(data.prefix(MediaTypeSniffer.headLength)), name: name, url: url)
        let file = SourceFile(name: name, url: url, sha256: "x", mediaType: type, size: Int64(data.count))
        let start = ContinuousClock.now
        do {
            let document = try await ExtractorRegistry.standard().extractor(for: type, fileName: name).extract(file)
            Issue.record("\(kind) was read: \(document.pages.map { $0.text.prefix(80) })")
        } catch let error as ZhikuError {
            #expect(error.message.contains(reason), "\(kind): \(error.message)")
        }
        #expect(ContinuousClock.now - start < .seconds(60), "\(kind) took \(ContinuousClock.now - start)")
    }

    @Test func aZipThatIsNoDocumentIsRefusedByName() throws {
        let folder = TemporaryFolder()
        let url = try OfficeFixtures.make("fake-docx", named: "fake.docx", in: folder)
        let data = try Data(contentsOf: url)
        #expect(MediaTypeSniffer.sniff(head: Array(data), name: "fake.docx", url: url) == .zip)
        #expect(throws: ZhikuError.self) { try ExtractorRegistry.standard().extractor(for: .zip, fileName: "fake.docx") }
    }
}
