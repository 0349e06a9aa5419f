import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ZhikuCore

/// ``Embedder`` backed by any OpenAI-compatible `POST {base}/v1/embeddings` server (LM Studio, Ollama, vLLM,
/// TEI, another Zhiku), for models such as bge-m3 or m3e-base that are not built in.
///
/// Requests carry the model name and an optional bearer key, have a deadline, and are retried with
/// exponential backoff when the connection fails or the server answers 429/5xx; other 4xx answers fail at once
/// with the server's message.
public struct OpenAIEmbedder: Embedder {
    public struct Configuration: Sendable {
        /// e.g. `http://127.0.0.1:1234` (with or without a trailing `/v1`).
        public var baseURL: String
        public var model: String
        public var apiKey: String?
        public var timeout: Duration = .seconds(60)
        public var retries = 2
        /// Texts per request.
        public var batchSize = 64
        /// Sent as Zhiku's `input_type` extension (ignored by servers that do not know it).
        public var sendsInputType = true

        public init(baseURL: String, model: String, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    public let dimensions: Int
    private let client: HTTPClient
    private let logger: Logger

    public var modelID: String { configuration.model }

    /// Connects and learns the vector dimension with one probe request.
    public init(_ configuration: Configuration, client: HTTPClient = ProviderHTTPClient.shared, logger: Logger = Logger(label: "zhiku.embeddings")) async throws {
        let probe = try await Self.request(["dimension probe"], purpose: .query, configuration: configuration, client: client,
                                           logger: logger)
        guard let first = probe.first, !first.isEmpty else {
            throw ZhikuError(.upstreamFailed, "the embedding server returned no embedding for model '\(configuration.model)'",
                             detail: configuration.baseURL)
        }
        self.init(configuration: configuration, dimensions: first.count, client: client, logger: logger)
    }

    private init(configuration: Configuration, dimensions: Int, client: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.dimensions = dimensions
        self.client = client
        self.logger = logger
    }

    public func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: texts.count, by: configuration.batchSize) {
            let batch = Array(texts[start..<min(texts.count, start + configuration.batchSize)])
            let result = try await Self.request(batch, purpose: purpose, configuration: configuration, client: client, logger: logger)
            for v in result where v.count != dimensions {
                throw ZhikuError(.upstreamFailed, "model '\(modelID)' returned a \(v.count)-dimensional vector, expected \(dimensions)")
            }
            vectors.append(contentsOf: result)
        }
        return vectors
    }

    /// The server does not report per-text counts: an estimate of about four characters per token.
    public func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int {
        max(1, text.unicodeScalars.count / 4)
    }

    // MARK: - HTTP

    private struct Body: Encodable {
        var model: String
        var input: [String]
        var input_type: String?
    }

    private struct Reply: Decodable {
        struct Item: Decodable {
            var index: Int
            var embedding: [Float]
        }
        var data: [Item]
    }

    static func endpoint(_ base: String) -> String { OpenAIEndpoint.url(base, "embeddings") }

    private static func request(_ texts: [String], purpose: EmbeddingPurpose, configuration c: Configuration,
                                client: HTTPClient, logger: Logger) async throws -> [[Float]] {
        let url = endpoint(c.baseURL)
        let body = try JSONEncoder().encode(Body(model: c.model, input: texts,
                                                 input_type: c.sendsInputType ? purpose.rawValue : nil))
        let data = try await ProviderRequest.post(url, json: body, apiKey: c.apiKey, timeout: c.timeout, retries: c.retries,
                                                  server: "the embedding server", client: client, logger: logger)
        guard let reply = try? JSONDecoder().decode(Reply.self, from: data), reply.data.count == texts.count else {
            throw ZhikuError(.upstreamFailed, "the embedding server answered with something that is not an embeddings list for \(texts.count) inputs",
                             detail: url)
        }
        return reply.data.sorted { $0.index < $1.index }.map { $0.embedding }
    }
}
