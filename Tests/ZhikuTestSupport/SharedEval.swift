import Foundation
import Testing

/// Finds `../shared/eval` (reference data beside the project checkout). Absent on a user's machine: the tests that
/// need it are skipped with a visible reason (``skip(_:)``).
public enum SharedEval {
    /// The folder, or nil when it is not there. `ZHIKU_SHARED_EVAL` overrides the location.
    public static func folder(_ sub: String = "", file: StaticString = #filePath) -> URL? {
        let root: URL
        if let override = ProcessInfo.processInfo.environment["ZHIKU_SHARED_EVAL"] {
            root = URL(fileURLWithPath: override, isDirectory: true)
        } else {
            root = packageRoot(file: file).deletingLastPathComponent()
                .appendingPathComponent("shared/eval", isDirectory: true)
        }
        let url = sub.isEmpty ? root : root.appendingPathComponent(sub)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Skips the running test with the standard reason: "skipped: ../shared/eval not found (what)".
    public static func skip(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Never {
        try Skip.now("../shared/eval not found (\(what))", sourceLocation: sourceLocation)
    }

    /// The development QA set's three documents, fetched from Debian's packages by the set's own fetch.sh into
    /// the cache (checked by sha256) when they are not there yet; skips the test when the set is absent or the
    /// fetch fails.
    public static func qaDocuments(sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        guard let qa = folder("qa") else { try skip("qa set", sourceLocation: sourceLocation) }
        let cache = URL(fileURLWithPath: ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache")
            .appendingPathComponent("zhiku/qa-docs")
        if !FileManager.default.fileExists(atPath: cache.appendingPathComponent("LinuxCNC_Developer_zh_CN.pdf").path) {
            let fetch = Process()
            fetch.executableURL = URL(fileURLWithPath: "/bin/bash")
            fetch.arguments = [qa.appendingPathComponent("fetch.sh").path, cache.path]
            fetch.standardOutput = FileHandle.nullDevice
            try fetch.run()
            fetch.waitUntilExit()
            guard fetch.terminationStatus == 0 else {
                try Skip.now("the QA documents could not be fetched from Debian (fetch.sh exit \(fetch.terminationStatus))",
                             sourceLocation: sourceLocation)
            }
        }
        return cache
    }

    /// The package root (the folder holding Package.swift), from a source file path inside Tests/.
    public static func packageRoot(file: StaticString = #filePath) -> URL {
        var url = URL(fileURLWithPath: "\(file)")
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }
}
