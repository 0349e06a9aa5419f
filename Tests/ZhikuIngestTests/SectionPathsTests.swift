import Testing
import ZhikuCore
@testable import ZhikuIngest

/// Heading paths nest by level and carry over from page to page.
@Suite struct SectionPathsTests {
    @Test func pathsNestAndCarryAcrossPages() {
        let document = ExtractedDocument(pages: [
            ExtractedPage(number: 1, text: String(repeating: "x", count: 40),
                          headings: [Heading(level: 1, title: "安装", offset: 0), Heading(level: 2, title: "安装过程", offset: 10)]),
            ExtractedPage(number: 2, text: "continued"),
            ExtractedPage(number: 3, text: "配置 ...", headings: [Heading(level: 2, title: "配置", offset: 0)]),
            ExtractedPage(number: 4, text: "tail. 附录", headings: [Heading(level: 1, title: "附录", offset: 6)]),
        ])
        let paths = SectionPaths(document)
        #expect(paths.path(page: 1, offset: 0) == "安装")
        #expect(paths.path(page: 1, offset: 9) == "安装")
        #expect(paths.path(page: 1, offset: 10) == "安装 › 安装过程")
        #expect(paths.path(page: 2, offset: 0) == "安装 › 安装过程", "a section goes on over the next page")
        #expect(paths.path(page: 3, offset: 2) == "安装 › 配置", "a sibling replaces its predecessor")
        #expect(paths.path(page: 4, offset: 0) == "安装 › 配置")
        #expect(paths.path(page: 4, offset: 6) == "附录", "a higher level closes the deeper ones")
        #expect(paths.path(page: 9, offset: 0) == nil)
    }

    @Test func aDocumentWithoutHeadingsHasNoPathsAndLongPathsLoseTheirOuterLevels() {
        #expect(SectionPaths(ExtractedDocument(pages: [ExtractedPage(number: 1, text: "plain")])).path(page: 1, offset: 0) == nil)
        let long = (1...6).map { Heading(level: $0, title: String(repeating: "长", count: 60) + "\($0)", offset: $0) }
        let path = SectionPaths(ExtractedDocument(pages: [ExtractedPage(number: 1, text: "abcdefgh", headings: long)]))
            .path(page: 1, offset: 7)
        #expect(path?.count ?? 0 <= SectionPaths.maximumLength)
        #expect(path?.hasSuffix("6") == true, "the innermost heading is kept")
    }
}
