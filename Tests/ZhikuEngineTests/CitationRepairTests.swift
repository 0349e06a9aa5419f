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

/// An answer in another language than its source shares only its identifiers with it: those decide the citation.
@Suite struct CitationRepairAcrossLanguagesTests {
    let sources = [
        "上传新的上游版本时，如果 Debian 修订号不是 -1 或 -0，必须给 dpkg-buildpackage 加上选项 -sa，以包含 orig.tar.gz。",
        "LinuxCNC 的开发者手册说明了如何构建和测试。",
        "export LANGUAGE=\"pt:pt_BR:es:it:fr\" 让 gettext 按顺序回退到这些语言。",
    ]

    @Test func theSourceHoldingTheAnswersIdentifiersIsCited() {
        let english = "To include the orig.tar.gz, pass the -sa option to dpkg-buildpackage when the revision is not -1."
        #expect(CitationRepair.missingCitations(answer: english, sources: sources) == " [1]")
        let gettext = "The LANGUAGE variable, e.g. pt:pt_BR:es, gives gettext its fallback languages."
        #expect(CitationRepair.missingCitations(answer: gettext, sources: sources) == " [3]")
    }

    @Test func noIdentifierOrATieCitesNothing() {
        #expect(CitationRepair.missingCitations(answer: "You should ask the maintainers on the mailing list first.", sources: sources) == nil)
        let tie = ["Use make-kpkg here.", "Or make-kpkg there."]
        #expect(CitationRepair.missingCitations(answer: "Nobody really knows which tool is meant, perhaps make-kpkg.", sources: tie) == nil)
    }
}
