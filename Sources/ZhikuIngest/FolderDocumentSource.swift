import Foundation
#if canImport(Glibc)
import Glibc
#endif
import ZhikuCore

/// ``DocumentSource`` for a folder on this machine (local or mounted): every regular file below it, recursively,
/// except names matching an ignore pattern (shell globs, matched against each path component: `.git` is skipped with
/// everything in it by `.*`). Symbolic links are not followed, so a sync never leaves the folder.
public struct FolderDocumentSource: DocumentSource {
    public let root: URL
    public let ignore: [String]

    public init(path: String, ignore: [String] = KnowledgeSource.defaultIgnored) {
        root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        self.ignore = ignore
    }

    /// The folder of a folder source, skipping the default ignored names and the source's own patterns.
    public init(_ source: KnowledgeSource) {
        self.init(path: source.location, ignore: KnowledgeSource.defaultIgnored + source.ignore)
    }

    /// Whether a path component is ignored.
    public func isIgnored(_ name: String) -> Bool {
        ignore.contains { fnmatch($0, name, 0) == 0 }
    }

    public func scan() async throws -> [SourceEntry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ZhikuError.notFound("the folder \(root.path) does not exist (or is not a folder)")
        }
        var entries: [SourceEntry] = []
        try walk(root, relative: "", into: &entries)
        return entries.sorted { $0.path < $1.path }
    }

    private func walk(_ folder: URL, relative: String, into entries: inout [SourceEntry]) throws {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
            throw ZhikuError(.storageFailed, "cannot list \(folder.path): \(error.localizedDescription)")
        }
        for name in names where !isIgnored(name) {
            let url = folder.appendingPathComponent(name)
            let path = relative.isEmpty ? name : relative + "/" + name
            var info = stat()
            guard lstat(url.path, &info) == 0 else { continue }  // vanished meanwhile
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(url, relative: path, into: &entries)
            case S_IFREG:
                entries.append(SourceEntry(path: path, size: Int64(info.st_size),
                                           modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9))
            default: continue  // links, sockets, devices
            }
        }
    }

    public func localFile(_ path: String) async throws -> URL {
        guard !path.split(separator: "/").contains(".."), !path.hasPrefix("/") else {
            throw ZhikuError.invalidInput("'\(path)' is not a path inside \(root.path)")
        }
        return root.appendingPathComponent(path)
    }

    /// The SHA-256 of a file, read in 1 MiB pieces.
    public static func sha256(of url: URL) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { throw ZhikuError.notFound("cannot open '\(url.path)'") }
        defer { try? handle.close() }
        let hasher = SHA256Hasher()
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            data.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }
}
