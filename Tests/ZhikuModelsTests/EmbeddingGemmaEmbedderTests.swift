import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// EmbeddingGemma against Fixtures/embeddinggemma-300m-reference.json: token ids from Hugging Face `tokenizers`
/// and vectors from a float64 numpy forward pass written from the safetensors (Fixtures/embeddinggemma-reference.py),
/// on Chinese, English and mixed queries and passages, an empty text, and one text longer than the 512-token
/// sliding window.
@Suite(.serialized, .offThePool) struct EmbeddingGemmaEmbedderTests {
    struct Reference: Decodable {
        var purpose: String
        var text: String
        var ids: [Int32]
        var embedding: [Float]
    }

    /// Loaded once for the suite (1.2 GB of weights; the layers are copied, the token table stays mapped).
    nonisolated(unsafe) static var loaded: EmbeddingGemmaEmbedder?

    static func model() throws -> EmbeddingGemmaEmbedder {
        if let loaded { return loaded }
        guard ModelLocation.isInstalled(embedder: EmbeddingGemmaEmbedder.id) else {
            try Skip.now("model \(EmbeddingGemmaEmbedder.id) not found in \(ModelLocation.root().path) "
                         + "(scripts/fetch-models.sh embeddinggemma-300m fetches it)")
        }
        let model = try EmbeddingGemmaEmbedder(folder: ModelLocation.folder(for: EmbeddingGemmaEmbedder.id))
        loaded = model
        return model
    }

    static func references() throws -> [Reference] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/embeddinggemma-300m-reference.json")
        return try JSONDecoder().decode([Reference].self, from: Data(contentsOf: url))
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The model as users get it: the layers' matrices as half floats where the AVX-512 product runs. Measured
    /// here: cosine ≥ 0.99998 to the float64 reference on every text; the bar is the 0.999.
    @Test func vectorsMatchTheFloat64Reference() async throws {
        try await Self.expectParity(try Self.model(), bar: 0.999)
    }

    /// Float32 matrices: measured ≥ 0.999999; 0.9999 leaves room for BLAS builds.
    @Test func float32WeightsMatchTheFloat64ReferenceCloser() async throws {
        _ = try Self.model()  // skips when the model is absent
        let model = try EmbeddingGemmaEmbedder(folder: ModelLocation.folder(for: EmbeddingGemmaEmbedder.id), precision: .single)
        try await Self.expectParity(model, bar: 0.9999)
    }

    static func expectParity(_ model: EmbeddingGemmaEmbedder, bar: Float) async throws {
        let references = try Self.references()
        #expect(references.count >= 7 && references.contains { $0.ids.count > 512 })
        var lowest: Float = 1
        for r in references {
            let purpose: EmbeddingPurpose = r.purpose == "query" ? .query : .passage
            #expect([model.tokenizer.bos] + model.contentIDs(r.text, as: purpose) + [model.tokenizer.eos] == r.ids,
                    "\(r.text.prefix(40))")
            let vector = try #require(try await model.embed([r.text], as: purpose).first)
            #expect(vector.count == 768)
            lowest = min(lowest, Self.cosine(vector, r.embedding))
            #expect(Self.cosine(vector, r.embedding) >= bar, "\(r.text.prefix(40))")
        }
        print("EmbeddingGemma parity (\(model.encoder.layerWeightBytes / 1_000_000) MB of layer weights): lowest cosine \(lowest)")
        // A batch gives each text the vector it gets alone.
        let batch = try await model.embed(references.filter { $0.purpose == "document" }.map(\.text), as: .passage)
        for (vector, r) in zip(batch, references.filter { $0.purpose == "document" }) {
            #expect(Self.cosine(vector, r.embedding) >= bar)
        }
    }

    @Test func matryoshkaVariantsKeepTheFirstDimensions() async throws {
        let full = try Self.model()
        let r = try #require(try Self.references().first)
        let short = try EmbeddingGemmaEmbedder(folder: ModelLocation.folder(for: EmbeddingGemmaEmbedder.id), dimensions: 256)
        #expect(short.modelID == "embeddinggemma-300m-256" && short.dimensions == 256)
        let a = try await full.embed([r.text], as: .query)[0]
        let b = try await short.embed([r.text], as: .query)[0]
        var expected = Array(a.prefix(256))
        Kernels.normalize(&expected)
        #expect(b.count == 256 && zip(b, expected).allSatisfy { abs($0 - $1) < 1e-5 })
        #expect(EmbeddingGemmaEmbedder.dimensions(ofModel: "embeddinggemma-300m-128") == 128)
        #expect(EmbeddingGemmaEmbedder.dimensions(ofModel: "embeddinggemma-300m-100") == nil)
        #expect(throws: ZhikuError.self) {
            try EmbeddingGemmaEmbedder(folder: ModelLocation.folder(for: EmbeddingGemmaEmbedder.id), dimensions: 1024)
        }
    }

    @Test func crossesLanguagesAndRanksTheAnsweringPassageFirst() async throws {
        let model = try Self.model()
        let passages = [
            "在启动菜单中按 Tab 键，然后在内核参数后加上 desktop=kde 即可安装 KDE Plasma 桌面。",
            "The printer queue is managed with CUPS; add printers at http://localhost:631.",
            "备份脚本每天凌晨两点运行，并把快照保存到 /srv/backup。",
        ]
        let p = try await model.embed(passages, as: .passage)
        let english = try await model.embed(["How do I choose the KDE desktop when installing?"], as: .query)[0]
        let chinese = try await model.embed(["怎么添加打印机？"], as: .query)[0]
        let scoresEN = p.map { Self.cosine($0, english) }, scoresZH = p.map { Self.cosine($0, chinese) }
        #expect(scoresEN.firstIndex(of: scoresEN.max()!) == 0, "\(scoresEN)")
        #expect(scoresZH.firstIndex(of: scoresZH.max()!) == 1, "\(scoresZH)")
    }

    @Test func longTextsAreEmbeddedWindowByWindow() async throws {
        let model = try Self.model()
        let text = String(repeating: "网络配置与存储设置说明。Network and storage settings. ", count: 260)
        #expect(model.tokenCount(text, as: .passage) > 2048)
        let vector = try #require(try await model.embed([text], as: .passage).first)
        let norm = vector.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-4)
    }
}
