import ZhikuCore

/// An ``ZhikuCore/Embedder`` that reports how long each call took (``EngineMetrics``) and otherwise is `base`.
struct TimedEmbedder: Embedder {
    let base: any Embedder

    var modelID: String { base.modelID }
    var dimensions: Int { base.dimensions }

    func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
        let clock = ContinuousClock(), started = clock.now
        let vectors = try await base.embed(texts, as: purpose)
        EngineMetrics.embedded(texts.count, model: base.modelID, purpose: purpose, seconds: (clock.now - started).seconds)
        return vectors
    }

    func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int { base.tokenCount(text, as: purpose) }
}
