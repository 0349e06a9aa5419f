import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

@Suite(.offThePool) struct E5EmbedderTests {
    struct Reference: Decodable {
        var text: String
        var is_query: Bool
        var token_count: Int
        var embedding: [Float]
    }

    func references() throws -> [Reference]? {
        guard let folder = SharedEval.folder("embeddings") else {
            try SharedEval.skip("multilingual-e5-small reference vectors")
        }
        return try String(contentsOf: folder.appendingPathComponent("multilingual-e5-small-q4.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
    }

    func model() throws -> E5Embedder? {
        guard let folder = try? ModelLocation.folder(for: E5Embedder.id) else {
            try Skip.now("model multilingual-e5-small not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return try E5Embedder(folder: folder)
    }

    @Test func tokenCountsMatchTheReferenceEngine() throws {
        guard let refs = try references(), let model = try model() else { return }
        #expect(refs.count > 50)
        var mismatches: [String] = []
        for r in refs where model.tokenCount(r.text, as: r.is_query ? .query : .passage) != r.token_count {
            mismatches.append(String(r.text.prefix(40)))
        }
        #expect(mismatches.isEmpty, "texts counted differently: \(mismatches.prefix(10))")
    }

    @Test func embeddingsReachCosine0999() async throws {
        guard let refs = try references(), let model = try model() else { return }
        var worst: Float = 1
        var worstText = ""
        for purpose in [EmbeddingPurpose.query, .passage] {
            let group = refs.filter { $0.is_query == (purpose == .query) }
            let vectors = try await model.embed(group.map(\.text), as: purpose)
            for (v, r) in zip(vectors, group) {
                #expect(v.count == 384)
                let cosine = zip(v, r.embedding).reduce(0) { $0 + $1.0 * $1.1 } / sqrt(r.embedding.reduce(0) { $0 + $1 * $1 })
                if cosine < worst { worst = cosine; worstText = String(r.text.prefix(40)) }
            }
        }
        #expect(worst >= 0.999, "worst cosine \(worst) for '\(worstText)'")
    }

    @Test func chineseQueryIsCloserToItsAnswer() async throws {
        guard let model = try model() else { return }
        let q = try await model.embed(["年假怎么申请？"], as: .query)[0]
        let p = try await model.embed(["员工需提前三天在系统中提交年假申请，经部门经理批准后生效。", "出差报销需要提供发票。"], as: .passage)
        let scores = p.map { zip($0, q).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(scores[0] > scores[1])
    }
}
