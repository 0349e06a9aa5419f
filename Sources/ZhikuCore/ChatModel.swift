/// A request to a ``ChatModel``.
public struct ChatRequest: Sendable {
    public var messages: [ChatMessage]
    public var maxTokens: Int
    public var sampling: SamplingOptions
    /// Generation stops before any of these texts.
    public var stop: [String]

    public init(messages: [ChatMessage], maxTokens: Int = 512, sampling: SamplingOptions = .init(), stop: [String] = []) {
        self.messages = messages
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
    }
}

/// What a streaming chat model produces: progress while it reads the prompt (models that can tell), pieces of
/// text, then one `done`.
public enum ChatEvent: Sendable, Equatable {
    /// `done` of `total` prompt tokens have been read.
    case progress(done: Int, total: Int)
    case text(String)
    case done(ChatUsage)
}

/// Token counts and why generation ended (`stop`: the model finished or a stop text appeared; `length`: the
/// token limit).
public struct ChatUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var finishReason: FinishReason

    public init(promptTokens: Int, completionTokens: Int, finishReason: FinishReason) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.finishReason = finishReason
    }
}

/// A model that continues a conversation, token by token: the built-in engine or an OpenAI-compatible server.
/// Cancelling the consuming task (a client that went away) stops generation.
public protocol ChatModel: Sendable {
    var modelID: String { get }
    /// The model's context window in tokens, if known.
    var contextTokens: Int? { get }
    /// Tokens `text` takes for this model (an estimate where the tokenizer is not known).
    func tokenCount(_ text: String) -> Int
    func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error>
    /// The most prompt tokens worth sending so that the first token comes in bounded time (nil: only the
    /// context window limits the prompt).
    var promptTokenBudget: Int? { get }
}

extension ChatModel {
    public var promptTokenBudget: Int? { nil }
}
