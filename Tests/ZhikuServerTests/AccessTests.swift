import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// Sign-in and access per knowledge base over real HTTP: a knowledge base a user holds no role in is invisible in
/// every endpoint family (404 without its name, absent from lists); a viewer reads but cannot change; an editor
/// uploads; a revoked key stops at once; a browser session needs its CSRF token; wrong passwords are rate-limited.
@Suite struct AccessTests {
    func bearer(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }

    @Test func knowledgeBasesAreInvisibleWithoutARoleAndRolesLimitWhatMembersDo() async throws {
        let server = try await TestServer(auth: true)
        let runtime = server.runtime
        let password = try #require(try await runtime.createFirstAdmin())
        #expect(try await runtime.createFirstAdmin() == nil, "only the first start creates an admin")
        let admin = try #require(try await runtime.accounts.user(named: "admin"))
        #expect(admin.role == .admin)
        #expect(Secret.verify(password, against: try #require(try await runtime.accounts.credentials(named: "admin")).1))
        let (adminKey, _) = try await runtime.createAPIKey(for: admin, name: "test")

        // Nothing without credentials but the page, its files and the health check.
        let anonymous = try await server.request(.GET, "/api/kbs")
        #expect(anonymous.status == 401)
        #expect(anonymous.errorCode == "unauthorized")
        #expect(try await server.request(.GET, "/").status == 200)
        #expect(try await server.request(.GET, "/assets/app.js").status == 200)
        #expect(try await server.request(.GET, "/healthz").status == 200)
        #expect(try await server.request(.GET, "/api/kbs", headers: bearer("zk_not-a-key")).status == 401)

        // Users are made by the admin; members may not.
        for name in ["alice", "bob"] {
            let made = try await server.call(.POST, "/api/users", key: adminKey, ["name": name, "password": "correct horse \(name)"])
            #expect(made.status == 201, "\(made.json)")
        }
        let alice = try #require(try await runtime.accounts.user(named: "alice"))
        let bob = try #require(try await runtime.accounts.user(named: "bob"))
        let aliceKey = try await runtime.createAPIKey(for: alice, name: "").0
        let (bobKey, bobKeyRecord) = try await runtime.createAPIKey(for: bob, name: "laptop")
        #expect(try await server.call(.GET, "/api/users", key: bobKey).status == 403)
        #expect(try await server.call(.PUT, "/api/settings", key: bobKey, ["k": 3]).status == 403)
        #expect(try await server.call(.PUT, "/api/models/default", key: bobKey, ["chat_model": "x"]).status == 403)

        // Alice's knowledge base, with a file and an answered question.
        let kb = try #require(try await server.call(.POST, "/api/kbs", key: aliceKey, ["name": "alice-hr"]).json["id"] as? Int)
        let form = TestServer.multipart([("canteen.txt", Array("The canteen opens at noon and closes at two.".utf8))])
        let upload = try await server.request(.POST, "/api/kbs/alice-hr/files", body: form.body,
                                              headers: bearer(aliceKey) + [("Content-Type", form.contentType)])
        #expect(upload.status == 202)
        let uploaded = try #require((upload.json["uploads"] as? [[String: Any]])?.first)
        let job = try #require((uploaded["job"] as? [String: Any])?["id"] as? Int)
        let file = try #require((uploaded["file"] as? [String: Any])?["id"] as? Int)
        #expect(try await server.waitForJob(job, timeout: .seconds(600), headers: bearer(aliceKey))["status"] as? String == "succeeded")
        let asked = TestServer.events(try await server.call(.POST, "/api/chat", key: aliceKey, [
            "kb": "alice-hr", "question": "When does the canteen open?", "mode": "extractive"]).body)
        let conversation = try #require(asked.last?.data["conversation_id"] as? Int)

        // Bob holds no role: every family answers as if it did not exist, and lists leave it out.
        let hidden: [(TestServer.Method, String, [String: Any]?)] = [
            (.GET, "/api/kbs/alice-hr", nil), (.GET, "/api/kbs/\(kb)", nil), (.PATCH, "/api/kbs/\(kb)", ["name": "mine"]),
            (.DELETE, "/api/kbs/\(kb)", nil), (.GET, "/api/kbs/\(kb)/files", nil), (.GET, "/api/kbs/\(kb)/files/\(file)", nil),
            (.GET, "/api/kbs/\(kb)/files/\(file)/pages", nil), (.DELETE, "/api/kbs/\(kb)/files/\(file)", nil),
            (.GET, "/api/kbs/\(kb)/jobs", nil), (.GET, "/api/jobs/\(job)", nil), (.POST, "/api/jobs/\(job)/retry", nil),
            (.GET, "/api/kbs/\(kb)/search?q=canteen", nil), (.POST, "/api/kbs/\(kb)/files?name=x.txt", nil),
            (.POST, "/api/chat", ["kb": "\(kb)", "question": "When does the canteen open?"]),
            (.GET, "/api/conversations/\(conversation)", nil), (.DELETE, "/api/conversations/\(conversation)", nil),
            (.GET, "/api/audit?kb=\(kb)", nil), (.GET, "/api/kbs/\(kb)/members", nil),
            (.POST, "/v1/chat/completions", ["model": "kb:alice-hr", "messages": [["role": "user", "content": "canteen?"]]]),
        ]
        for (method, path, body) in hidden {
            let reply = try await server.call(method, path, key: bobKey, body)
            #expect(reply.status == 404, "\(method) \(path): \(reply.status)")
            // Only a caller who named it hears its name back.
            let named = path.contains("alice-hr") || "\(body ?? [:])".contains("alice-hr")
            let text = String(decoding: reply.body, as: UTF8.self)
            #expect(named || !text.contains("alice-hr"), "\(method) \(path) names the knowledge base: \(text)")
        }
        let byID = String(decoding: try await server.call(.GET, "/api/kbs/\(kb)", key: bobKey).body, as: UTF8.self)
        #expect(!byID.contains("alice-hr"), "a 404 by id does not reveal the name: \(byID)")
        #expect((try await server.call(.GET, "/api/kbs", key: bobKey).json["knowledge_bases"] as? [Any])?.isEmpty == true)
        let models = try await server.call(.GET, "/v1/models", key: bobKey).json["data"] as? [[String: Any]] ?? []
        #expect(!models.contains { $0["id"] as? String == "kb:alice-hr" })
        #expect((try await server.call(.GET, "/api/conversations", key: bobKey).json["conversations"] as? [Any])?.isEmpty == true)
        #expect((try await server.call(.GET, "/api/audit", key: bobKey).json["entries"] as? [Any])?.isEmpty == true)
        #expect((try await server.call(.GET, "/api/audit", key: adminKey).json["entries"] as? [Any])?.count == 1)

        // Viewer: reads, cannot change.
        #expect(try await server.call(.PUT, "/api/kbs/\(kb)/members/bob", key: bobKey, ["role": "owner"]).status == 404)
        #expect(try await server.call(.PUT, "/api/kbs/\(kb)/members/bob", key: aliceKey, ["role": "viewer"]).status == 200)
        #expect(try await server.call(.GET, "/api/kbs/\(kb)/search?q=canteen", key: bobKey).status == 200)
        #expect(try await server.call(.GET, "/api/kbs/\(kb)/files/\(file)/pages", key: bobKey).status == 200)
        // A viewer reads the knowledge base, not its other users' questions (HardeningTests.privacyAndDisclosure).
        #expect((try await server.call(.GET, "/api/audit", key: bobKey).json["entries"] as? [Any])?.isEmpty == true)
        for (method, path, body) in [(TestServer.Method.DELETE, "/api/kbs/\(kb)/files/\(file)", nil as [String: Any]?),
                                     (.PATCH, "/api/kbs/\(kb)", ["name": "mine"]), (.DELETE, "/api/kbs/\(kb)", nil),
                                     (.POST, "/api/jobs/\(job)/retry", nil), (.GET, "/api/kbs/\(kb)/members", nil),
                                     (.POST, "/api/kbs/\(kb)/files?name=x.txt", nil)] {
            let reply = try await server.call(method, path, key: bobKey, body)
            #expect(reply.status == 403, "viewer: \(method) \(path): \(reply.status)")
            #expect(reply.errorCode == "forbidden")
        }

        // Editor: uploads.
        #expect(try await server.call(.PUT, "/api/kbs/\(kb)/members/bob", key: aliceKey, ["role": "editor"]).status == 200)
        let added = try await server.request(.POST, "/api/kbs/\(kb)/files?name=note.txt", body: Array("Parking is free.".utf8),
                                             headers: bearer(bobKey))
        #expect(added.status == 202)

        // A revoked key stops working at once.
        #expect(try await server.call(.DELETE, "/api/keys/\(bobKeyRecord.id)", key: bobKey).status == 204)
        #expect(try await server.call(.GET, "/api/kbs", key: bobKey).status == 401)
        try await server.stop()
    }

