import Testing
@testable import ZhikuEngine

/// Citations added to answers that have none: the source the answer names in words, else the one its text comes
/// from; answers that cite are left alone, and text found in no source gets nothing.
@Suite struct CitationRepairTests {
    let sources = [
        "在安装时选择桌面环境：在引导参数中加入 desktop=kde 即可安装 KDE Plasma 桌面。",
        "使用 dpkg-buildpackage 构建软件包，构建前需要安装 build-essential。",
        "The jog wheel moves the selected axis; cumulative jogs add up until the wheel stops.",
    ]

    @Test func anAnswerThatCitesIsLeftAlone() {
        #expect(CitationRepair.missingCitations(answer: "在引导参数中加入 desktop=kde [1]。", sources: sources) == nil)
        #expect(CitationRepair.missingCitations(answer: "用 dpkg-buildpackage 构建 [1, 2]。", sources: sources) == nil)
    }

    @Test func aSourceNamedInWordsBecomesItsNumber() {
        #expect(CitationRepair.missingCitations(answer: "需要先安装 build-essential。（资料编号：2）", sources: sources) == " [2]")
        #expect(CitationRepair.missingCitations(answer: "It adds up (source 3).", sources: sources) == " [3]")
        // A number that is not a source's is not a citation.
        #expect(CitationRepair.missingCitations(answer: "见资料 9。", sources: sources) == nil)
    }

    @Test func theSourceTheTextComesFromIsCited() {
        #expect(CitationRepair.missingCitations(answer: "在引导参数中加入 desktop=kde，就会安装 KDE Plasma 桌面。", sources: sources) == " [1]")
        #expect(CitationRepair.missingCitations(answer: "Cumulative jogs add up until the wheel stops.", sources: sources) == " [3]")
    }

    @Test func textFromNoSourceGetsNoCitation() {
        #expect(CitationRepair.missingCitations(answer: "请联系系统管理员重新设置网络代理服务器。", sources: sources) == nil)
        #expect(CitationRepair.missingCitations(answer: "好的", sources: sources) == nil)
    }
}
