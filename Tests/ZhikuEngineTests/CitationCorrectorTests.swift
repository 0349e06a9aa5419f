import Testing
@testable import ZhikuEngine

/// A wrong `[n]` is rewritten to the source that holds the claim, as the answer streams; right ones, other
/// brackets and text are shown as written.
@Suite struct CitationCorrectorTests {
    /// The sources of a real answer of the 1.5B model (which cited [2] for a figure only [1] has).
    let sources = [
        "第二章　住宿标准\n\n| 城市类别 | 职务级别 | 住宿费上限 | 伙食补助 |\n| --- | --- | --- | --- |\n"
            + "| 一类城市（北京、上海、广州、深圳） | 其他员工 | 600 | 100 |\n| 二类城市（省会及计划单列市） | 其他员工 | 450 | 80 |",
        "第一章　总则\n\n第二条　本办法适用于公司全体在职员工因公出差所发生的城市间交通费、住宿费、伙食补助费和市内交通费。",
        "第三章　报销流程\n\n第五条　出差人员应当在出差结束后十个工作日内，填写差旅费报销单，经部门负责人签字后送财务部审核。",
    ]

    /// Feeds `answer` one character at a time (the worst split of markers) and returns what was shown.
    func stream(_ answer: String, _ corrector: inout CitationCorrector) -> String {
        var shown = answer.map { corrector.feed(String($0)) }.joined()
        shown += corrector.finish()
        return shown
    }

    @Test func aWrongNumberIsRewrittenToTheSourceThatHoldsTheClaim() {
        var corrector = CitationCorrector(sources: sources)
        #expect(stream("出差到一类城市，普通员工住宿每晚最多报销600元。资料编号为[2]", &corrector)
                == "出差到一类城市，普通员工住宿每晚最多报销600元。资料编号为[1]")
        #expect(corrector.corrections == 1)
    }

    @Test func rightNumbersAndEachClaimOnItsOwn() {
        var corrector = CitationCorrector(sources: sources)
        let answer = "普通员工在一类城市每晚最多 600 元[1]；出差结束后十个工作日内填写报销单[3]。"
        #expect(stream(answer, &corrector) == answer)
        #expect(corrector.corrections == 0)
    }

    @Test func aNumberBeyondTheSourcesAndAGroupAreChecked() {
        var corrector = CitationCorrector(sources: sources)
        #expect(stream("出差结束后十个工作日内送财务部审核[7]", &corrector) == "出差结束后十个工作日内送财务部审核[3]")
        var group = CitationCorrector(sources: sources)
        #expect(stream("二类城市其他员工住宿费上限 450 元[2, 1]", &group) == "二类城市其他员工住宿费上限 450 元[1]")
    }

    @Test func bracketsThatAreNoMarkersPassUnchanged() {
        var corrector = CitationCorrector(sources: sources)
        let text = "见 [注] 与 [a]、数组 x[0 和未闭合的 [12"
        #expect(stream(text, &corrector) == text)
        var pieces = CitationCorrector(sources: sources)
        let shown = ["住宿费上限是 600 元 [", "1", "]", "。"].map { pieces.feed($0) }.joined() + pieces.finish()
        #expect(shown == "住宿费上限是 600 元 [1]。")
    }

    @Test func aShortClaimKeepsItsNumber() {
        var corrector = CitationCorrector(sources: sources)
        #expect(stream("见[2]", &corrector) == "见[2]", "too little said to judge")
    }
}
