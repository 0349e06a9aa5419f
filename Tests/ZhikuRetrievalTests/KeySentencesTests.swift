import Testing
import ZhikuRetrieval

@Suite struct KeySentencesTests {
    @Test func splitsChineseAndEnglishSentences() {
        #expect(KeySentences.sentences("年假需要提前一周申请。病假要证明！好吗？") == ["年假需要提前一周申请。", "病假要证明！", "好吗？"])
        #expect(KeySentences.sentences("Leave is 20 days. Version 1.5 applies.\nNext line") ==
                ["Leave is 20 days.", "Version 1.5 applies.", "Next line"])
        #expect(KeySentences.sentences("  \n ").isEmpty)
    }

    @Test func picksTheSentencesThatAnswer() {
        let picker = KeySentences()
        let zh = "公司成立于2001年。年假需要提前一周通过人事系统申请。病假超过三天需要医生证明。食堂中午开门。"
        #expect(picker.best(zh, for: "病假需要什么证明？") == ["病假超过三天需要医生证明。"])
        let en = "The company was founded in 2001. Annual leave must be requested one week in advance. The canteen opens at noon."
        #expect(picker.best(en, for: "When does the canteen open?") == ["The canteen opens at noon."])
        // Two sentences that both match come back in passage order.
        let two = "Leave requests go through the HR portal. The office has a garden. Leave is approved by your manager."
        #expect(picker.best(two, for: "How are leave requests approved?", limit: 2) ==
                ["Leave requests go through the HR portal.", "Leave is approved by your manager."])
        // Nothing in common: the passage's first sentence.
        #expect(picker.best(en, for: "量子计算") == ["The company was founded in 2001."])
    }
}
