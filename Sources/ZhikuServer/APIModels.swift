import Foundation
import ZhikuCore
import ZhikuEngine

/// Request and response bodies of the HTTP API (JSON, snake_case keys).
enum API {
    struct CreateKnowledgeBase: Decodable {
        var name: String
        var description: String?
        /// A model id, "none" for keyword search only; absent: the configured default.
        var embeddingModel: String?
    }

    struct UpdateKnowledgeBase: Decodable {
        /// A new name (unique) and description.
        var name: String?
        var description: String?
        /// Switch to this model ("none": keyword search only); the chunks are re-embedded in the background.
        var embeddingModel: String?
        /// Its own reranking: off, sentences, server, or default (the server's).
        var rerank: String?
    }

    struct KnowledgeBaseList: Encodable {
        var knowledgeBases: [KnowledgeBase]
    }

    struct FileList: Encodable {
        var files: [FileRecord]
    }

    struct JobList: Encodable {
        var jobs: [Job]
    }

    struct PageList: Encodable {
        var pages: [ExtractedPage]
    }

    struct ErrorBody: Encodable {
        var code: String
        var message: String
    }

    /// The outcome of one uploaded file.
    struct Upload: Encodable {
        var name: String
        var file: FileRecord?
        var job: Job?
        var duplicate: Bool?
        var error: ErrorBody?
    }

    struct UploadList: Encodable {
        var uploads: [Upload]
    }

    struct Hit: Encodable {
        var chunkId: Chunk.ID
        var fileId: FileRecord.ID
        var fileName: String
        var page: Int
        var start: Int
        var end: Int
        var text: String
        var score: Double
        var keywordRank: Int?
        var keywordScore: Double?
        var vectorRank: Int?
        var vectorScore: Double?
        /// The reranker's score, when reranking is on (`ZHIKU_RERANK`).
        var rerankScore: Double?
        /// Transcribed audio: when the passage was spoken, in seconds.
        var startSeconds: Double?
        var endSeconds: Double?
        /// The headings the chunk sits under (a worksheet's name).
        var section: String?
        /// Worksheets and CSV: the source rows of the passage.
        var firstRow: Int?
        var lastRow: Int?

        init(_ hit: SearchHit) {
            chunkId = hit.chunk.id
            fileId = hit.chunk.fileID
            fileName = hit.fileName
            page = hit.chunk.page
            start = hit.chunk.start
            end = hit.chunk.end
            text = hit.chunk.text
            score = hit.score
            keywordRank = hit.keywordRank
            keywordScore = hit.keywordScore
            vectorRank = hit.vectorRank
            vectorScore = hit.vectorScore
            rerankScore = hit.rerankScore
            startSeconds = hit.chunk.startSeconds
            endSeconds = hit.chunk.endSeconds
            section = hit.chunk.section
            firstRow = hit.chunk.firstRow
            lastRow = hit.chunk.lastRow
        }
    }

    struct SearchResults: Encodable {
        var query: String
        var mode: String
        var embeddingModel: String?
        var k: Int
        /// The query's translation when it was searched too (`translate=true` and passages in the other language).
        var translatedQuery: String?
        /// The filter the parameters set, and how many files it matched (absent: the search was not filtered).
        var filter: SearchFilter?
        var filteredFiles: Int?
        var hits: [Hit]
    }

    /// `GET /api/kbs/{kb}/files/{file}/chunks`: the file's chunks in order, as they are indexed.
    struct ChunkList: Encodable {
        struct Item: Encodable {
            var id: Chunk.ID
            var ordinal: Int
            var page: Int
            var start: Int
            var end: Int
            /// Characters (code points) of the chunk's text.
            var characters: Int
            var section: String?
            var firstRow: Int?
            var lastRow: Int?
            var startSeconds: Double?
            var endSeconds: Double?
            var text: String

            init(_ chunk: Chunk) {
                id = chunk.id
                ordinal = chunk.ordinal
                page = chunk.page
                start = chunk.start
                end = chunk.end
                characters = chunk.text.unicodeScalars.count
                section = chunk.section
                firstRow = chunk.firstRow
                lastRow = chunk.lastRow
                startSeconds = chunk.startSeconds
                endSeconds = chunk.endSeconds
                text = chunk.text
            }
        }
        var fileId: FileRecord.ID
        var fileName: String
        var chunks: [Item]
    }

    /// `PUT /api/kbs/{kb}/files/{file}/tags`: the file's tags, replacing the ones it had.
    struct Tags: Decodable {
        var tags: [String]
    }

    struct Health: Encodable {
        var status: String
        var version: String
    }
}
