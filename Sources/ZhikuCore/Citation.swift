import Foundation

/// A numbered source an answer may cite: where it is (file, page, character range, chunk) and how well it matched.
public struct Citation: Sendable, Hashable, Codable {
    public var n: Int
    public var chunkID: Chunk.ID
    public var fileID: FileRecord.ID
    public var fileName: String
    public var page: Int
    public var start: Int
    public var end: Int
    /// Transcribed audio: when the cited passage was spoken, in seconds.
    public var startSeconds: Double?
    public var endSeconds: Double?
    public var snippet: String
    /// The headings the passage sits under ("安装 › 安装过程"); for a spreadsheet, its sheet.
    public var section: String?
    /// Spreadsheets and CSV: the source rows of the passage.
    public var firstRow: Int?
    public var lastRow: Int?
    public var score: Double
    public var vectorScore: Double?
    public var keywordScore: Double?
    /// Where each retriever ranked the passage (1: first), and the reranker's score: why it is a source.
    public var keywordRank: Int?
    public var vectorRank: Int?
    public var rerankScore: Double?

    public init(n: Int, hit: SearchHit, snippet: String? = nil) {
        self.n = n
        chunkID = hit.chunk.id
        fileID = hit.chunk.fileID
        fileName = hit.fileName
        page = hit.chunk.page
        start = hit.chunk.start
        end = hit.chunk.end
        startSeconds = hit.chunk.startSeconds
        endSeconds = hit.chunk.endSeconds
        self.snippet = snippet ?? String(hit.chunk.text.prefix(300))
        section = hit.chunk.section
        firstRow = hit.chunk.firstRow
        lastRow = hit.chunk.lastRow
        score = hit.score
        vectorScore = hit.vectorScore
        keywordScore = hit.keywordScore
        keywordRank = hit.keywordRank
        vectorRank = hit.vectorRank
        rerankScore = hit.rerankScore
    }
}
