/// A piece of a document produced by a ``TextSplitter``, before it is stored.
public struct ChunkDraft: Sendable, Hashable, Codable {
    /// Position of the chunk within its document, from 0.
    public var ordinal: Int
    /// 1-based page the chunk comes from.
    public var page: Int
    /// Start and end offsets in Unicode code points within the page text (end exclusive).
    public var start: Int
    public var end: Int
    public var text: String
    /// Transcribed audio: when the chunk's page was spoken, in seconds from the start of the recording.
    public var startSeconds: Double?
    public var endSeconds: Double?
    /// The headings the chunk sits under, outermost first, joined by " › " ("安装 › 安装过程"); nil outside any.
    public var section: String?
    /// Spreadsheets and CSV: the first and last source row the chunk holds (sheet row numbers; see ``RowMark``).
    public var firstRow: Int?
    public var lastRow: Int?

    public init(ordinal: Int, page: Int, start: Int, end: Int, text: String) {
        self.ordinal = ordinal
        self.page = page
        self.start = start
        self.end = end
        self.text = text
    }
}

/// A stored chunk, addressable for citations.
public struct Chunk: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public var id: ID
    public var fileID: FileRecord.ID
    public var knowledgeBaseID: KnowledgeBase.ID
    public var ordinal: Int
    public var page: Int
    public var start: Int
    public var end: Int
    public var text: String
    /// Transcribed audio: when the chunk was spoken, in seconds (see ``ChunkDraft/startSeconds``).
    public var startSeconds: Double?
    public var endSeconds: Double?
    /// The headings the chunk sits under (see ``ChunkDraft/section``).
    public var section: String?
    /// Spreadsheets and CSV: the rows the chunk holds (see ``ChunkDraft/firstRow``).
    public var firstRow: Int?
    public var lastRow: Int?

    /// What keyword search indexes: the section path, then the text. The section says what a passage is about
    /// when its own words do not (a table row, a step of a procedure); it is not shown. Embedders read the text
    /// alone: on the development QA set the path helped keyword search (hit@1 0.825 → 0.850) and hurt vector
    /// search (→ 0.775), whose 500-character passages it dilutes (BENCHMARKS.md).
    public var keywordText: String { section.map { $0 + "\n" + text } ?? text }

    public init(id: ID, fileID: FileRecord.ID, knowledgeBaseID: KnowledgeBase.ID, ordinal: Int, page: Int,
                start: Int, end: Int, text: String) {
        self.id = id
        self.fileID = fileID
        self.knowledgeBaseID = knowledgeBaseID
        self.ordinal = ordinal
        self.page = page
        self.start = start
        self.end = end
        self.text = text
    }
}

/// A chunk id with a relevance score from one retriever.
public struct ScoredChunk: Sendable, Hashable, Codable {
    public var chunkID: Chunk.ID
    public var score: Double

    public init(chunkID: Chunk.ID, score: Double) {
        self.chunkID = chunkID
        self.score = score
    }
}

/// A search result ready to show: the chunk, its file, its score, and what each retriever contributed.
public struct SearchHit: Sendable, Hashable, Codable {
    public var chunk: Chunk
    public var fileName: String
    /// The score the results are ranked by: BM25 in keyword mode, cosine similarity in vector mode, the fused
    /// Reciprocal Rank Fusion score in hybrid mode.
    public var score: Double
    /// 1-based rank and score in the keyword (BM25) list, when the chunk was in it.
    public var keywordRank: Int?
    public var keywordScore: Double?
    /// 1-based rank and cosine similarity in the vector list, when the chunk was in it.
    public var vectorRank: Int?
    public var vectorScore: Double?
    /// The reranker's score, when a ``Reranker`` put the candidates in order (then `score` is the fused score the
    /// chunk came in with).
    public var rerankScore: Double?

    public init(chunk: Chunk, fileName: String, score: Double, keywordRank: Int? = nil, keywordScore: Double? = nil,
                vectorRank: Int? = nil, vectorScore: Double? = nil, rerankScore: Double? = nil) {
        self.chunk = chunk
        self.fileName = fileName
        self.score = score
        self.keywordRank = keywordRank
        self.keywordScore = keywordScore
        self.vectorRank = vectorRank
        self.vectorScore = vectorScore
        self.rerankScore = rerankScore
    }
}
