import Foundation
import Testing
import ZhikuTestSupport
@testable import ZhikuServer

/// The web UI's files as the server ships them: every asset the page names is served with its type, an ETag and
/// the Content-Security-Policy; unknown names and paths outside the folder are 404s.
@Suite struct WebAssetsTests {
    /// Every script asks for type checking, and TypeScript's checker finds nothing wrong: the JSDoc shapes of the
    /// server's JSON (`api.js`) against their uses, the DOM calls, the imports.
    @Test(.waitsOnProcesses) func theScriptsPassTheTypeChecker() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let web = root.appendingPathComponent("Sources/ZhikuServer/Web")
        for name in try FileManager.default.contentsOfDirectory(atPath: web.path) where name.hasSuffix(".js") {
            let source = try String(contentsOf: web.appendingPathComponent(name), encoding: .utf8)
            #expect(source.hasPrefix("// @ts-check\n"), "\(name) does not start with // @ts-check")
        }
        let tsc = ["/usr/bin/tsc", "/usr/local/bin/tsc"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tsc else { try Skip.now("the type check: tsc is not installed (scripts/setup.sh --tests installs node-typescript)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tsc)
        process.arguments = ["-p", root.appendingPathComponent("scripts/web-tsconfig.json").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "tsc found problems:\n\(text)")
    }

    @Test func servesThePageAndEveryModuleItImports() async throws {
        let server = try await TestServer()
        let page = try await server.request(.GET, "/")
        #expect(page.status == 200)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("<script type=\"module\" src=\"/assets/app.js\"></script>"))
        #expect(!html.contains("<script>"), "no inline script: the policy forbids it")

        // Follow the imports from app.js: each module exists and is JavaScript.
        var pending = ["app.js"], seen: Set<String> = []
        while let name = pending.popLast() {
            guard seen.insert(name).inserted else { continue }
            let reply = try await server.request(.GET, "/assets/\(name)")
            #expect(reply.status == 200, "\(name)")
            let source = String(decoding: reply.body, as: UTF8.self)
            for match in source.matches(of: /from '\.\/([a-z0-9]+\.js)'/) { pending.append(String(match.1)) }
        }
        #expect(seen.isSuperset(of: ["api.js", "chat.js", "dom.js", "i18n.js", "kb.js", "markdown.js", "panel.js", "settings.js"]))
        for name in ["app.css", "icon.svg"] { #expect(try await server.request(.GET, "/assets/\(name)").status == 200) }
        try await server.stop()
    }

    @Test func headersCachingAndMissingFiles() async throws {
        #expect(WebAssets.contentSecurityPolicy.contains("script-src 'self'"))
        #expect(!WebAssets.contentSecurityPolicy.contains("unsafe-inline"))
        let server = try await TestServer()
        let first = try await server.request(.GET, "/assets/app.js")
        #expect(first.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(first.headers["content-security-policy"] == WebAssets.contentSecurityPolicy)
        #expect(first.headers["x-content-type-options"] == "nosniff")
        let etag = try #require(first.headers["etag"])
        let again = try await server.request(.GET, "/assets/app.js", headers: [("If-None-Match", etag)])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)
        for path in ["/assets/nope.js", "/assets/..%2FWebAssets.swift", "/assets/.hidden"] {
            let missing = try await server.request(.GET, path)
            #expect(missing.status == 404, "\(path)")
            #expect(missing.errorCode == "not_found", "\(path)")
        }
        try await server.stop()
    }
}
