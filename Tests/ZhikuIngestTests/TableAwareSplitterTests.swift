import Testing
import ZhikuCore
@testable import ZhikuIngest

/// Markdown tables stay whole when they fit and are cut between rows, header repeated, when they do not; other
/// text is split exactly as the inner splitter splits it.
@Suite struct TableAwareSplitterTests {
    let inner = try! RecursiveCharacterTextSplitter(chunkSize: 60, chunkOverlap: 0)
    var splitter: TableAwareSplitter { TableAwareSplitter(inner: inner, chunkSize: 60) }

    @Test func textWithoutTablesIsSplitAsTheInnerSplitterSplitsIt() {
        let text = String(repeating: "一段没有表格的文字。", count: 20)
        #expect(splitter.split(text, page: 3) == inner.split(text, page: 3))
    }

    @Test func aSmallTableIsOneChunkBetweenTheTextAroundIt() {
        let text = "Before the table.\n| a | b |\n| --- | --- |\n| 1 | 2 |\nAfter the table."
        let drafts = splitter.split(text, page: 1)
        #expect(drafts.map(\.text) == ["Before the table.", "| a | b |\n| --- | --- |\n| 1 | 2 |", "After the table."])
        let scalars = Array(text.unicodeScalars)
        for draft in drafts {
            #expect(String(String.UnicodeScalarView(scalars[draft.start..<draft.end])) == draft.text, "offsets of \(draft.text)")
        }
    }

    @Test func aLongTableIsCutBetweenRowsWithItsHeaderInEveryChunk() {
        let rows = (1...30).map { "| \($0) | item \($0) |" }
        let text = (["| n | name |", "| --- | --- |"] + rows).joined(separator: "\n")
        let drafts = splitter.split(text, page: 2)
        #expect(drafts.count > 5)
        var seen: [String] = []
        for draft in drafts {
            let lines = draft.text.split(separator: "\n").map(String.init)
            #expect(Array(lines.prefix(2)) == ["| n | name |", "| --- | --- |"])
            #expect(draft.text.unicodeScalars.count <= 60 || lines.count == 3)
            seen += lines.dropFirst(2)
            // The offsets cover the rows the chunk holds.
            let scalars = Array(text.unicodeScalars)
            #expect(String(String.UnicodeScalarView(scalars[draft.start..<draft.end])) == lines.dropFirst(2).joined(separator: "\n"))
        }
        #expect(seen == rows, "every row once, in order")
    }

    /// A worksheet's name or a caption right before a table leads the table's first chunk (a chunk of a few words
    /// alone would be found by nothing and say nothing); later chunks start at the header again.
    @Test func aShortLeadInJoinsTheTablesFirstChunk() {
        let small = "销售\n\n| a | b |\n| --- | --- |\n| 1 | 2 |"
        #expect(splitter.split(small, page: 1).map(\.text) == [small])
        #expect(splitter.split(small, page: 1).map { [$0.start, $0.end] } == [[0, small.unicodeScalars.count]])

        let rows = (1...30).map { "| \($0) | item \($0) |" }
        let long = (["大表", "", "| n | name |", "| --- | --- |"] + rows).joined(separator: "\n")
        let drafts = splitter.split(long, page: 1)
        #expect(drafts.first?.text.hasPrefix("大表\n\n| n | name |\n| --- | --- |\n| 1 | item 1 |") == true, "\(drafts.first?.text ?? "")")
        #expect(drafts.first?.start == 0)
        #expect(drafts.dropFirst().allSatisfy { $0.text.hasPrefix("| n | name |") })
        #expect(drafts.allSatisfy { $0.text.unicodeScalars.count <= 60 })
    }

    /// After a longer text, the text is chunked as usual and its last sentence — the one introducing the table —
    /// also leads the table's first chunk (maint-guide p. 39: "这个简短的列表列举了 man 手册页的章节：" before a table
    /// whose rows share no word with a question about man page sections).
    @Test func theSentenceIntroducingATableLeadsIt() {
        let paragraph = "维护者应当为每个命令编写手册页，并删除没有用到的模板文件。\n文件名的后缀表示手册页所在的节。下表列出\n各节："
        let table = "| 节 | 内容 |\n| --- | --- |\n| 5 | 文件格式 |"
        let text = paragraph + "\n" + table
        let drafts = splitter.split(text, page: 39)
        #expect(drafts.last?.text == "下表列出 各节：\n\n" + table, "\(drafts.map(\.text))")
        let scalars = Array(text.unicodeScalars)
        let start = drafts.last?.start ?? 0
        #expect(String(String.UnicodeScalarView(scalars[start..<(start + 4)])) == "下表列出")
        // The paragraph itself is split as the inner splitter splits it.
        #expect(Array(drafts.dropLast()).map(\.text) == inner.split(paragraph + "\n", page: 39).map(\.text))
        // A dotted name is not a sentence's end; an English sentence ends at ". ".
        #expect(TableAwareSplitter.lastSentence(of: "Rename manpage.1.ex to gentoo.1 first. The sections of a man page are:\n")?.text
            == "The sections of a man page are:")
    }

    @Test func pipesWithoutASeparatorLineAreNotATable() {
        let text = "| not a table |\n| just pipes |"
        #expect(splitter.split(text, page: 1) == inner.split(text, page: 1))
    }
}
