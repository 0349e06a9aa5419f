import Foundation
import ZhikuCore

/// ``BlobStore`` in a folder: `blobs/ab/abcdef…` by SHA-256, with uploads streamed into `tmp/` first and
/// moved into place only when complete, so a crash or a rejected upload never leaves a partial blob.
public struct DiskBlobStore: BlobStore {
    public let root: URL
    private let temporary: URL

    /// Uses `<dataFolder>/blobs` and `<dataFolder>/tmp`, creating them if needed.
    public init(dataFolder: URL) throws {
        root = dataFolder.appendingPathComponent("blobs", isDirectory: true)
        temporary = dataFolder.appendingPathComponent("tmp", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        } catch {
            throw ZhikuError(.storageFailed, "cannot create the blob folders under \(dataFolder.path): \(error)")
        }
    }

    public func makeWriter(limit: Int64) throws -> any BlobWriter {
        try DiskBlobWriter(temporary: temporary, limit: limit) { self.path(for: $0) }
    }

    public func url(for sha256: String) -> URL? {
        guard Self.isDigest(sha256) else { return nil }
        let p = path(for: sha256)
        return FileManager.default.fileExists(atPath: p.path) ? p : nil
    }

    public func remove(_ sha256: String) throws {
        guard Self.isDigest(sha256) else { return }
        let p = path(for: sha256)
        if FileManager.default.fileExists(atPath: p.path) {
            try FileManager.default.removeItem(at: p)
        }
    }

    /// Removes partial uploads a stopped process left in `tmp/`: those not written to for `age` (several processes
    /// may share the folder, and another one's upload in progress is left alone).
    public func clearTemporary(notWrittenFor age: TimeInterval = 600) {
        let items = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for item in items where item.hasSuffix(".part") {
            let url = temporary.appendingPathComponent(item)
            let modified = (try? FileManager.default.attributesOfItem(atPath: url.path)[.modificationDate] as? Date) ?? .distantPast
            if modified < Date().addingTimeInterval(-age) { try? FileManager.default.removeItem(at: url) }
        }
    }

    private func path(for sha256: String) -> URL {
        root.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }

    private static func isDigest(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ("0"..."9").contains(Character(UnicodeScalar($0))) || ("a"..."f").contains(Character(UnicodeScalar($0))) }
    }

    /// "1 GiB", "512 KiB", "10 bytes".
    public static func describe(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : "\(String(format: "%.4g", value)) \(units[unit])"
    }
}

/// Writes one upload into a `.part` file, hashing as it goes.
final class DiskBlobWriter: BlobWriter {
    private let partial: URL
    private let handle: FileHandle
    private let limit: Int64
    private let destination: (String) -> URL
    private let hasher = SHA256Hasher()
    private var size: Int64 = 0
    private var head: [UInt8] = []
    private var closed = false

    init(temporary: URL, limit: Int64, destination: @escaping (String) -> URL) throws {
        partial = temporary.appendingPathComponent(UUID().uuidString + ".part")
        guard FileManager.default.createFile(atPath: partial.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw ZhikuError(.storageFailed, "cannot create a temporary file in \(temporary.path)")
        }
        self.handle = handle
        self.limit = limit
        self.destination = destination
    }

    deinit { abort() }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        precondition(!closed, "append after finish or abort")
        guard !bytes.isEmpty else { return }
        size += Int64(bytes.count)
        if size > limit {
            abort()
            throw ZhikuError(.tooLarge, "the upload is larger than the limit of \(DiskBlobStore.describe(limit))")
        }
        if head.count < MediaTypeHeadLength {
            head.append(contentsOf: bytes.prefix(MediaTypeHeadLength - head.count))
        }
        hasher.update(bytes)
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            abort()
            throw Self.writeFailure(error)
        }
    }

    /// A failed write as the error a client can act on: 507 when the disk is full, else a storage failure.
    static func writeFailure(_ error: any Error) -> ZhikuError {
        let nsError = error as NSError
        let full = (nsError.domain == NSPOSIXErrorDomain && nsError.code == Int(ENOSPC))
            || (error as? CocoaError)?.code == .fileWriteOutOfSpace
            || (nsError.userInfo[NSUnderlyingErrorKey] as? NSError).map { $0.domain == NSPOSIXErrorDomain && $0.code == Int(ENOSPC) } == true
        if full {
            return ZhikuError(.insufficientStorage, "the server's disk is full; the upload was discarded (nothing was kept)")
        }
        return ZhikuError(.storageFailed, "writing the upload failed: \(error.localizedDescription)")
    }

    func finish() throws -> StoredBlob {
        precondition(!closed, "finish after finish or abort")
        guard size > 0 else {
            abort()
            throw ZhikuError.invalidInput("the upload is empty (0 bytes)")
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            abort()
            throw Self.writeFailure(error)
        }
        closed = true
        let sha256 = hasher.finalize()
        let target = destination(sha256)
        var isNew = false
        do {
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: target.path) {
                try FileManager.default.removeItem(at: partial)
            } else if rename(partial.path, target.path) != 0 {
                throw ZhikuError(.storageFailed, "cannot move the upload into place: errno \(errno)")
            } else {
                isNew = true
            }
        } catch {
            try? FileManager.default.removeItem(at: partial)
            if let error = error as? ZhikuError { throw error }
            throw ZhikuError(.storageFailed, "storing the upload failed: \(error)")
        }
        return StoredBlob(sha256: sha256, size: size, url: target, head: head, isNew: isNew)
    }

    func abort() {
        guard !closed else { return }
        closed = true
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
    }
}

/// How many leading bytes a stored blob keeps for media-type sniffing.
let MediaTypeHeadLength = 65_536
