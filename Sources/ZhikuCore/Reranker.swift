/// A second, finer pass over a search's best candidates: scores each passage's relevance to the query, and the
/// candidates are put in the order of those scores. Backends: a `/rerank` HTTP server (cross-encoders served by
/// TEI, vLLM, Xinference, Jina or Cohere) and a built-in pass with the knowledge base's embedding model.
public protocol Reranker: Sendable {
    /// What reranks, for logs and search results (e.g. `bge-reranker-v2-m3`, `sentences:multilingual-e5-small`).
    var name: String { get }
    /// One score per passage, in the passages' order; higher is more relevant (any scale: only the order is used).
    func scores(query: String, passages: [String]) async throws -> [Double]
}

extension Array where Element == Double {
    /// The indices of these scores, highest first; equal scores keep their order (the first pass's, the
    /// request's). How a reranker's scores become an order.
    public func indicesBestFirst() -> [Int] {
        indices.sorted { self[$0] != self[$1] ? self[$0] > self[$1] : $0 < $1 }
    }
}
