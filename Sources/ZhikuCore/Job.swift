import Foundation

/// A unit of background work: today, ingesting one file.
public struct Job: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public enum Status: String, Sendable, Codable {
        case queued, running, succeeded, failed
    }

    public var id: ID
    public var knowledgeBaseID: KnowledgeBase.ID
    public var fileID: FileRecord.ID
    public var status: Status
    /// Pages extracted so far, and the page count once known (0 before).
    public var pagesDone: Int
    public var pagesTotal: Int
    /// Of the pages done, those read by OCR (scans, images).
    public var pagesOCR: Int = 0
    /// Chunks written (known once the text is split).
    public var chunks: Int
    /// Chunks embedded so far (the last stage of ingestion).
    public var chunksEmbedded: Int
    public var error: String?
    /// How many times the job was started (a resumed or retried job counts again).
    public var attempts: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: ID, knowledgeBaseID: KnowledgeBase.ID, fileID: FileRecord.ID, status: Status = .queued,
                pagesDone: Int = 0, pagesTotal: Int = 0, chunks: Int = 0, chunksEmbedded: Int = 0, error: String? = nil, attempts: Int = 0,
                createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id
        self.knowledgeBaseID = knowledgeBaseID
        self.fileID = fileID
        self.status = status
        self.pagesDone = pagesDone
        self.pagesTotal = pagesTotal
        self.chunks = chunks
        self.chunksEmbedded = chunksEmbedded
        self.error = error
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
