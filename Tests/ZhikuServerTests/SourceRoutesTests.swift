import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport

/// Synced folders over real HTTP with the server's background watcher: added by an admin, ingested, an edit on disk
/// picked up by inotify without asking, a sync on demand, bad folders refused, the source removed with its files.
@Suite struct SourceRoutesTests {
    func write(_ docs: URL, _ path: String, _ text: String) throws {
        let url = docs.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Polls `condition` every 200 ms for up to `seconds`.
    func eventually(_ seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    @Test func aFolderIsSyncedAndWatched() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let docs = server.folder.url.appendingPathComponent("shared-docs")
        try write(docs, "policies/leave.txt", "Annual leave must be requested one week in advance.")
        try write(docs, "policies/canteen.txt", "The canteen opens at noon.")
        let kb = try await server.json(.POST, "/api/kbs", ["name": "synced"]).json["id"] as! Int

        #expect(try await server.json(.POST, "/api/kbs/\(kb)/sources", ["path": "relative/folder"]).status == 400)
        #expect(try await server.json(.POST, "/api/kbs/\(kb)/sources", ["path": "/no/such/folder"]).status == 400)
        let added = try await server.json(.POST, "/api/kbs/\(kb)/sources", ["path": docs.path, "ignore": ["*.bak"]])
        #expect(added.status == 201, "\(added.json)")
        let source = try #require(added.json["id"] as? Int)
        #expect(try await server.json(.POST, "/api/kbs/\(kb)/sources", ["path": docs.path]).status == 409)

        func status() async throws -> [String: Any] {
            (try await server.request(.GET, "/api/kbs/\(kb)/sources").json["sources"] as? [[String: Any]])?.first ?? [:]
        }
        func top(_ query: String) async throws -> String? {
            let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let hits = try await server.request(.GET, "/api/kbs/\(kb)/search?q=\(q)&k=1&mode=keyword").json["hits"] as? [[String: Any]]
            return hits?.first?["text"] as? String
        }
        let ingested = try await eventually { let s = try await status(); return s["files"] as? Int == 2 && s["pending"] as? Int == 0 }
        let shown = try await status()
        #expect(ingested, "both files ingested: \(shown)")
        #expect(try await top("canteen")?.contains("noon") == true)
        let files = try await server.request(.GET, "/api/kbs/\(kb)/files").json["files"] as? [[String: Any]] ?? []
        #expect(Set(files.compactMap { $0["path"] as? String }) == ["policies/leave.txt", "policies/canteen.txt"])
        #expect(files.allSatisfy { $0["source_id"] as? Int == source && ($0["tags"] as? [String]) == ["policies"] })

        // Edited on disk: the watcher sees it and syncs without being asked. (Its own first sync of a new source
        // comes within a second; after three the next periodic one is five minutes away, so only inotify's report
        // of the change can bring the edit in within the 30 s waited for.)
        try await Task.sleep(for: .seconds(3))
        let before = try await status()["last_sync_at"] as? String
        try write(docs, "policies/canteen.txt", "The canteen now opens at eleven thirty.")
        try write(docs, "policies/old.bak", "ignored by the source's own pattern")
        #expect(try await eventually(30) { try await top("canteen")?.contains("eleven thirty") == true }, "the edit reached the index")
        #expect(try await status()["last_sync_at"] as? String != before)
        #expect(try await eventually { try await status()["pending"] as? Int == 0 })

        // On demand: nothing left to do, and the report says so.
        let synced = try await server.request(.POST, "/api/kbs/\(kb)/sources/\(source)/sync")
        #expect(synced.status == 200)
        let report = synced.json["report"] as? [String: Any]
        #expect(report?["seen"] as? Int == 2 && report?["unchanged"] as? Int == 2 && report?["added"] as? Int == 0, "\(synced.json)")
        #expect(try await server.request(.POST, "/api/kbs/\(kb)/sources/999/sync").status == 404)

        // Removed with its files.
        #expect(try await server.request(.DELETE, "/api/kbs/\(kb)/sources/\(source)").status == 204)
        #expect((try await server.request(.GET, "/api/kbs/\(kb)/files").json["files"] as? [[String: Any]])?.isEmpty == true)
        #expect((try await server.request(.GET, "/api/kbs/\(kb)/sources").json["sources"] as? [[String: Any]])?.isEmpty == true)
    }

    @Test func onlyAnAdminAddsAFolder() async throws {
        let server = try await TestServer(auth: true)
        defer { Task { try? await server.stop() } }
        _ = try await server.runtime.createFirstAdmin()
        let admin = try #require(try await server.runtime.accounts.user(named: "admin"))
        let (adminKey, _) = try await server.runtime.createAPIKey(for: admin, name: "t")
        #expect(try await server.call(.POST, "/api/users", key: adminKey, ["name": "ana", "password": "correct horse ana"]).status == 201)
        let anaKey = try await server.runtime.createAPIKey(for: try #require(try await server.runtime.accounts.user(named: "ana")), name: "t").0
        #expect(try await server.call(.POST, "/api/kbs", key: anaKey, ["name": "mine"]).status == 201)
        let refused = try await server.call(.POST, "/api/kbs/mine/sources", key: anaKey, ["path": "/etc"])
        #expect(refused.status == 403, "a member may not read the server's folders")
    }
}
