import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

/// Rich Text as WordPad and Word write it: Chinese in code page 936 bytes or `\uN` escapes, tables, headings by
/// outline level, pages, info; font tables, pictures, headers and field instructions left out; bad nesting refused.
@Suite(.waitsOnProcesses) struct RTFExtractorTests {
    @Test func chineseWordPadTextInItsCodePage() async throws {
        let folder = TemporaryFolder()
        let document = try await OfficeDocumentTests.read(try OfficeFixtures.make("rtf-wordpad-zh", named: "办法.rtf", in: folder), as: .rtf)
        #expect(document.pages.map(\.text) == ["差旅费报销管理办法\n\n第一条　出差人员应当在出差结束后十个工作日内报销。\n\n"
                                                + "第二条　一类城市住宿费上限为每晚 600 元。"])
    }

    @Test func aWordDocumentsTextHeadingsTableAndPages() async throws {
        let folder = TemporaryFolder()
        let document = try await OfficeDocumentTests.read(try OfficeFixtures.make("rtf-word", named: "制度.rtf", in: folder), as: .rtf)
        #expect(document.pages.count == 2, "a page break: \(document.pages.map(\.text))")
        let first = document.pages.first?.text ?? ""
        #expect(first == "第一章 总则\n\nCafé costs “low” bold text—see the site.\n\n| 物品 | 数量 |\n| --- | --- |\n| 打印纸 | 50 |\n\nAfter the table 😀 done.",
                "\(first)")
        #expect(document.pages.first?.headings == [Heading(level: 1, title: "第一章 总则", offset: 0)])
        #expect(document.pages.last?.text == "Second page.")
        #expect(document.metadata?.title == "采购制度" && document.metadata?.author == "财务部")
        #expect(!first.contains("RUNNING") && !first.contains("HYPERLINK") && !first.contains("89504e") && !first.contains("Times"))
    }

    @Test func deepNestingIsRefusedAndBrokenFilesDoNotCrash() async throws {
        let folder = TemporaryFolder()
        let deep = folder.url.appendingPathComponent("deep.rtf")
        try Data(("{\\rtf1 " + String(repeating: "{", count: 5_000) + "x").utf8).write(to: deep)
        await #expect(throws: ZhikuError.self) { _ = try await OfficeDocumentTests.read(deep, as: .rtf) }
        let cut = folder.url.appendingPathComponent("cut.rtf")
        try Data("{\\rtf1\\ansi\\ansicpg936 text \\'b2\\'e".utf8).write(to: cut)
        let document = try await OfficeDocumentTests.read(cut, as: .rtf)
        #expect(document.pages.first?.text.hasPrefix("text") == true)
    }
}
