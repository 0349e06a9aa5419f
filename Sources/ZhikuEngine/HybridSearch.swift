import Logging
import ZhikuCore
import ZhikuRetrieval

/// Search over one knowledge base: BM25 keyword search, vector search in the knowledge base's active embedding
/// space, or both fused (``RetrievalSettings/fusion``), with each hit saying what each retriever contributed.
public struct HybridSearch: Sendable {
    public let store: any Store
    public let keywordIndex: any KeywordIndex
    public let vectorIndex: any VectorIndex
    public let embedders: EmbedderCache
    public let settings: RetrievalSettings
    /// The `/rerank` server used when ``RetrievalSettings/rerank`` is `server`.
    public let rerankServer: (any Reranker)?
    /// Recent query embeddings (shared by every copy of this search).
    public let queryVectors = QueryEmbeddingCache()
    private let logger: Logger

    public init(store: any Store, keywordIndex: any KeywordIndex, vectorIndex: any VectorIndex, embedders: EmbedderCache,
                settings: RetrievalSettings, rerankServer: (any Reranker)? = nil, logger: Logger = Logger(label: "zhiku.search")) {
        self.store = store
        self.keywordIndex = keywordIndex
        self.vectorIndex = vectorIndex
        self.embedders = embedders
        self.settings = settings
        self.rerankServer = rerankServer
        self.logger = logger
    }

    /// The files and chunks `filter` lets through (nil: no filter, the whole knowledge base).
    public func scope(of filter: SearchFilter?, in kb: KnowledgeBase) async throws -> SearchScope? {
        guard let filter, !filter.isEmpty else { return nil }
        let files = Set(try await store.files(in: kb.id).filter { filter.matches($0) }.map(\.id))
        return SearchScope(fileIDs: files, chunkIDs: try await store.chunkIDs(ofFiles: files, in: kb.id))
    }

    /// Searches one knowledge base. Hybrid (the default) fuses BM25 and vector results (``RetrievalSettings/fusion``)
    /// and falls back to keyword search in a knowledge base without an embedding model; vector mode there is an
    /// error. Each hit says what each retriever contributed. A `scope` (a filter resolved by ``scope(of:in:)``, once
    /// for however many searches use it) limits both retrievers to its files before they pick their best; an empty
    /// one returns no hits, and `filteredFiles` reports how many files it holds.
    public func search(_ query: String, in kb: KnowledgeBase, k: Int = 10, mode: SearchMode = .hybrid,
                       within scope: SearchScope? = nil) async throws
        -> SearchResults {
        var results = try await searchWithin(query, in: kb, k: k, mode: mode, scope: scope)
        results.filteredFiles = scope?.fileIDs.count
        return results
    }

