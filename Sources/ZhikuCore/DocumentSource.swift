import Foundation

/// One file a ``DocumentSource`` holds: its path relative to the source ("/" between folders), size and
/// modification time (seconds since 1970).
public struct SourceEntry: Sendable, Hashable {
    public var path: String
    public var size: Int64
    public var modified: Double

    public init(path: String, size: Int64, modified: Double) {
        self.path = path
        self.size = size
        self.modified = modified
    }
}

/// The seam for where synced files live: list what is there now, hand over one file's bytes. A folder implements it
/// today (`FolderDocumentSource`); an S3-compatible bucket, WebDAV or a Git checkout would implement the same two
/// calls, and the reconciliation (``KnowledgeSource``: by content hash, renames without re-embedding) stays as is.
public protocol DocumentSource: Sendable {
    /// Every file there now, ignored names left out.
    func scan() async throws -> [SourceEntry]
    /// A local file with the bytes of `path` (the file itself for a folder; a downloaded copy elsewhere).
    func localFile(_ path: String) async throws -> URL
}
