import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Tells when anything below a folder changes (Linux inotify: created, written, moved, deleted), so a synced
/// folder is reconciled soon after an edit instead of at the next periodic rescan. Folders created later are
/// watched after the next ``watch(_:isIgnored:)``. Elsewhere (or past the kernel's watch limit) it reports nothing
/// and the periodic rescan alone keeps the folder in sync.
public final class FolderWatcher: @unchecked Sendable {
    private let descriptor: Int32

    public init() {
        #if os(Linux)
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        #else
        descriptor = -1
        #endif
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Whether changes can be watched here.
    public var isWatching: Bool { descriptor >= 0 }

    /// Watches `root` and every folder below it whose name is not ignored.
    public func watch(_ root: String, isIgnored: (String) -> Bool) {
        #if os(Linux)
        guard descriptor >= 0 else { return }
        let mask = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)
        var stack = [root]
        while let folder = stack.popLast() {
            // Adding a folder watched already changes nothing (the kernel keeps one watch per folder), so every call
            // simply adds them all: folders deleted and made again are watched again.
            if inotify_add_watch(descriptor, folder, mask) < 0 { continue }
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where !isIgnored(name) {
                let path = folder + "/" + name
                var info = stat()
                if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { stack.append(path) }
            }
        }
        #endif
    }

    /// Reads every pending event; true when there was one.
    public func changed() -> Bool {
        guard descriptor >= 0 else { return false }
        var any = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            any = true
        }
        return any
    }
}
