import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite(.offThePool) struct MiniLMEmbedderTests {
    struct Reference: Decodable {
        var text: String
        var token_ids: [Int32]
        var embedding: [Float]
    }

    func references() throws -> [Reference]? {
        guard let folder = SharedEval.folder("embeddings") else {
            try SharedEval.skip("all-minilm-l6-v2 reference vectors")
        }
        return try String(contentsOf: folder.appendingPathComponent("all-minilm-l6-v2.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
    }

    func model() throws -> MiniLMEmbedder? {
        guard let folder = try? ModelLocation.folder(for: MiniLMEmbedder.id) else {
            try Skip.now("model all-minilm-l6-v2 not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return try MiniLMEmbedder(folder: folder)
    }

    @Test func tokenIDsMatchTheReferenceTokenizer() throws {
        guard let refs = try references(), let model = try model() else { return }
        #expect(refs.count > 100)
        var mismatches: [String] = []
        for r in refs where model.tokenIDs(r.text) != r.token_ids { mismatches.append(String(r.text.prefix(60))) }
        #expect(mismatches.isEmpty, "texts tokenized differently: \(mismatches.prefix(10))")
    }

    @Test func embeddingsReachCosine0999() async throws {
        guard let refs = try references(), let model = try model() else { return }
        let vectors = try await model.embed(refs.map(\.text), as: .passage)
        var worst: Float = 1
        for (v, r) in zip(vectors, refs) {
            #expect(v.count == 384)
            let cosine = zip(v, r.embedding).reduce(0) { $0 + $1.0 * $1.1 }
                / (sqrt(r.embedding.reduce(0) { $0 + $1 * $1 }))
            worst = min(worst, cosine)
        }
        #expect(worst >= 0.999, "worst cosine \(worst)")
    }

    @Test func batchingDoesNotChangeResults() async throws {
        guard let model = try model() else { return }
        var single = model
        single.batchSize = 1
        let texts = ["Annual leave must be requested three days ahead.", "", "The travel policy allows economy class."]
        let batched = try await model.embed(texts, as: .passage)
        let one = try await single.embed(texts, as: .passage)
        for (a, b) in zip(batched, one) {
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 })
        }
    }
}

@Suite(.offThePool) struct WordPieceTokenizerTests {
    @Test func basicTokenizerSplitsPunctuationAndCJKAndStripsAccents() throws {
        let folder = TemporaryFolder()
        let vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello", ",", "world", "!", "cafe", "年", "假", "un", "##aff", "##able"]
        let url = folder.write("vocab.txt", vocab.joined(separator: "\n") + "\n")
        let tokenizer = try WordPieceTokenizer(vocabularyFile: url)
        #expect(tokenizer.basicTokens("Hello,World! Café\u{0}年假") == ["hello", ",", "world", "!", "cafe", "年", "假"])
        #expect(tokenizer.encode("unaffable hello", maxLength: 10) == [2, 11, 12, 13, 4, 3])
        #expect(tokenizer.encode("xyz", maxLength: 10) == [2, 1, 3])
        #expect(tokenizer.encode("hello hello hello", maxLength: 4) == [2, 4, 4, 3])
    }
}
