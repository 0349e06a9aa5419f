import Foundation
import Testing
import ZhikuCore
@testable import ZhikuRetrieval

@Suite struct MemoryKeywordIndexTests {
    @Test func luceneIDF() {
        #expect(abs(BM25Parameters.idf(documentCount: 3, documentFrequency: 2) - log(1.6)) < 1e-12)
        #expect(abs(BM25Parameters.idf(documentCount: 3, documentFrequency: 1) - log(1 + 2.5 / 1.5)) < 1e-12)
        // Never negative, even for a term in every document.
        #expect(BM25Parameters.idf(documentCount: 10, documentFrequency: 10) > 0)
    }

    @Test func handComputedScores() async throws {
        let index = MemoryKeywordIndex(tokenizer: MixedScriptTokenizer())
        await index.add([
            .init(id: 1, text: "apple banana"),
            .init(id: 2, text: "apple apple cherry"),
            .init(id: 3, text: "banana cherry cherry durian"),
        ], to: 7)
        // N = 3, average length 3, k1 = 1.2, b = 0.75.
        let hits = try await index.search("apple", k: 10, in: 7)
        #expect(hits.map(\.chunkID) == [2, 1])
        #expect(abs(hits[0].score - log(1.6) * 4.4 / 3.2) < 1e-9)
        #expect(abs(hits[1].score - log(1.6) * 2.2 / 1.9) < 1e-9)
    }
}
