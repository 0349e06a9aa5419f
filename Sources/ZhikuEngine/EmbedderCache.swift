import Logging
import ZhikuCore
import ZhikuModels
import ZhikuProviders

/// The embedders of a Zhiku process, loaded on first use and kept (loading reads and dequantises the weights
/// once): the built-in models by their ids, and any other model id from the configured OpenAI-compatible
/// embeddings server.
public actor EmbedderCache: EmbedderSource {
    private var loaded: [String: any Embedder] = [:]
    private let serverURL: String?
    private let apiKey: String?
    private let logger: Logger

    public init(serverURL: String? = nil, apiKey: String? = nil, logger: Logger = Logger(label: "zhiku.embeddings")) {
        self.serverURL = serverURL
        self.apiKey = apiKey
        self.logger = logger
    }

    /// The embedder called `modelID`: built in, or served by the configured server. `.invalidInput` for a model
    /// that is neither; `.notFound` when a built-in model's weights are not installed.
    public func embedder(_ modelID: String) async throws -> any Embedder {
        if let embedder = loaded[modelID] { return embedder }
        let embedder: any Embedder
        if ModelLocation.builtInEmbedders.contains(modelID) || serverURL == nil {
            // Reading the weights takes a core for a moment: on the compute threads, not the request threads.
            embedder = try await ComputeThreads.shared.run { try ModelLocation.embedder(modelID) }
            if let other = loaded[modelID] { return other }  // a request that came at the same time was first
        } else {
            embedder = try await OpenAIEmbedder(.init(baseURL: serverURL!, model: modelID, apiKey: apiKey), logger: logger)
        }
        let timed = TimedEmbedder(base: embedder)
        loaded[modelID] = timed
        return timed
    }

    /// Checks that `modelID` can be used before a knowledge base is set to it (loads it).
    public func validate(_ modelID: String) async throws {
        _ = try await embedder(modelID)
    }

    /// The built-in embedding models whose weights are installed.
    public nonisolated func installedModels() -> [String] {
        ModelLocation.builtInEmbedders.filter(ModelLocation.isInstalled(embedder:))
    }
}
