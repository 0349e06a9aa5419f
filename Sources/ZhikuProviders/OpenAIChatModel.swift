import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ZhikuCore

/// ``ChatModel`` backed by any OpenAI-compatible server (LM Studio, Ollama, llama.cpp server, vLLM, another
/// Zhiku): streaming `POST {base}/v1/chat/completions`, reading the Server-Sent Events `data:` lines until
/// `[DONE]`.
///
/// Connection failures and 429/5xx answers are retried with exponential backoff before anything streamed; other
/// 4xx answers fail at once with the server's message. Cancelling the consuming task closes the connection.
public struct OpenAIChatModel: ChatModel {
    public struct Configuration: Sendable {
        /// e.g. `http://127.0.0.1:1234` (with or without a trailing `/v1`).
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        /// The whole request, first byte to last.
        public var timeout: Duration = .seconds(300)
        public var retries = 2
        public var contextTokens: Int?

        public init(baseURL: String, model: String, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger

    public var modelID: String { configuration.model }
    public var contextTokens: Int? { configuration.contextTokens }

    public init(_ configuration: Configuration, client: HTTPClient = ProviderHTTPClient.shared, logger: Logger = Logger(label: "zhiku.chat")) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    /// The server does not say: about four characters per token (Chinese runs nearer one or two per token, so
    /// this undercounts them; callers keep a margin).
    public func tokenCount(_ text: String) -> Int {
        var cjk = 0, other = 0
        for s in text.unicodeScalars { if s.isCJK { cjk += 1 } else { other += 1 } }
        return max(1, cjk + other / 4)
    }

    /// The model ids the server offers (`GET {base}/v1/models`).
    public static func models(baseURL: String, apiKey: String? = nil, client: HTTPClient = ProviderHTTPClient.shared) async throws -> [String] {
        var request = HTTPClientRequest(url: OpenAIEndpoint.url(baseURL, "models"))
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(15))
        } catch {
            throw ZhikuError(.upstreamFailed, "cannot reach the chat model server", detail: "\(OpenAIEndpoint.url(baseURL, "models")): \(error)")
        }
        let body = try await response.body.collect(upTo: 16 << 20)
        struct List: Decodable { struct Item: Decodable { var id: String }; var data: [Item] }
        guard response.status.code == 200, let list = try? JSONDecoder().decode(List.self, from: Data(body.readableBytesView)) else {
            throw ZhikuError(.upstreamFailed, "the chat model server answered HTTP \(response.status.code) without a model list",
                             detail: OpenAIEndpoint.url(baseURL, "models"))
        }
        return list.data.map(\.id)
    }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChatEvent.self)
        let task = Task {
            do {
                try await run(request, continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    // MARK: - HTTP

    private struct Body: Encodable {
        var model: String
        var messages: [ChatMessage]
        var stream = true
        var max_tokens: Int
        var temperature: Double
        var top_p: Double
        var seed: UInt64?
        var stop: [String]?
        var stream_options = ["include_usage": true]
    }

    private struct Chunk: Decodable {
        struct Choice: Decodable {
            struct Delta: Decodable { var content: String? }
            var delta: Delta?
            var finish_reason: String?
        }
        struct Usage: Decodable { var prompt_tokens: Int?; var completion_tokens: Int? }
        var choices: [Choice]?
        var usage: Usage?
    }

    private func run(_ chat: ChatRequest, _ continuation: AsyncThrowingStream<ChatEvent, any Error>.Continuation) async throws {
        let c = configuration
        let url = OpenAIEndpoint.url(c.baseURL, "chat/completions")
        let body = try JSONEncoder().encode(Body(
            model: c.model, messages: chat.messages, max_tokens: chat.maxTokens,
            temperature: chat.sampling.temperature, top_p: chat.sampling.topP,
            seed: chat.sampling.temperature > 0 ? chat.sampling.seed : nil, stop: chat.stop.isEmpty ? nil : chat.stop))
        var attempt = 0
        while true {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "Accept", value: "text/event-stream")
            if let key = c.apiKey, !key.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
            request.body = .bytes(ByteBuffer(bytes: body))
            let retryable: ZhikuError
            do {
                let timeout = TimeAmount.nanoseconds(Int64(c.timeout.components.seconds) * 1_000_000_000)
                let response = try await client.execute(request, timeout: timeout)
                switch response.status.code {
                case 200..<300:
                    try await read(response, url: url, continuation)
                    return
                case 429, 500...599:
                    let text = try await response.body.collect(upTo: 1 << 20)
                    retryable = ZhikuError(.upstreamFailed, "the chat model server failed (HTTP \(response.status.code))",
                                           detail: "\(url): \(Self.message(Data(text.readableBytesView)))")
                default:
                    // The server's address and reply go to the log; its message (an unknown model, a context too
                    // long) is a detail for admins: members see only that it refused (`base_url` is not theirs to see).
                    let text = try await response.body.collect(upTo: 1 << 20)
                    let said = Self.message(Data(text.readableBytesView))
                    logger.warning("the chat model server refused a request", metadata: [
                        "url": "\(url)", "status": "\(response.status.code)", "reply": "\(said)"])
                    throw ZhikuError(.invalidInput, "the chat model server refused the request (HTTP \(response.status.code))",
                                     detail: String(said.prefix(300)))
                }
            } catch let error as ZhikuError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch where Task.isCancelled {
                throw CancellationError()
            } catch let error as HTTPClientError where error == .deadlineExceeded {
                throw ZhikuError(.timeout, "the chat model server did not finish within \(c.timeout)", detail: url)
            } catch {
                retryable = ZhikuError(.upstreamFailed, "cannot reach the chat model server", detail: "\(url): \(error)")
            }
            guard attempt < c.retries else { throw retryable }
            attempt += 1
            logger.warning("chat request failed, retrying", metadata: ["attempt": "\(attempt)", "error": "\(retryable)"])
            try await Task.sleep(for: .milliseconds(250 * (1 << attempt)))
        }
    }

    /// Reads `data:` lines as they arrive; yields text, then `done` with the usage the server reported (or counts).
    private func read(_ response: HTTPClientResponse, url: String,
                      _ continuation: AsyncThrowingStream<ChatEvent, any Error>.Continuation) async throws {
        var pending: [UInt8] = []
        var finish = FinishReason.stop, completion = 0, prompt = 0, sawDone = false
        lines: for try await buffer in response.body {
            pending += buffer.readableBytesView
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasSuffix("\r") { line.removeLast() }
                guard line.hasPrefix("data:") else { continue }
                let payload = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
                if payload == "[DONE]" {
                    sawDone = true
                    break lines
                }
                guard let chunk = try? JSONDecoder().decode(Chunk.self, from: Data(payload.utf8)) else {
                    throw ZhikuError(.upstreamFailed, "the chat model server streamed something that is not a chat chunk",
                                     detail: "\(url): \(payload.prefix(200))")
                }
                if let usage = chunk.usage {
                    prompt = usage.prompt_tokens ?? prompt
                    completion = usage.completion_tokens ?? completion
                }
                for choice in chunk.choices ?? [] {
                    if let text = choice.delta?.content, !text.isEmpty {
                        continuation.yield(.text(text))
                        if chunk.usage == nil { completion += 1 }
                    }
                    if let reason = choice.finish_reason { finish = reason == "length" ? .length : .stop }
                }
            }
        }
        guard sawDone else { throw ZhikuError(.upstreamFailed, "the chat model server closed the stream before [DONE]", detail: url) }
        continuation.yield(.done(ChatUsage(promptTokens: prompt, completionTokens: completion, finishReason: finish)))
    }

    private static func message(_ data: Data) -> String {
        struct ErrorReply: Decodable { struct Inner: Decodable { var message: String? }; var error: Inner? }
        if let e = try? JSONDecoder().decode(ErrorReply.self, from: data), let m = e.error?.message { return m }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }
}
