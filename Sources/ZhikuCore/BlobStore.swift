import Foundation

/// A file's bytes received and stored under their SHA-256.
public struct StoredBlob: Sendable, Hashable {
    public var sha256: String
    public var size: Int64
    public var url: URL
    /// The first bytes (up to 64 KiB), for sniffing the media type.
    public var head: [UInt8]
    /// Whether these bytes were not stored before this write (so nothing else can be using them yet).
    public var isNew: Bool

    public init(sha256: String, size: Int64, url: URL, head: [UInt8], isNew: Bool = false) {
        self.sha256 = sha256
        self.size = size
        self.url = url
        self.head = head
        self.isNew = isNew
    }
}

/// An upload in progress: bytes are appended as they arrive, then the blob is finished or abandoned.
public protocol BlobWriter: AnyObject {
    /// Appends bytes; throws `.tooLarge` past the writer's limit and `.storageFailed` when the disk refuses.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Completes the blob; throws `.invalidInput` when no bytes arrived. The writer cannot be used afterwards.
    func finish() throws -> StoredBlob
    /// Discards what was written. Safe to call more than once, and after `finish`.
    func abort()
}

extension BlobWriter {
    public func append(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try append($0) }
    }
}

/// Content-addressed storage for uploaded bytes.
public protocol BlobStore: Sendable {
    /// Starts receiving a blob of at most `limit` bytes.
    func makeWriter(limit: Int64) throws -> any BlobWriter
    /// Where the bytes of `sha256` live, or nil if they are not stored.
    func url(for sha256: String) -> URL?
    /// Removes the bytes of `sha256`, if present.
    func remove(_ sha256: String) throws
}

extension BlobStore {
    /// Streams `chunks` into the store (see ``BlobWriter``); partial data is removed on any error.
    public func write<S: AsyncSequence>(_ chunks: S, limit: Int64) async throws -> StoredBlob
        where S.Element == [UInt8] {
        let writer = try makeWriter(limit: limit)
        do {
            for try await bytes in chunks { try writer.append(bytes) }
            return try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }

    /// Copies a local file into the store.
    public func importFile(at url: URL, limit: Int64) throws -> StoredBlob {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw ZhikuError.notFound("cannot open '\(url.path)'")
        }
        defer { try? handle.close() }
        let writer = try makeWriter(limit: limit)
        do {
            while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                try data.withUnsafeBytes { try writer.append($0) }
            }
            return try writer.finish()
        } catch {
            writer.abort()
            if let error = error as? ZhikuError { throw error }
            throw ZhikuError(.storageFailed, "reading '\(url.path)' failed: \(error.localizedDescription)")
        }
    }
}
