import Foundation

/// A place a knowledge base's files come from besides uploads, kept in sync: today a folder on the server (local or
/// mounted). Its files are ingested when new or changed, moved without re-embedding when renamed (matched by content
/// hash), and removed with their chunks when deleted. See ``DocumentSource`` for the seam other kinds plug into.
public struct KnowledgeSource: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    /// What a source is. Only folders today; S3-compatible buckets, WebDAV or Git would be more cases.
    public enum Kind: String, Sendable, Hashable, Codable {
        case folder
    }

    /// What the last scan saw of one file: its content hash and the size and time that let the next scan skip
    /// hashing it again when they have not changed.
    public struct EntryState: Sendable, Hashable, Codable {
        public var sha256: String
        public var size: Int64
        public var modified: Double

        public init(sha256: String, size: Int64, modified: Double) {
            self.sha256 = sha256
            self.size = size
            self.modified = modified
        }
    }

    public var id: ID
    public var knowledgeBaseID: KnowledgeBase.ID
    public var kind: Kind
    /// The folder's absolute path.
    public var location: String
    /// Patterns of names skipped besides the defaults (``defaultIgnored``), matched against every path component.
    public var ignore: [String]
    public var createdAt: Date
    public var lastSyncAt: Date?
    /// Why the last sync failed (nil: it did not).
    public var lastError: String?
    /// Files the last scan found (ignored ones not counted).
    public var filesSeen: Int
    /// The last scan, by path relative to the folder.
    public var entries: [String: EntryState]

    public init(id: ID, knowledgeBaseID: KnowledgeBase.ID, kind: Kind, location: String, ignore: [String] = [],
                createdAt: Date = Date(), lastSyncAt: Date? = nil, lastError: String? = nil, filesSeen: Int = 0,
                entries: [String: EntryState] = [:]) {
        self.id = id
        self.knowledgeBaseID = knowledgeBaseID
        self.kind = kind
        self.location = location
        self.ignore = ignore
        self.createdAt = createdAt
        self.lastSyncAt = lastSyncAt
        self.lastError = lastError
        self.filesSeen = filesSeen
        self.entries = entries
    }

    /// Names never synced: version-control folders, hidden files, Office's lock files (`~$report.docx`), editors'
    /// temporary files.
    public static let defaultIgnored = [".*", "~$*", "*.tmp", "*.swp", "*~", "Thumbs.db", "desktop.ini"]
}
