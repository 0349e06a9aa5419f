import Foundation
import Testing
import ZhikuCore

@Suite struct FinishReasonTests {
    @Test func rawValuesAreTheWireNamesAndUnknownOnesReadAsStop() throws {
        #expect(FinishReason.notFound.rawValue == "not_found")
        #expect(FinishReason.allCases.map(\.rawValue) == ["stop", "length", "not_found", "extractive", "cancelled", "error"])
        for reason in FinishReason.allCases { #expect(FinishReason(reading: reason.rawValue) == reason) }
        #expect(FinishReason(reading: "content_filter") == .stop)
        let stats = AnswerStats(model: nil, promptTokens: 0, completionTokens: 0, finishReason: .notFound, retrievalMs: 1,
                                firstTokenMs: nil, totalMs: 2)
        let json = String(decoding: try JSONEncoder().encode(stats), as: UTF8.self)
        #expect(json.contains(#""finishReason":"not_found""#), "\(json)")
    }
}
