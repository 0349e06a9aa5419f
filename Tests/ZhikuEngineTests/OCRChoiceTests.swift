import Foundation
import Testing
import ZhikuCore
import ZhikuEngine
import ZhikuIngest
import ZhikuModels
import ZhikuTestSupport

/// The table reader for text-layer PDF pages with the real layout and wired-table models: a bordered table's
/// text layer becomes a Markdown table, row by row, where poppler lays its cells out one after the other.
@Suite(.serialized) struct OCRChoiceTests {
    static func reader() throws -> any TableReader {
        guard WiredTableReader.installed else {
            try Skip.now("models \(LayoutDetector.modelID) and \(TableGridDetector.modelID) not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches them)")
        }
        return try #require(OCRChoice.tableReader())
    }

    static func extract(_ pdf: [UInt8], tables: (any TableReader)?) async throws -> ExtractedDocument {
        let folder = TemporaryFolder()
        let url = folder.url.appendingPathComponent("table.pdf")
        try Data(pdf).write(to: url)
        return try await PopplerPDFExtractor(tables: tables).extract(Self.file(url), progress: { _ in })
    }

    static func file(_ url: URL) -> SourceFile {
        SourceFile(name: url.lastPathComponent, url: url, sha256: String(repeating: "c", count: 64), mediaType: .pdf, size: 0)
    }

    static let rows: [[[String]]] = [
        [["Package"], ["Architecture"], ["Contents"]],
        [["libfoo1"], ["any"], ["shared library,", "co-installable"]],
        [["libfoo-dev"], ["any"], []],
        [["libfoo-doc"], ["all"], ["documentation"]],
    ]

    @Test func aRuledTablesTextLayerIsWrittenRowByRow() async throws {
        let reader = try Self.reader()
        let pdf = TestDocuments.tablePDF(before: "The packages built from the source:", rows: Self.rows, widths: [120, 110, 200],
                                         after: "Only libfoo1 holds the library itself.")
        let document = try await Self.extract(pdf, tables: reader)
        let text = document.pages[0].text
        #expect(text.contains("| Package | Architecture | Contents |\n| --- | --- | --- |\n| libfoo1 | any | shared library, co-installable |\n"
                              + "| libfoo-dev | any |  |\n| libfoo-doc | all | documentation |"), "\(text)")
        #expect(text.hasPrefix("The packages built from the source:"))
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("Only libfoo1 holds the library itself."))
        // Without the reader: poppler's layout, the table's cells not in rows.
        let plain = try await Self.extract(pdf, tables: nil).pages[0].text
        #expect(!plain.contains("|"))
    }

    /// Counts the pages it is asked about.
    final class Counting: TableReader, @unchecked Sendable {
        let reader: any TableReader
        private let lock = NSLock()
        private var asked = 0
        init(_ reader: any TableReader) { self.reader = reader }
        var calls: Int { lock.withLock { asked } }
        func tables(in image: OCRImage, text: [TableGrid.Box]) throws -> [(region: TableGrid.Box, grid: TableGrid)] {
            lock.withLock { asked += 1 }
            return try reader.tables(in: image, text: text)
        }
    }

    /// A page without vertical rules is not drawn for the reader at all, and its text stays as poppler lays it out.
    @Test func aTableWithoutRulesIsLeftAsPopplerLaysItOut() async throws {
        let reader = Counting(try Self.reader())
        let pdf = TestDocuments.tablePDF(before: "The packages built from the source:", rows: Self.rows, widths: [120, 110, 200],
                                         after: "Only libfoo1 holds the library itself.", ruled: false)
        let withReader = try await Self.extract(pdf, tables: reader).pages[0].text
        let without = try await Self.extract(pdf, tables: nil).pages[0].text
        #expect(withReader == without)
        #expect(reader.calls == 0)
        let ruled = TestDocuments.tablePDF(before: "The packages built from the source:", rows: Self.rows, widths: [120, 110, 200],
                                           after: "Only libfoo1 holds the library itself.")
        _ = try await Self.extract(ruled, tables: reader)
        #expect(reader.calls == 1)
    }

    /// A real manual page: maint-guide (zh-CN) p. 39, whose section table poppler gives column by column.
    @Test func aRealManualsTableIsWrittenRowByRow() async throws {
        let reader = try Self.reader()
        let documents = try SharedEval.qaDocuments()
        let url = documents.appendingPathComponent("maint-guide.zh-cn.pdf")
        let document = try await PopplerPDFExtractor(tables: reader).extract(Self.file(url), progress: { _ in })
        let page = document.pages[38].text
        #expect(page.contains("| 1 | User commands(用户命令) | Executable commands or scripts(可执行命令或脚本) |"), "\(page)")
        #expect(page.contains("| 9 | Kernel routines(内核惯例) | Non-standard calls and internals(非标准调用及内部构建) |"))
        #expect(page.contains("man 手册页"), "the text around the table is kept")
    }
}
