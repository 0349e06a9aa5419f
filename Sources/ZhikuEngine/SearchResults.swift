import ZhikuCore

/// What a search returns: the mode actually used and the hits, best first.
public struct SearchResults: Sendable {
    public var mode: SearchMode
    public var hits: [SearchHit]
    /// The model the query was embedded with (vector and hybrid modes).
    public var embeddingModel: String?
    /// The question's translation, when it was searched too (cross-language search).
    public var translatedQuery: String?
    /// How many files a ``SearchFilter`` let through (nil: the search was not filtered). Zero means the filter
    /// matched no file, and the search returned nothing for that reason.
    public var filteredFiles: Int?

    public init(mode: SearchMode, hits: [SearchHit], embeddingModel: String? = nil) {
        self.mode = mode
        self.hits = hits
        self.embeddingModel = embeddingModel
    }
}
