import ZhikuCore
import ZhikuModels

/// Built-in embedders, loaded on first use and kept (loading reads and dequantises the weights once).
public actor EmbedderCache {
    private var loaded: [String: any Embedder] = [:]

    public init() {}

    /// The embedder called `modelID`; `.invalidInput` for an unknown id, `.notFound` when its weights are not
    /// installed.
    public func embedder(_ modelID: String) throws -> any Embedder {
        if let embedder = loaded[modelID] { return embedder }
        let embedder = try ModelLocation.embedder(modelID)
        loaded[modelID] = embedder
        return embedder
    }

    /// The built-in embedding models whose weights are installed.
    public nonisolated func installedModels() -> [String] {
        ModelLocation.builtInEmbedders.filter { (try? ModelLocation.folder(for: $0)) != nil }
    }
}
