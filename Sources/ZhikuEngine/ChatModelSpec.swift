import Foundation
import ZhikuCore

/// A chat model configured by name: the built-in engine with a model id or a `.gguf` path, or a model of an
/// OpenAI-compatible server (LM Studio, Ollama, llama.cpp server, vLLM, another Zhiku).
public struct ChatModelSpec: Sendable, Hashable, Codable {
    public enum Provider: String, Sendable, Codable {
        case builtin
        case openai
    }

    /// The name requests and the default refer to.
    public var name: String
    public var provider: Provider
    /// The built-in model id or `.gguf` path, or the model name the server knows.
    public var model: String
    /// The server (`http://host:port`, with or without `/v1`); OpenAI-compatible models only.
    public var baseURL: String?
    public var apiKey: String?
    /// The name of an environment variable that holds the API key (kept out of the file).
    public var apiKeyEnv: String?
    public var timeoutSeconds: Double?
    /// The model's context window, when the server does not say.
    public var contextTokens: Int?

    /// Coded with snake_case strategies: `base_url`, `api_key`, `api_key_env`, `timeout_seconds`, `context_tokens`.
    enum CodingKeys: String, CodingKey {
        case name, provider, model, apiKey, apiKeyEnv, timeoutSeconds, contextTokens
        case baseURL = "baseUrl"
    }

    /// Reads a spec; `name` may be absent (the API takes it from the path; ``validated()`` refuses an empty one).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        provider = try c.decode(Provider.self, forKey: .provider)
        model = try c.decode(String.self, forKey: .model)
        baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
        apiKey = try c.decodeIfPresent(String.self, forKey: .apiKey)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
        contextTokens = try c.decodeIfPresent(Int.self, forKey: .contextTokens)
    }

    public init(name: String, provider: Provider, model: String, baseURL: String? = nil, apiKey: String? = nil) {
        self.name = name
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The key to send: `apiKey`, or the variable `apiKeyEnv` names.
    public var resolvedAPIKey: String? {
        if let apiKey, !apiKey.isEmpty { return apiKey }
        return apiKeyEnv.flatMap { Self.mayReadKey(from: $0) ? ProcessInfo.processInfo.environment[$0] : nil }
    }

    /// Checks the spec; `.invalidInput` says what is wrong.
    public func validated() throws -> ChatModelSpec {
        var spec = self
        spec.name = name.trimmingCharacters(in: .whitespaces)
        guard !spec.name.isEmpty, spec.name.count <= 100, !spec.name.contains("/") || provider == .openai else {
            throw ZhikuError.invalidInput("a chat model needs a name of 1 to 100 characters")
        }
        guard !model.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ZhikuError.invalidInput("chat model '\(spec.name)' needs a model")
        }
        if provider == .openai {
            guard let base = baseURL, let url = URL(string: base), ["http", "https"].contains(url.scheme ?? ""),
                  url.host != nil else {
                throw ZhikuError.invalidInput("chat model '\(spec.name)' needs a base_url like http://127.0.0.1:1234")
            }
        }
        if let variable = apiKeyEnv, !Self.mayReadKey(from: variable) {
            throw ZhikuError.invalidInput("api_key_env names a variable starting with \(Self.keyVariablePrefix) (or OPENAI_API_KEY), "
                                          + "not '\(variable)': other server variables are not sent to model servers")
        }
        if let t = timeoutSeconds, !(1...3600).contains(t) {
            throw ZhikuError.invalidInput("timeout_seconds must be between 1 and 3600")
        }
        if let c = contextTokens, !(256...1_048_576).contains(c) {
            throw ZhikuError.invalidInput("context_tokens must be between 256 and 1048576")
        }
        return spec
    }

    /// The spec as the API shows it to an admin: the key itself is never sent back.
    public var redacted: ChatModelSpec {
        var spec = self
        if spec.apiKey?.isEmpty == false { spec.apiKey = "***" }
        return spec
    }

    /// The spec as members see it: its name, provider and model, without the server's address, the key's source
    /// or a model file's folder.
    public var forMembers: ChatModelSpec {
        var spec = ChatModelSpec(name: name, provider: provider, model: model)
        if provider == .builtin, model.hasSuffix(".gguf") { spec.model = URL(fileURLWithPath: model).lastPathComponent }
        return spec
    }

    /// Environment variables `api_key_env` may name start with this (or are `OPENAI_API_KEY`): an admin can point
    /// a model at any server, so the key variable must not be one that holds another secret (say, the database
    /// URL with its password).
    public static let keyVariablePrefix = "ZHIKU_KEY_"

    static func mayReadKey(from variable: String) -> Bool {
        variable == "OPENAI_API_KEY"
            || (variable.hasPrefix(keyVariablePrefix) && variable.count > keyVariablePrefix.count
                && variable.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") })
    }
}
