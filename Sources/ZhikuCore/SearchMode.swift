/// Which retrievers a search uses.
public enum SearchMode: String, Sendable, Codable, CaseIterable {
    /// BM25 over Chinese-aware terms.
    case keyword
    /// Cosine similarity of embeddings.
    case vector
    /// Both, fused with Reciprocal Rank Fusion (the default).
    case hybrid

    /// Parses a mode name, with an error that lists the valid ones.
    public static func parse(_ text: String) throws -> SearchMode {
        guard let mode = SearchMode(rawValue: text.lowercased()) else {
            throw ZhikuError.invalidInput("unknown search mode '\(text)'; use keyword, vector or hybrid")
        }
        return mode
    }
}
