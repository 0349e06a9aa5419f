import Foundation
import Testing
@testable import ZhikuModels

/// The generator's text bookkeeping, without a model: UTF-8 split across tokens, stop sequences split across
/// tokens, text held back while it could still become a stop sequence, and the runaway-repetition cut.
@Suite struct TextStreamTests {
    @Test func charactersSplitAcrossTokensWaitForTheirLastByte() {
        var stream = TextStream(stops: [])
        let bytes = Array("年假".utf8)  // 6 bytes
        #expect(stream.append(Array(bytes[0..<2])).0 == nil)
        #expect(stream.append(Array(bytes[2..<4])).0 == "年")
        #expect(stream.append(Array(bytes[4..<6])).0 == "假")
        #expect(stream.text == "年假")
    }

    @Test func stopSequencesAcrossTokensAndHeldBackText() {
        var stream = TextStream(stops: ["\nUser:"])
        var shown = ""
        for piece in ["Paris is", " the capital.", "\nUs", "er: next"] {
            let (text, stop) = stream.append(Array(piece.utf8))
            shown += text ?? ""
            if stop { break }
        }
        #expect(stream.text == "Paris is the capital.")
        #expect(shown == "Paris is the capital.", "the held-back \\nUs was never shown")
        var other = TextStream(stops: ["END"])
        #expect(other.append(Array("the EN".utf8)).0 == "the ")
        #expect(other.append(Array("ormous".utf8)).0 == "ENormous", "released once it cannot be the stop")
        #expect(other.flush() == nil)
    }

    @Test func aLoopIsCutAfterItsFirstOccurrence() {
        let guardRail = RepetitionGuard()
        let intro: [Int32] = Array(1...30)
        let loop: [Int32] = Array(100..<114)  // 14 tokens
        #expect(guardRail.cut(intro + loop + loop) == nil, "twice is not yet a loop")
        #expect(guardRail.cut(intro + loop + loop + loop) == intro.count + loop.count)
        let short: [Int32] = [7, 8, 9]
        #expect(guardRail.cut(intro + short + short + short + short) == nil, "short repeats (lists, rules) are ordinary")
        #expect(guardRail.cut(Array(1...300)) == nil)
    }
}
