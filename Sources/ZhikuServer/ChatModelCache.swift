import Logging
import ZhikuCore
import ZhikuModels
import ZhikuProviders

/// The chat models of a Zhiku process: the built-in engine (loaded once, on first use) for its model id or a
/// `.gguf` path, and any other model id from the configured OpenAI-compatible server.
public actor ChatModelCache {
    private var loaded: [String: any ChatModel] = [:]
    private let serverURL: String?
    private let apiKey: String?
    private let logger: Logger

    public init(serverURL: String? = nil, apiKey: String? = nil, logger: Logger = Logger(label: "zhiku.chat")) {
        self.serverURL = serverURL
        self.apiKey = apiKey
        self.logger = logger
    }

    /// The model called `modelID`; `.invalidInput` for one that is neither built in nor served by the configured
    /// server, `.notFound` when built-in weights are missing.
    public func model(_ modelID: String) throws -> any ChatModel {
        if let model = loaded[modelID] { return model }
        let model: any ChatModel
        if modelID == LlamaGenerator.defaultModelID || modelID.hasSuffix(".gguf") || serverURL == nil {
            model = BuiltInChatModel(try LlamaGenerator.load(modelID))
        } else {
            model = OpenAIChatModel(.init(baseURL: serverURL!, model: modelID, apiKey: apiKey), logger: logger)
        }
        loaded[modelID] = model
        return model
    }

    /// The built-in chat models whose weights are installed.
    public nonisolated func installedModels() -> [String] {
        (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil ? [LlamaGenerator.defaultModelID] : []
    }
}