    private func searchWithin(_ query: String, in kb: KnowledgeBase, k: Int, mode: SearchMode, scope: SearchScope?) async throws
        -> SearchResults {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ZhikuError.invalidInput("the query is empty") }
        guard (1...1000).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 1000, got \(k)") }
        var mode = mode
        if kb.embeddingModel == nil {
            if mode == .vector {
                throw ZhikuError.invalidInput("knowledge base '\(kb.name)' has no embedding model; search it with mode=keyword")
            }
            mode = .keyword
        }
        if let scope, scope.isEmpty {
            return SearchResults(mode: mode, hits: [], embeddingModel: mode == .keyword ? nil : kb.embeddingModel)
        }
        // Ask for a few more than k: chunks of files being deleted or re-ingested are dropped when hydrating.
        let reranker = try await reranker(for: kb)
        let depth = max(k + 10, reranker == nil ? 0 : settings.rerankDepth)
        switch mode {
        case .keyword:
            let scored = try await keywordIndex.search(trimmed, k: depth, in: kb.id, within: scope)
            let hits = try await store.hits(for: scored).enumerated().map { i, hit in
                var hit = hit
                hit.keywordRank = i + 1
                hit.keywordScore = hit.score
                return hit
            }
            return SearchResults(mode: mode, hits: Array(await rerank(hits, query: trimmed, with: reranker).prefix(k)))
        case .vector:
            let (scored, model) = try await nearest(trimmed, k: depth, in: kb, within: scope)
            let hits = try await store.hits(for: scored).enumerated().map { i, hit in
                var hit = hit
                hit.vectorRank = i + 1
                hit.vectorScore = hit.score
                return hit
            }
            return SearchResults(mode: mode, hits: Array(await rerank(hits, query: trimmed, with: reranker).prefix(k)), embeddingModel: model)
        case .hybrid:
            let candidates = max(depth, settings.candidates)
            async let keyword = keywordIndex.search(trimmed, k: candidates, in: kb.id, within: scope)
            async let vector = nearest(trimmed, k: candidates, in: kb, within: scope)
            let (keywordList, (vectorList, model)) = try await (keyword, vector)
            let fused = settings.fusion.fuse(keyword: keywordList, vector: vectorList)
            let byID = Dictionary(uniqueKeysWithValues: fused.map { ($0.chunkID, $0) })
            let hits = try await store.hits(for: fused.prefix(depth).map { ScoredChunk(chunkID: $0.chunkID, score: $0.score) })
                .map { hit in
                    var hit = hit
                    let f = byID[hit.chunk.id]
                    hit.keywordRank = f?.keywordRank
                    hit.keywordScore = f?.keywordScore
                    hit.vectorRank = f?.vectorRank
                    hit.vectorScore = f?.vectorScore
                    return hit
                }
            return SearchResults(mode: mode, hits: Array(await rerank(hits, query: trimmed, with: reranker).prefix(k)), embeddingModel: model)
        }
    }

    /// The reranker for `kb` — its own choice (``KnowledgeBase/rerank``), else the settings' — nil when reranking
    /// is off (or the knowledge base has no embedding model for the built-in pass).
    private func reranker(for kb: KnowledgeBase) async throws -> (any Reranker)? {
        switch kb.rerank.flatMap(RetrievalSettings.RerankMethod.init(rawValue:)) ?? settings.rerank {
        case .off: return nil
        case .server: return rerankServer
        case .sentences:
            guard let model = kb.embeddingModel else { return nil }
            let embedder = try await embedders.embedder(model)
            return EmbeddingReranker(embedder: embedder) { [queryVectors] query in try await queryVectors.vector(for: query, with: embedder) }
        }
    }

    /// The first ``RetrievalSettings/rerankDepth`` hits in the reranker's order (mixed with the first pass's by
    /// ``RetrievalSettings/rerankWeight``), the rest after them. A reranker that fails leaves the order as it was
    /// (the failure is logged): a search never fails because its optional second pass did.
    private func rerank(_ hits: [SearchHit], query: String, with reranker: (any Reranker)?) async -> [SearchHit] {
        guard let reranker, !hits.isEmpty else { return hits }
        let head = Array(hits.prefix(settings.rerankDepth))
        let scores: [Double]
        do {
            scores = try await reranker.scores(query: query, passages: head.map(\.chunk.text))
            guard scores.count == head.count else {
                throw ZhikuError(.upstreamFailed, "\(scores.count) scores for \(head.count) passages")
            }
        } catch {
            logger.warning("reranking failed; the first pass's order is kept", metadata: ["reranker": "\(reranker.name)", "error": "\(error)"])
            return hits
        }
        let w = min(1, max(0, settings.rerankWeight))
        let mixed = zip(MinMaxScoreFusion.rescaled(scores), MinMaxScoreFusion.rescaled(head.map(\.score))).map { w * $0 + (1 - w) * $1 }
        let reordered = mixed.indicesBestFirst().map { i in
            var hit = head[i]
            hit.rerankScore = scores[i]
            return hit
        }
        return reordered + hits.dropFirst(head.count)
    }

    /// The chunks nearest to the query's embedding in the knowledge base's active vector space.
    private func nearest(_ query: String, k: Int, in kb: KnowledgeBase, within scope: SearchScope?) async throws -> ([ScoredChunk], String?) {
        guard let model = kb.embeddingModel else { return ([], nil) }
        let embedder = try await embedders.embedder(model)
        guard let vector = try await queryVectors.vector(for: query, with: embedder) else { return ([], model) }
        return (try await vectorIndex.nearest(to: vector, k: k, in: VectorSpace(kb.id, model: model), within: scope), model)
    }
}
