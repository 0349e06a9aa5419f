import Testing
@testable import ZhikuRetrieval

@Suite struct MixedScriptTokenizerTests {
    let tokenizer = MixedScriptTokenizer()

    @Test func chineseRunsBecomeUnigramsAndBigrams() {
        #expect(tokenizer.terms("年假") == ["年", "假", "年假"])
        #expect(tokenizer.terms("员工年假") == ["员", "工", "员工", "年", "工年", "假", "年假"])
    }

    @Test func punctuationBreaksCJKRuns() {
        #expect(tokenizer.terms("年假，病假") == ["年", "假", "年假", "病", "假", "病假"])
    }

    @Test func latinWordsAreLowercasedAndSplitOnPunctuation() {
        #expect(tokenizer.terms("Annual-Leave POLICY, v2.0!") == ["annual", "leave", "policy", "v2", "0"])
        #expect(tokenizer.terms("Ünïcode Straße") == ["ünïcode", "straße"])
    }

    @Test func mixedScriptsAndFullWidthASCII() {
        #expect(tokenizer.terms("请用ＶＰＮ登录OA系统") == ["请", "用", "请用", "vpn", "登", "录", "登录", "oa", "系", "统", "系统"])
    }

    @Test func overlongWordsAreDropped() {
        let long = String(repeating: "a", count: MixedScriptTokenizer.maxWordLength + 1)
        #expect(tokenizer.terms("ok \(long) fine") == ["ok", "fine"])
    }
}
