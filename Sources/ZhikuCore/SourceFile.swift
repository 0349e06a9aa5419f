import Foundation

/// A file's bytes as they sit on disk, with what was learned from them on arrival.
///
/// This is what extractors read. It carries no knowledge-base state; see ``FileRecord`` for that.
public struct SourceFile: Sendable, Hashable {
    /// The name the user gave the file (a single path component, never a path).
    public var name: String
    /// Where the bytes are.
    public var url: URL
    /// Lowercase hex SHA-256 of the bytes: the file's identity for dedup and parse reuse.
    public var sha256: String
    /// Sniffed from the bytes.
    public var mediaType: MediaType
    /// Size in bytes.
    public var size: Int64
    /// For a file of a synced folder: the source, its path there and the tags it starts with — stored with the
    /// file record in the same step, so a crash can never leave a synced file looking like an upload.
    public var sourceID: KnowledgeSource.ID?
    public var path: String?
    public var tags: [String] = []

    public init(name: String, url: URL, sha256: String, mediaType: MediaType, size: Int64) {
        self.name = name
        self.url = url
        self.sha256 = sha256
        self.mediaType = mediaType
        self.size = size
    }
}
