import ZhikuCore

/// The built-in ``Reranker``: a finer pass with the knowledge base's own embedding model. Each candidate is cut into
/// sentences (short ones joined to the next, at most ``maxPieces`` per passage), the sentences are embedded as
/// passages, and a candidate scores the best cosine similarity of any of its sentences to the query: a chunk whose
/// one sentence answers the question is no longer diluted by the rest of its 500 characters. Costs one embedding
/// call of up to `maxPieces × candidates` short texts per query.
public struct EmbeddingReranker: Reranker {
    public let embedder: any Embedder
    /// Sentences shorter than this are joined to the next one (in characters, a Chinese character counting two).
    public static let shortestPiece = 24
    /// The most sentences scored per passage (the rest are joined into the last).
    public static let maxPieces = 8

    /// Where the query's vector comes from when not from `embedder` directly: the search's cache of query
    /// embeddings, which already holds it (the first pass embedded the same text).
    public let queryVector: (@Sendable (String) async throws -> [Float]?)?

    public init(embedder: any Embedder, queryVector: (@Sendable (String) async throws -> [Float]?)? = nil) {
        self.embedder = embedder
        self.queryVector = queryVector
    }

    public var name: String { "sentences:" + embedder.modelID }

    /// A passage's sentences, short ones joined to the next (a short last one to the one before), at most
    /// ``maxPieces`` (the rest joined into the last).
    static func pieces(_ passage: String) -> [String] {
        var pieces: [String] = [], pending = ""
        for sentence in KeySentences.sentences(passage) {
            pending = pending.isEmpty ? sentence : pending + " " + sentence
            if pending.unicodeScalars.reduce(0, { $0 + ($1.isCJK ? 2 : 1) }) >= shortestPiece {
                pieces.append(pending)
                pending = ""
            }
        }
        if !pending.isEmpty {
            if pieces.isEmpty { pieces.append(pending) } else { pieces[pieces.count - 1] += " " + pending }
        }
        if pieces.count > maxPieces {
            pieces = Array(pieces.prefix(maxPieces - 1)) + [pieces.dropFirst(maxPieces - 1).joined(separator: " ")]
        }
        return pieces
    }

    public func scores(query: String, passages: [String]) async throws -> [Double] {
        guard !passages.isEmpty else { return [] }
        let pieces = passages.map(Self.pieces)
        let texts = pieces.flatMap { $0 }
        let vectors = try await embedder.embed(texts, as: .passage)
        let asked: [Float]?
        if let queryVector { asked = try await queryVector(query) } else { asked = try await embedder.embed([query], as: .query).first }
        guard vectors.count == texts.count, let queryVector = asked else {
            throw ZhikuError(.upstreamFailed, "embedding model '\(embedder.modelID)' returned \(vectors.count) vectors for \(texts.count) texts")
        }
        var next = 0
        return pieces.map { own in
            var best = -Double.infinity
            for _ in own {
                var dot: Float = 0
                for (a, b) in zip(queryVector, vectors[next]) { dot += a * b }
                best = max(best, Double(dot))
                next += 1
            }
            return own.isEmpty ? -1 : best
        }
    }
}
