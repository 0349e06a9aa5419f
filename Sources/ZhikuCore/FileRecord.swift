import Foundation

/// Where a file stands in ingestion.
public enum FileStatus: String, Sendable, Codable {
    /// Uploaded, waiting for or inside its ingest job.
    case pending
    /// Extracted, split and indexed: searchable.
    case ready
    /// Ingestion failed; ``FileRecord/error`` says why. The job can be retried.
    case failed
    /// Being removed.
    case deleting
}

/// A file as a member of one knowledge base.
public struct FileRecord: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public var id: ID
    public var knowledgeBaseID: KnowledgeBase.ID
    public var name: String
    public var sha256: String
    public var mediaType: MediaType
    public var size: Int64
    public var status: FileStatus
    public var error: String?
    public var pageCount: Int
    public var chunkCount: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The document's own title, author and dates, once its text was extracted (nil before, or when it says none).
    public var metadata: DocumentMetadata?
    /// Labels people gave the file (``normalizedTags(_:)``), for filtering searches (``SearchFilter``).
    public var tags: [String]
    /// The synced source the file comes from (nil: uploaded), and its path there.
    public var sourceID: KnowledgeSource.ID?
    public var path: String?

    public init(id: ID, knowledgeBaseID: KnowledgeBase.ID, name: String, sha256: String, mediaType: MediaType,
                size: Int64, status: FileStatus = .pending, error: String? = nil, pageCount: Int = 0,
                chunkCount: Int = 0, createdAt: Date = Date(), updatedAt: Date = Date(), metadata: DocumentMetadata? = nil, tags: [String] = []) {
        self.metadata = metadata
        self.tags = tags
        self.id = id
        self.knowledgeBaseID = knowledgeBaseID
        self.name = name
        self.sha256 = sha256
        self.mediaType = mediaType
        self.size = size
        self.status = status
        self.error = error
        self.pageCount = pageCount
        self.chunkCount = chunkCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// At most this many tags per file.
    public static let maxTags = 64

    /// Tags as stored: trimmed, empty ones dropped, each once (ignoring case, the first spelling kept). A tag with a
    /// control character or longer than 100 characters, or more than ``maxTags`` of them, is refused.
    public static func normalizedTags(_ raw: [String]) throws -> [String] {
        var seen: Set<String> = [], tags: [String] = []
        for tag in raw {
            let trimmed = tag.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ZhikuError.invalidInput("tag '\(trimmed.debugDescription)' contains control characters")
            }
            guard trimmed.count <= 100 else { throw ZhikuError.invalidInput("tag '\(trimmed.prefix(20))…' is longer than 100 characters") }
            if seen.insert(trimmed.lowercased()).inserted { tags.append(trimmed) }
        }
        guard tags.count <= maxTags else { throw ZhikuError.invalidInput("a file can have at most \(maxTags) tags, got \(tags.count)") }
        return tags
    }

    /// Reduces a client-supplied name to one safe path component.
    ///
    /// Directory parts (`a/b.txt`, `C:\x\b.txt`) are dropped; a name with a `..` component, a NUL or another
    /// control character, or nothing left is rejected, so a stored name can never address anything on disk.
    public static func sanitizedName(_ raw: String) throws -> String {
        let parts = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init)
        if parts.contains("..") {
            throw ZhikuError.invalidInput("file name '\(raw)' contains a '..' path component")
        }
        if raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ZhikuError.invalidInput("file name contains control characters")
        }
        guard let last = parts.last?.trimmingCharacters(in: .whitespaces), !last.isEmpty, last != "." else {
            throw ZhikuError.invalidInput("file name '\(raw)' is empty")
        }
        guard last.utf8.count <= 255 else { throw ZhikuError.invalidInput("file name is longer than 255 bytes") }
        return last
    }
}
