import AsyncHTTPClient
import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// Six hundred generated hostile HTTP requests — malformed and mistyped JSON, wrong content types, cross-site
/// origins, foreign host names, path tricks, oversized bodies and headers — each refused with a 4xx and a JSON
/// reason (or, for a header too large to parse, the connection closed), none answered with internals, nothing
/// created, and the server healthy after.
@Suite struct HostileRequestTests {
    struct Hostile {
        var what: String
        var method: TestServer.Method
        var path: String
        var body: [UInt8]?
        var headers: [(String, String)] = []
        /// Acceptable statuses.
        var expected: Set<Int>
    }

    /// The `i`-th hostile request (deterministic, so a failure can be replayed).
    static func hostile(_ i: Int, _ g: inout HostileUploadTests.Generator, port: Int) -> Hostile {
        let json = ("Content-Type", "application/json")
        let kbBody = Array(#"{"name": "hostile-\#(i)"}"#.utf8)
        switch i % 12 {
        case 0:
            let text = #"{"name": "kb-\#(i)", "embedding_model": "none"}"#
            return Hostile(what: "truncated JSON", method: .POST, path: "/api/kbs",
                           body: Array(text.utf8.prefix(1 + g.below(text.utf8.count - 2))), headers: [json], expected: [400])
        case 1:
            let bodies = [#"{"name": 12}"#, #"{"name": null}"#, #"["name"]"#, #"{"question": 5}"#, "\u{FEFF}{", "{\"name\": \"\u{0}\"}"]
            return Hostile(what: "mistyped JSON", method: .POST, path: ["/api/kbs", "/api/chat"][g.below(2)],
                           body: Array(bodies[g.below(bodies.count)].utf8), headers: [json], expected: [400])
        case 2:
            let types = ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "application/xml", "image/png", ""]
            let type = types[g.below(types.count)]
            return Hostile(what: "wrong content type '\(type)'", method: .POST, path: "/api/kbs", body: kbBody,
                           headers: type.isEmpty ? [] : [("Content-Type", type)], expected: [415])
        case 3:
            let origins = ["http://evil.example", "https://attacker-\(i).test", "null", "http://127.0.0.1:\(port + 1)", "file://"]
            return Hostile(what: "cross-site Origin", method: [.POST, .PUT, .PATCH, .DELETE][g.below(4)],
                           path: ["/api/kbs", "/api/settings", "/api/kbs/real", "/api/users"][g.below(4)], body: kbBody,
                           headers: [json, ("Origin", origins[g.below(origins.count)])], expected: [403])
        case 4:
            return Hostile(what: "cross-site fetch", method: .POST, path: "/api/kbs", body: kbBody,
                           headers: [json, ("Sec-Fetch-Site", ["cross-site", "same-site"][g.below(2)])], expected: [403])
        case 5:
            let hosts = ["evil.example", "zhiku.test.evil.example", "127.0.0.1.nip.io", "attacker-\(i).test:\(port)", "[::2]:\(port)"]
            return Hostile(what: "foreign Host", method: .GET, path: ["/api/kbs", "/api/audit", "/api/users"][g.below(3)],
                           headers: [("Host", hosts[g.below(hosts.count)])], expected: [403])
        case 6:
            let paths = ["/assets/..%2f..%2f..%2fetc%2fpasswd", "/assets/%2e%2e/%2e%2e/etc/passwd", "/api/kbs/..%2f..%2fetc/files/1/pages",
                         "/api/kbs/real/files/..%2f1", "/assets/app.js%00.png", "/api/jobs/-1", "/api/jobs/99999999999999999999",
                         "/api/kbs/real/files/abc/pages", "/api/conversations/1%20OR%201=1", "/api/kbs/%00"]
            return Hostile(what: "path trick", method: .GET, path: paths[g.below(paths.count)], expected: [400, 404])
        case 7:
            let size = (3 << 20) + g.below(1 << 20)
            let body = Array(#"{"name": ""#.utf8) + [UInt8](repeating: 0x61, count: size) + Array(#""}"#.utf8)
            return Hostile(what: "oversized JSON body", method: .POST, path: ["/api/kbs", "/api/chat"][g.below(2)], body: body,
                           headers: [json], expected: [400, 413])
        case 8:
            let bodies = [#"{"question": ""}"#, #"{"kb": "real", "question": "q", "k": -3}"#, #"{"kb": "nope-\#(i)", "question": "q"}"#,
                          #"{"kb": "real", "question": "q", "max_tokens": 0}"#, #"{"question": "q", "model": "/etc/passwd.gguf"}"#,
                          #"{"kb": "real", "question": "q", "mode": "telepathy"}"#]
            return Hostile(what: "invalid question", method: .POST, path: "/api/chat", body: Array(bodies[g.below(bodies.count)].utf8),
                           headers: [json], expected: [400, 404])
        case 9:
            let bodies = [#"{"role": "king"}"#, #"{"role": "owner", "extra": "#, #"{}"#]
            return Hostile(what: "bad grant", method: .PUT, path: "/api/kbs/real/members/nobody-\(i)",
                           body: Array(bodies[g.below(bodies.count)].utf8), headers: [json], expected: [400, 404])
        case 10:
            return Hostile(what: "bad settings", method: .PUT, path: "/api/settings",
                           body: Array([#"{"k": -1}"#, #"{"k": "ten"}"#, #"{"no_answer_threshold": 7}"#, "[]"][g.below(4)].utf8),
                           headers: [json], expected: [400])
        default:
            let bodies = [#"{"provider": "openai", "model": "m", "base_url": "file:///etc/passwd"}"#,
                          #"{"provider": "openai", "model": "m", "base_url": "http://x", "api_key_env": "ZHIKU_DATABASE_URL"}"#,
                          #"{"provider": "magic", "model": "m"}"#, #"{"provider": "builtin", "model": ""}"#]
            return Hostile(what: "bad model setting", method: .PUT, path: "/api/models/chat/hostile-\(i)",
                           body: Array(bodies[g.below(bodies.count)].utf8), headers: [json], expected: [400])
        }
    }

    @Test func sixHundredHostileRequestsAreRefusedWithAReason() async throws {
        let server = try await TestServer(auth: true, configure: { $0.allowedHosts = ["zhiku.test"] })
        defer { Task { try? await server.stop() } }
        _ = try await server.runtime.createFirstAdmin()
        let admin = try #require(try await server.runtime.accounts.user(named: "admin"))
        let key = try await server.runtime.createAPIKey(for: admin, name: "").0
        let auth = ("Authorization", "Bearer \(key)")
        #expect(try await server.request(.POST, "/api/kbs", body: Array(#"{"name": "real", "embedding_model": "none"}"#.utf8),
                                         headers: [auth, ("Content-Type", "application/json")]).status == 201)
        var g = HostileUploadTests.Generator(state: 18)
        var failures: [String] = []
        for i in 0..<600 {
            let h = Self.hostile(i, &g, port: server.port)
            let reply = try await server.request(h.method, h.path, body: h.body, headers: [auth] + h.headers)
            let text = String(decoding: reply.body.prefix(4096), as: UTF8.self)
            let error = reply.json["error"] as? [String: Any]
            let reason = (error?["message"] as? String) ?? ""
            if !h.expected.contains(reply.status) || error?["code"] == nil || reason.isEmpty {
                failures.append("#\(i) \(h.what) \(h.method) \(h.path.prefix(60)): \(reply.status) \(text.prefix(160))")
            }
            for secret in ["root:x:0", "/root/", ".cache/zhiku", "SELECT ", "sqlite", key] where text.contains(secret) {
                failures.append("#\(i) \(h.what): the answer shows '\(secret)'")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) requests not refused as expected:\n\(failures.prefix(20).joined(separator: "\n"))")

        // Headers too large to parse end the connection instead of reaching a route.
        let huge = try await HostileUploadTests.rawRequest(port: server.port,
            "GET /api/kbs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(String(repeating: "h", count: 200 << 10))\r\n\r\n")
        #expect(!huge.hasPrefix("HTTP/1.1 2"), "\(huge.prefix(80))")

        // Nothing was created, nothing was lost, and the server answers as before.
        let listed = try await server.request(.GET, "/api/kbs", headers: [auth])
        let names = (listed.json["knowledge_bases"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["real"], "\(String(describing: names))")
        #expect((try await server.request(.GET, "/api/users", headers: [auth]).json["users"] as? [Any])?.count == 1)
        #expect(try await server.request(.GET, "/healthz").status == 200)
        #expect(try await server.request(.GET, "/api/kbs/real", headers: [auth]).status == 200)
    }
}
