import AsyncHTTPClient
import Foundation
import Logging
import ZhikuCore

/// ``Reranker`` backed by a `/rerank` HTTP server, the API cross-encoder servers share: Cohere's and Jina's
/// `POST /v1/rerank {model, query, documents, top_n}` → `{results: [{index, relevance_score}]}` (also served by vLLM,
/// Xinference and LocalAI) and Hugging Face TEI's `POST /rerank {query, texts}` → `[{index, score}]`. A base URL
/// that ends in `/rerank` is used as it is (TEI: `http://host:8080/rerank`); otherwise `/v1/rerank` is added. The
/// request carries both `documents` and `texts`, so either server reads it; either reply is understood.
/// A deadline, retries on 429/5xx and errors with context as ``OpenAIEmbedder``.
public struct HTTPReranker: Reranker {
    public struct Configuration: Sendable {
        /// e.g. `http://127.0.0.1:8080` (with or without `/v1`), or the full `…/rerank` URL.
        public var baseURL: String
        /// Sent as `model` (servers that host one model ignore it).
        public var model: String
        public var apiKey: String?
        public var timeout: Duration = .seconds(30)
        public var retries = 1

        public init(baseURL: String, model: String, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.model = model
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger

    public var name: String { configuration.model }

    public init(_ configuration: Configuration, client: HTTPClient = ProviderHTTPClient.shared,
                logger: Logger = Logger(label: "zhiku.rerank")) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    /// The URL requests go to.
    public var url: String {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/rerank") ? base : OpenAIEndpoint.url(base, "rerank")
    }

    private struct Body: Encodable {
        var model: String
        var query: String
        var documents: [String]
        var texts: [String]
        var top_n: Int
        var return_documents = false
    }

    /// Cohere / Jina: `{"results": [{"index", "relevance_score"}]}`.
    private struct ResultsReply: Decodable {
        struct Item: Decodable { var index: Int; var relevance_score: Double }
        var results: [Item]
    }

    /// TEI: `[{"index", "score"}]`.
    private struct ScoreItem: Decodable { var index: Int; var score: Double }

    public func scores(query: String, passages: [String]) async throws -> [Double] {
        guard !passages.isEmpty else { return [] }
        let body = try JSONEncoder().encode(Body(model: configuration.model, query: query, documents: passages, texts: passages,
                                                 top_n: passages.count))
        let data = try await ProviderRequest.post(url, json: body, apiKey: configuration.apiKey, timeout: configuration.timeout,
                                                  retries: configuration.retries, server: "the rerank server", client: client, logger: logger)
        return try Self.scores(from: data, count: passages.count, url: url)
    }

    /// The scores in a reply of either shape, one per passage in the passages' order.
    static func scores(from data: Data, count: Int, url: String) throws -> [Double] {
        let decoder = JSONDecoder()
        let pairs: [(Int, Double)]
        if let reply = try? decoder.decode(ResultsReply.self, from: data) {
            pairs = reply.results.map { ($0.index, $0.relevance_score) }
        } else if let reply = try? decoder.decode([ScoreItem].self, from: data) {
            pairs = reply.map { ($0.index, $0.score) }
        } else {
            throw ZhikuError(.upstreamFailed, "the rerank server answered with neither a results list nor a list of scores",
                             detail: "\(url): \(ProviderRequest.message(data))")
        }
        var scores = [Double?](repeating: nil, count: count)
        for (index, score) in pairs where scores.indices.contains(index) { scores[index] = score }
        guard scores.allSatisfy({ $0 != nil }) else {
            throw ZhikuError(.upstreamFailed, "the rerank server scored \(scores.compactMap { $0 }.count) of \(count) passages",
                             detail: url)
        }
        return scores.map { $0! }
    }
}
