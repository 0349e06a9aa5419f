import Testing
import ZhikuCore
@testable import ZhikuRetrieval

/// The built-in reranker's sentence pieces and scoring, with a bag-of-words embedder standing in for a model.
@Suite struct EmbeddingRerankerTests {
    /// Each text becomes the unit vector of its lower-cased words hashed into 64 buckets.
    struct WordsEmbedder: Embedder {
        var modelID: String { "words" }
        var dimensions: Int { 64 }
        func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
            texts.map { text in
                var v = [Float](repeating: 0, count: 64)
                for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) {
                    v[Int(UInt(bitPattern: word.hashValue) % 64)] += 1
                }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return norm > 0 ? v.map { $0 / norm } : v
            }
        }
        func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int { text.count }
    }

    @Test func piecesJoinShortSentencesAndAreCapped() {
        #expect(EmbeddingReranker.pieces("Yes. No. The hotel receipts must be filed within thirty days.")
                == ["Yes. No. The hotel receipts must be filed within thirty days."])
        #expect(EmbeddingReranker.pieces("员工需提前三天在系统中提交年假申请，经部门经理批准后生效。报销需要发票原件，超过三十天不予受理。")
                == ["员工需提前三天在系统中提交年假申请，经部门经理批准后生效。", "报销需要发票原件，超过三十天不予受理。"])
        let many = (1...20).map { "Sentence number \($0) is long enough to stand alone." }.joined(separator: " ")
        let pieces = EmbeddingReranker.pieces(many)
        #expect(pieces.count == EmbeddingReranker.maxPieces)
        #expect(pieces.last!.hasSuffix("number 20 is long enough to stand alone."))
        #expect(EmbeddingReranker.pieces("  ").isEmpty)
    }

    @Test func aPassageScoresItsBestSentence() async throws {
        let reranker = EmbeddingReranker(embedder: WordsEmbedder())
        #expect(reranker.name == "sentences:words")
        let focused = "Passwords are rotated often by the security team. Hotel receipts must be filed within thirty days."
        let diluted = "Hotel receipts, travel plans, meals, taxis, flights, visas, insurance and conference fees are all handled by the travel office, which files them."
        let scores = try await reranker.scores(query: "hotel receipts filed within thirty days", passages: [diluted, focused, ""])
        #expect(scores.count == 3)
        #expect(scores[1] > scores[0], "the passage with one matching sentence ranks first: \(scores)")
        #expect(scores[2] == -1, "an empty passage scores lowest")
        #expect(try await reranker.scores(query: "x", passages: []).isEmpty)
    }

    /// A query vector handed in (the search's cache) is used as it is: the model embeds only the sentences.
    @Test func aGivenQueryVectorIsNotComputedAgain() async throws {
        final class Purposes: @unchecked Sendable { var seen: [EmbeddingPurpose] = [] }
        struct Recording: Embedder {
            let purposes: Purposes
            var modelID: String { "words" }
            var dimensions: Int { 64 }
            func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
                purposes.seen.append(purpose)
                return try await WordsEmbedder().embed(texts, as: purpose)
            }
            func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int { text.count }
        }
        let purposes = Purposes()
        let query = "hotel receipts filed within thirty days"
        let vector = try await WordsEmbedder().embed([query], as: .query)[0]
        let cached = EmbeddingReranker(embedder: Recording(purposes: purposes)) { _ in vector }
        let passages = ["Passwords are rotated often.", "Hotel receipts must be filed within thirty days."]
        let scores = try await cached.scores(query: query, passages: passages)
        #expect(purposes.seen == [.passage])
        #expect(scores == (try await EmbeddingReranker(embedder: WordsEmbedder()).scores(query: query, passages: passages)))
    }
}
