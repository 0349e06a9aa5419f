import Foundation
import Testing

/// Documents written by the libraries that make them in the wild (python-docx, openpyxl, python-pptx, EbookLib),
/// and hostile containers, through `scripts/office-fixtures.py`. The libraries live in the test virtualenv
/// `scripts/setup.sh --tests` makes; without it a test that needs one is skipped.
public enum OfficeFixtures {
    /// The kinds the standard library writes (no virtualenv needed).
    static let standardLibraryKinds: Set<String> = ["bomb-docx", "dtd-docx", "truncated-docx", "fake-docx", "encrypted-doc", "rtf-wordpad-zh", "rtf-word"]

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The test virtualenv's Python.
    public static var venvPython: String {
        let cache = ProcessInfo.processInfo.environment["XDG_CACHE_HOME"] ?? NSHomeDirectory() + "/.cache"
        return cache + "/zhiku/test-venv/bin/python"
    }

    /// Writes a document of `kind` (see the script) as `name` in `folder` and returns its URL.
    public static func make(_ kind: String, named name: String, in folder: TemporaryFolder,
                            sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let python = standardLibraryKinds.contains(kind) ? "/usr/bin/python3" : venvPython
        if !FileManager.default.isExecutableFile(atPath: python) {
            try Skip.now("writing a \(kind) needs \(python) (scripts/setup.sh --tests makes it)", sourceLocation: sourceLocation)
        }
        let url = folder.url.appendingPathComponent(name)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [root.appendingPathComponent("scripts/office-fixtures.py").path, kind, url.path]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError(message: "office-fixtures.py \(kind) failed: \(message)")
        }
        return url
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