    @Test func browserSessionsNeedTheirCSRFTokenAndWrongPasswordsAreLimited() async throws {
        let server = try await TestServer(auth: true)
        let password = try #require(try await server.runtime.createFirstAdmin())
        let wrong = try await server.json(.POST, "/api/login", ["name": "admin", "password": "guess-1234"])
        #expect(wrong.status == 401)
        let login = try await server.json(.POST, "/api/login", ["name": "admin", "password": password])
        #expect(login.status == 200)
        let cookie = try #require(login.headers["set-cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let session = String(cookie.split(separator: ";")[0])
        let csrf = try #require(login.json["csrf_token"] as? String)

        let me = try await server.request(.GET, "/api/me", headers: [("Cookie", session)])
        #expect((me.json["user"] as? [String: Any])?["name"] as? String == "admin")
        #expect(me.json["csrf_token"] as? String == csrf)
        let body = Array(try JSONSerialization.data(withJSONObject: ["name": "hr"]))
        let forged = try await server.request(.POST, "/api/kbs", body: body, headers: [("Cookie", session), ("Content-Type", "application/json")])
        #expect(forged.status == 403, "a changing request without the CSRF token is refused")
        let made = try await server.request(.POST, "/api/kbs", body: body,
                                            headers: [("Cookie", session), ("Content-Type", "application/json"), ("X-CSRF-Token", csrf)])
        #expect(made.status == 201)
        #expect(try await server.request(.POST, "/api/logout", headers: [("Cookie", session), ("X-CSRF-Token", csrf)]).status == 204)
        let signedOut = try await server.request(.GET, "/api/me", headers: [("Cookie", session)])
        #expect(signedOut.status == 200 && signedOut.json["user"] == nil && signedOut.json["auth"] as? Bool == true)
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", session)]).status == 401)

        // Five wrong passwords for one name from one address (a success clears the count), then even the right
        // one waits.
        for _ in 0..<5 { _ = try await server.json(.POST, "/api/login", ["name": "admin", "password": "guess-5678"]) }
        let limited = try await server.json(.POST, "/api/login", ["name": "admin", "password": password])
        #expect(limited.status == 429)
        #expect(limited.errorCode == "too_many_requests")
        try await server.stop()
    }
}
