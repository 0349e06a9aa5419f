import Foundation
import ZhikuCore

/// The built-in multilingual embedding model `embeddinggemma-300m` (Google's EmbeddingGemma-300M, float32
/// safetensors from its sentence-transformers folder; fetched on request by `scripts/fetch-models.sh
/// embeddinggemma-300m`): a bidirectional ``Gemma3Encoder``, mean pooling, two dense layers (768→3072→768) and L2
/// normalisation; 768 dimensions, or 512/256/128 (Matryoshka: the first dimensions, normalised again) as
/// `embeddinggemma-300m-256` and so on.
///
/// Queries get the model card's retrieval prompt `task: search result | query: `, passages `title: none | text: `;
/// the tokenizer adds `<bos>` and `<eos>`. Texts longer than one window (2 046 pieces) are embedded window by window
/// and the pooled means averaged by piece count (sentence-transformers would cut them at 2 048 tokens).
public struct EmbeddingGemmaEmbedder: Embedder {
    public static let id = "embeddinggemma-300m"
    /// Model ids of the truncated variants, by dimensions.
    public static let truncatedIDs = [512, 256, 128].map { "\(id)-\($0)" }
    public static let queryPrompt = "task: search result | query: "
    public static let passagePrompt = "title: none | text: "

    public let modelID: String
    public let dimensions: Int
    /// Windows per call into the encoder (split between the cores).
    public var batchSize = 8

    public let tokenizer: SentencePieceBPETokenizer
    let encoder: Gemma3Encoder
    let dense1, dense2: Linear

    /// Loads the model from its sentence-transformers folder; `dimensions` ≤ 768 keeps that many (Matryoshka).
    /// `precision` is how the matrices of the layers and the dense head are kept: half floats by default where the
    /// AVX-512 product runs (200 MB instead of 400 MB, cosine to the float32 model ≥ 0.9999 on the reference
    /// texts), float32 elsewhere (see ``Linear/Precision``).
    public init(folder: URL, dimensions: Int = 768, precision: Linear.Precision = .half) throws {
        let configuration = try Gemma3Encoder.Configuration(configFile: folder.appendingPathComponent("config.json"))
        guard dimensions > 0, dimensions <= configuration.hidden else {
            throw ZhikuError.invalidInput("EmbeddingGemma has \(configuration.hidden) dimensions; \(dimensions) cannot be kept")
        }
        self.dimensions = dimensions
        modelID = dimensions == configuration.hidden ? Self.id : "\(Self.id)-\(dimensions)"
        tokenizer = try SentencePieceBPETokenizer(modelFile: folder.appendingPathComponent("tokenizer.model"))
        encoder = try Gemma3Encoder(weights: SafeTensorsFile(url: folder.appendingPathComponent("model.safetensors")),
                                    configuration: configuration, precision: precision)
        let h = configuration.hidden
        let first = try SafeTensorsFile(url: folder.appendingPathComponent("2_Dense/model.safetensors"))
        let second = try SafeTensorsFile(url: folder.appendingPathComponent("3_Dense/model.safetensors"))
        guard let inner = first.entries["linear.weight"]?.shape.first else {
            throw ModelFileReader.corrupt("2_Dense/model.safetensors", "missing tensor linear.weight")
        }
        dense1 = Linear(weight: try first.floats("linear.weight", shape: [inner, h]), bias: [Float](repeating: 0, count: inner),
                        inFeatures: h, outFeatures: inner, precision: precision)
        dense2 = Linear(weight: try second.floats("linear.weight", shape: [h, inner]), bias: [Float](repeating: 0, count: h),
                        inFeatures: inner, outFeatures: h, precision: precision)
    }

    /// The built-in model id for `dimensions`, if there is one.
    public static func dimensions(ofModel modelID: String) -> Int? {
        if modelID == id { return 768 }
        guard truncatedIDs.contains(modelID) else { return nil }
        return Int(modelID.dropFirst(id.count + 1))
    }

    /// The pieces the model reads for `text` (prompt included, `<bos>`/`<eos>` excluded, no windowing).
    public func contentIDs(_ text: String, as purpose: EmbeddingPurpose) -> [Int32] {
        tokenizer.encode((purpose == .query ? Self.queryPrompt : Self.passagePrompt) + text)
    }

    public func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int {
        contentIDs(text, as: purpose).count + 2
    }

    /// Tokenizing and the encoder run on ``ComputeThreads``, a batch of windows at a time (cancellation is
    /// checked between batches).
    public func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
        let h = encoder.configuration.hidden
        let encoder = self.encoder
        let means = try await TextWindow.pooledMeans(
            of: texts, ids: { [self] in contentIDs($0, as: purpose) }, length: encoder.configuration.maxPositions - 2,
            bos: tokenizer.bos, eos: tokenizer.eos, width: h, batchSize: batchSize, pool: encoder.meanPooled
        ).flatMap { $0 }
        let rows = texts.count
        guard rows > 0 else { return [] }
        let projected = dense2(dense1(means, rows: rows), rows: rows)
        return (0..<rows).map { r in
            var v = Array(projected[(r * h)..<(r * h + dimensions)])
            Kernels.normalize(&v)
            return v
        }
    }
}
