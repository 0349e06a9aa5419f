/// Where embedders come from, by model id: the built-in models, or a configured OpenAI-compatible server.
public protocol EmbedderSource: Sendable {
    /// The embedder for `modelID`; `.invalidInput` for an unknown model, `.notFound` when its weights are missing.
    func embedder(_ modelID: String) async throws -> any Embedder
}
