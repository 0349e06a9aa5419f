import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// What a document's structure adds through the whole server: heading paths on chunks (searchable, returned with
/// hits), and the document's own metadata on its file.
@Suite(.waitsOnProcesses) struct DocumentStructureTests {
    @Test func chunksCarryTheirHeadingPathAndAreFoundByIt() async throws {
        let server = try await TestServer()
        _ = try await server.json(.POST, "/api/kbs", ["name": "docs", "embedding_model": "none"])
        // The procedure's later steps sit far below its heading: only the heading path ties them to "Flatpak".
        let steps = (1...40).map { "Step \($0): run the next command and check its output before going on." }.joined(separator: "\n\n")
        let markdown = "# Installation\n\nIntro.\n\n## Flatpak\n\n\(steps)\n"
        #expect(try await server.ingest("guide.md", Array(markdown.utf8), into: "docs")["status"] as? String == "succeeded")
        let hits = try await server.request(.GET, "/api/kbs/docs/search?q=flatpak+step+39&mode=keyword&k=3").json["hits"] as? [[String: Any]] ?? []
        let top = try #require(hits.first)
        #expect(top["section"] as? String == "Installation › Flatpak")
        #expect((top["text"] as? String ?? "").contains("Step 39"))
        #expect(!(top["text"] as? String ?? "").contains("Flatpak"), "the path is indexed, not shown in the text")
        try await server.stop()
    }

    @Test func aWordFilesOwnTitleAndAuthorAreOnItsFile() async throws {
        let folder = TemporaryFolder()
        let docx = try OfficeFixtures.make("docx", named: "手册.docx", in: folder)
        let server = try await TestServer()
        _ = try await server.json(.POST, "/api/kbs", ["name": "docs", "embedding_model": "none"])
        #expect(try await server.ingest("手册.docx", [UInt8](try Data(contentsOf: docx)), into: "docs")["status"] as? String == "succeeded")
        let files = try await server.request(.GET, "/api/kbs/docs/files").json["files"] as? [[String: Any]] ?? []
        let metadata = files.first?["metadata"] as? [String: Any]
        #expect(metadata?["title"] as? String == "安装手册")
        #expect(metadata?["author"] as? String == "Zhiku Tests")
        #expect(files.first?["media_type"] as? String == MediaType.docx.rawValue)
        let hits = try await server.request(.GET, "/api/kbs/docs/search?q=desktop%3Dkde&mode=keyword").json["hits"] as? [[String: Any]] ?? []
        // The first page is one chunk, starting at the document's title: its path is the title's.
        #expect(hits.first?["section"] as? String == "安装手册")
        try await server.stop()
    }

    /// A worksheet's passages say their sheet and rows, in search hits and in an answer's citations.
    @Test func spreadsheetPassagesAreCitedBySheetAndRows() async throws {
        let folder = TemporaryFolder()
        let xlsx = try OfficeFixtures.make("xlsx", named: "销售.xlsx", in: folder)
        let server = try await TestServer()
        _ = try await server.json(.POST, "/api/kbs", ["name": "sheets", "embedding_model": "none"])
        #expect(try await server.ingest("销售.xlsx", [UInt8](try Data(contentsOf: xlsx)), into: "sheets")["status"] as? String == "succeeded")

        let hits = try await server.request(.GET, "/api/kbs/sheets/search?q=%E7%89%A9%E5%93%811500&mode=keyword&k=3").json["hits"] as? [[String: Any]] ?? []
        let top = try #require(hits.first)
        #expect(top["section"] as? String == "大表")
        let first = try #require(top["first_row"] as? Int), last = try #require(top["last_row"] as? Int)
        #expect(first <= 1501 && 1501 <= last && last - first < 100, "物品1500 is on sheet row 1501: rows \(first)–\(last)")
        #expect((top["text"] as? String ?? "").contains("| 1500 | 物品1500 | 4500 |"))

        let answer = try await server.json(.POST, "/api/chat", ["kb": "sheets", "question": "合计金额是多少？", "mode": "extractive",
                                                                 "search_mode": "keyword"])
        let stream = TestServer.events(answer.body)
        let citations = stream.first { $0.name == "citations" }?.data["citations"] as? [[String: Any]] ?? []
        let cited = try #require(citations.first { ($0["snippet"] as? String ?? "").contains("合计") }, "\(stream.map(\.data))")
        #expect(cited["section"] as? String == "销售")
        #expect(cited["first_row"] as? Int == 1 && cited["last_row"] as? Int == 7, "the whole first sheet, rows 1–7: \(cited)")
        try await server.stop()
    }
}
