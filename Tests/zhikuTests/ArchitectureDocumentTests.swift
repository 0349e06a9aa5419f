import Foundation
import Testing
import ZhikuTestSupport

/// docs/ARCHITECTURE.md stays true: every path it names exists, and every module under Sources/ is in it.
@Suite struct ArchitectureDocumentTests {
    /// The paths written in backticks that start with one of the project's top folders.
    static func namedPaths(in text: String) -> [String] {
        let roots = ["Sources/", "Tests/", "Benchmarks/", "scripts/", "docs/", "deploy/"]
        return text.components(separatedBy: "`").enumerated()
            .filter { $0.offset % 2 == 1 }  // the text between a pair of backticks
            .map(\.element)
            .filter { piece in roots.contains { piece.hasPrefix($0) } && !piece.contains(" ") }
    }

    static func missing(_ paths: [String], under root: URL) -> [String] {
        paths.filter { !FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
    }

    @Test func everyPathItNamesExists() throws {
        let root = SharedEval.packageRoot()
        let text = try String(contentsOf: root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        let paths = Self.namedPaths(in: text)
        #expect(paths.count >= 30, "only \(paths.count) paths found")
        #expect(Self.missing(paths, under: root).isEmpty, "named but missing: \(Self.missing(paths, under: root))")
    }

    @Test func everyModuleIsOnTheMap() throws {
        let root = SharedEval.packageRoot()
        let text = try String(contentsOf: root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        let modules = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Sources").path)
        let absent = modules.filter { !text.contains("`Sources/\($0)`") }
        #expect(absent.isEmpty, "modules missing from docs/ARCHITECTURE.md: \(absent)")
    }

    /// The check itself: a renamed file is caught.
    @Test func aPathThatDoesNotExistIsCaught() {
        let paths = Self.namedPaths(in: "see `Sources/ZhikuCore/Store.swift` and `Sources/ZhikuCore/Gone.swift`, not `a b`")
        #expect(paths == ["Sources/ZhikuCore/Store.swift", "Sources/ZhikuCore/Gone.swift"])
        #expect(Self.missing(paths, under: SharedEval.packageRoot()) == ["Sources/ZhikuCore/Gone.swift"])
    }
}
