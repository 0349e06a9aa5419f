/// The files a filtered search may return, resolved from a ``SearchFilter`` before retrieval: their ids (what a
/// database joins on) and their chunks' ids (what an in-memory index checks). Keyword and vector indexes take it
/// and rank only these chunks, so the top k are the best passages of the matching files.
public struct SearchScope: Sendable, Hashable {
    public var fileIDs: Set<FileRecord.ID>
    public var chunkIDs: Set<Chunk.ID>

    public init(fileIDs: Set<FileRecord.ID>, chunkIDs: Set<Chunk.ID>) {
        self.fileIDs = fileIDs
        self.chunkIDs = chunkIDs
    }

    /// Whether the scope holds no chunk (the search returns nothing).
    public var isEmpty: Bool { chunkIDs.isEmpty }

    /// Whether `chunk` may be returned.
    @inline(__always)
    public func contains(_ chunk: Chunk.ID) -> Bool { chunkIDs.contains(chunk) }
}
