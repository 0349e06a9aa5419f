import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuIngest

@Suite(.offThePool) struct RecursiveCharacterTextSplitterTests {
    struct Case: Decodable {
        var `case`: String
        var chunk_size: Int
        var chunk_overlap: Int
        var separators: [String]
        var text: String
        var chunks: [String]
    }

    @Test func matchesEveryLangChainGoldenCase() throws {
        guard let folder = SharedEval.folder("splitter") else {
            try SharedEval.skip("splitter golden cases")
        }
        let lines = try String(contentsOf: folder.appendingPathComponent("cases.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        #expect(lines.count > 100)
        var mismatches: [String] = []
        for line in lines {
            let c = try JSONDecoder().decode(Case.self, from: Data(line.utf8))
            let splitter = try RecursiveCharacterTextSplitter(chunkSize: c.chunk_size, chunkOverlap: c.chunk_overlap,
                                                              separators: c.separators)
            if splitter.splitText(c.text) != c.chunks { mismatches.append(c.case) }
        }
        #expect(mismatches.isEmpty, "cases that differ from LangChain: \(mismatches.prefix(20))")
    }

    @Test func offsetsPointAtTheChunkText() throws {
        let text = "第一段：员工年假申请流程。\r\n请提前三天申请！\n\nSecond paragraph with  spaces.\n\n\n第三段，结束。"
        for placement in [RecursiveCharacterTextSplitter.SeparatorPlacement.start, .end] {
            let splitter = try RecursiveCharacterTextSplitter(
                chunkSize: 12, chunkOverlap: 4, separators: RecursiveCharacterTextSplitter.chineseSeparators,
                placement: placement)
            let scalars = Array(text.unicodeScalars)
            let drafts = splitter.split(text, page: 3)
            #expect(drafts.count > 3)
            for d in drafts {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[d.start..<d.end])
                #expect(String(view) == d.text)
                #expect(d.page == 3)
                #expect(d.text.unicodeScalars.count <= 12)
            }
            #expect(drafts.map(\.start) == drafts.map(\.start).sorted())
        }
    }

    @Test func sentenceEndsStayWithTheirSentenceWhenPlacedAtTheEnd() throws {
        let splitter = try RecursiveCharacterTextSplitter(
            chunkSize: 10, chunkOverlap: 0, separators: RecursiveCharacterTextSplitter.chineseSeparators,
            placement: .end)
        #expect(splitter.splitText("今天天气很好。我们去公园吧！好的。") == ["今天天气很好。", "我们去公园吧！好的。"])
        let start = try RecursiveCharacterTextSplitter(
            chunkSize: 10, chunkOverlap: 0, separators: RecursiveCharacterTextSplitter.chineseSeparators)
        #expect(start.splitText("今天天气很好。我们去公园吧！好的。") == ["今天天气很好", "。我们去公园吧！好的", "。"])
    }

    @Test func overlapCarriesTheTailOfThePreviousChunk() throws {
        let splitter = try RecursiveCharacterTextSplitter(chunkSize: 10, chunkOverlap: 4)
        #expect(splitter.splitText("aa bb cc dd ee ff gg") == ["aa bb cc", "cc dd ee", "ee ff gg"])
    }

    @Test func rejectsImpossibleSettings() {
        #expect(throws: ZhikuError.self) { try RecursiveCharacterTextSplitter(chunkSize: 0) }
        #expect(throws: ZhikuError.self) { try RecursiveCharacterTextSplitter(chunkSize: 10, chunkOverlap: 11) }
        #expect(throws: ZhikuError.self) { try RecursiveCharacterTextSplitter(chunkSize: 10, chunkOverlap: -1) }
        #expect(throws: ZhikuError.self) { try RecursiveCharacterTextSplitter(separators: []) }
    }

    @Test func pythonWhitespaceIncludesInformationSeparators() {
        #expect(isPythonWhitespace("\u{1C}"))
        #expect(isPythonWhitespace("\u{3000}"))
        #expect(!isPythonWhitespace("\u{200B}"))
        #expect(!isPythonWhitespace("a"))
    }
}
