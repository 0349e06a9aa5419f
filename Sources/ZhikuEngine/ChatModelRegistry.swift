import Foundation
import Logging
import ZhikuCore
import ZhikuModels
import ZhikuProviders

/// The chat models of a Zhiku process, by name: those in the models file (`models.json` in the data folder, or
/// `ZHIKU_MODELS_FILE`), the built-in engine for its model id or any `.gguf` path, and — when `ZHIKU_CHAT_URL`
/// is set — any other name as a model of that server. The default and the named models can be changed while the
/// server runs (``setDefault(_:)``, ``save(_:)``, ``remove(_:)``); the file is rewritten, the next request uses
/// the change. Built-in weights are loaded once, on first use.
public actor ChatModelRegistry {
    /// The models file's shape.
    public struct Settings: Sendable, Codable {
        public var defaultChatModel: String?
        public var chatModels: [ChatModelSpec] = []
    }

    private var settings: Settings
    private var engines: [String: BuiltInChatModel] = [:]
    private let file: URL?
    private let fallbackDefault: String
    private let serverURL: String?
    private let apiKey: String?
    private let promptTokenBudget: Int?
    private let logger: Logger

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Reads `file` if it exists (a malformed file is an error: the server should not start on a half-read
    /// configuration). `defaultModel` applies when the file names none.
    public init(file: URL?, defaultModel: String, serverURL: String? = nil, apiKey: String? = nil,
                promptTokenBudget: Int? = 1024, logger: Logger = Logger(label: "zhiku.chat")) throws {
        self.file = file
        self.promptTokenBudget = promptTokenBudget
        self.fallbackDefault = defaultModel
        self.serverURL = serverURL
        self.apiKey = apiKey
        self.logger = logger
        if let file, let data = try? Data(contentsOf: file) {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                settings = try decoder.decode(Settings.self, from: data)
                settings.chatModels = try settings.chatModels.map { try $0.validated() }
            } catch let error as ZhikuError {
                throw ZhikuError(.invalidInput, "\(file.path): \(error.message)")
            } catch {
                throw ZhikuError(.invalidInput, "\(file.path) is not a valid models file: \(error)")
            }
        } else {
            settings = Settings()
        }
    }

    /// The name requests get when they name none.
    public var defaultModel: String { settings.defaultChatModel ?? fallbackDefault }

    /// The configured models (keys included; callers showing them use ``ChatModelSpec/redacted``).
    public var specs: [ChatModelSpec] { settings.chatModels }

    /// The model called `name` (nil: the default). `.invalidInput` for a name that is neither configured, built in,
    /// nor (with no server configured) anything else; `.notFound` when built-in weights are missing.
    ///
    /// A model file (a `.gguf` path) is loaded only when it is the default or `allowingFiles` (an admin's model
    /// settings): a request naming a path would make the server read any file into memory and keep it, and the
    /// answer would tell whether the file exists. Requests name configured or built-in models.
    public func model(_ name: String? = nil, allowingFiles: Bool = false) async throws -> any ChatModel {
        let name = name ?? defaultModel
        if let spec = settings.chatModels.first(where: { $0.name == name }) { return try await instance(spec) }
        // A path: any `.gguf` name, and (with no model server, whose model names may contain '/') any name with '/'.
        let isPath = name.hasSuffix(".gguf") || (serverURL == nil && name.contains("/"))
        if isPath, !allowingFiles, name != defaultModel {
            throw ZhikuError.invalidInput("'\(name)' is not a chat model of this server; requests name a configured or built-in "
                                          + "model (GET /api/models lists them), and model files are added by an admin")
        }
        if LlamaGenerator.isBuiltIn(name) || name.hasSuffix(".gguf") || serverURL == nil {
            return try await builtIn(name)
        }
        var configuration = OpenAIChatModel.Configuration(baseURL: serverURL!, model: name, apiKey: apiKey)
        configuration.timeout = .seconds(300)
        return OpenAIChatModel(configuration, logger: logger)
    }

    private func instance(_ spec: ChatModelSpec) async throws -> any ChatModel {
        switch spec.provider {
        case .builtin:
            return try await builtIn(spec.model)
        case .openai:
            var configuration = OpenAIChatModel.Configuration(baseURL: spec.baseURL ?? "", model: spec.model,
                                                              apiKey: spec.resolvedAPIKey)
            if let t = spec.timeoutSeconds { configuration.timeout = .milliseconds(Int64(t * 1000)) }
            configuration.contextTokens = spec.contextTokens
            return OpenAIChatModel(configuration, logger: logger)
        }
    }

    /// The built-in engine for `model`; its weights come from the process-wide ``LlamaGeneratorCache`` (loaded off
    /// the request threads, once).
    private func builtIn(_ model: String) async throws -> BuiltInChatModel {
        if let engine = engines[model] { return engine }
        let generator = try await LlamaGeneratorCache.shared.generator(model)
        if let engine = engines[model] { return engine }  // another request finished loading while this one waited
        let engine = BuiltInChatModel(generator, promptTokenBudget: promptTokenBudget)
        engines[model] = engine
        return engine
    }

    /// Makes `name` the default (hot switch). It must resolve to a model: a typo fails here, not at the next question.
    public func setDefault(_ name: String) async throws {
        _ = try await model(name, allowingFiles: true)
        settings.defaultChatModel = name
        try persist()
        logger.info("default chat model is now '\(name)'")
    }

    /// Adds or replaces a named model.
    public func save(_ spec: ChatModelSpec) async throws -> ChatModelSpec {
        let spec = try spec.validated()
        if spec.provider == .builtin { _ = try await builtIn(spec.model) }
        settings.chatModels.removeAll { $0.name == spec.name }
        settings.chatModels.append(spec)
        try persist()
        return spec
    }

    /// Removes a named model; false when there was none. The default cannot be removed.
    public func remove(_ name: String) throws -> Bool {
        guard name != settings.defaultChatModel else {
            throw ZhikuError(.conflict, "'\(name)' is the default chat model; choose another default first")
        }
        let before = settings.chatModels.count
        settings.chatModels.removeAll { $0.name == name }
        guard settings.chatModels.count != before else { return false }
        try persist()
        return true
    }

    private func persist() throws {
        guard let file else { return }
        do {
            let data = try Self.encoder.encode(settings)
            try data.write(to: file, options: .atomic)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            throw ZhikuError(.storageFailed, "cannot write the models file \(file.path): \(error.localizedDescription)")
        }
    }

    /// The chat model names worth listing: the configured ones and the installed built-in models.
    public func listedModels() -> [String] {
        var names = settings.chatModels.map(\.name)
        let installed = LlamaGenerator.builtIn.map(\.id).filter { (try? ModelLocation.folder(for: $0)) != nil }
        for id in installed.reversed() where !names.contains(id) { names.insert(id, at: 0) }
        return names
    }
}
