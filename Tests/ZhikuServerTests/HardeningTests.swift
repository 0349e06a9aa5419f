import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuTestSupport
@testable import ZhikuServer

/// Findings of the security review, each reproduced against a running server: what a member, an unauthenticated
/// caller or a careless setting could do before, refused now with a clear 4xx while the server keeps serving.
@Suite struct HardeningTests {
    func bearer(_ key: String) -> [(String, String)] { [("Authorization", "Bearer \(key)")] }

    /// A server with sign-in on, its first admin, and an API key for that admin.
    func signedInServer(configure: (inout ZhikuConfiguration) -> Void = { _ in }) async throws -> (TestServer, adminKey: String) {
        let server = try await TestServer(auth: true, configure: configure)
        _ = try await server.runtime.createFirstAdmin()
        let admin = try #require(try await server.runtime.accounts.user(named: "admin"))
        return (server, try await server.runtime.createAPIKey(for: admin, name: "").0)
    }

    /// Makes the member `name` (through the API, as the admin) and returns an API key of theirs.
    func member(_ name: String, password: String, on server: TestServer, adminKey: String) async throws -> String {
        let made = try await server.call(.POST, "/api/users", key: adminKey, ["name": name, "password": password])
        #expect(made.status == 201, "\(made.json)")
        return try await server.runtime.createAPIKey(for: try #require(try await server.runtime.accounts.user(named: name)), name: "").0
    }

    /// Finding 5: a `model` ending in `.gguf` was loaded from any path and kept in memory (memory exhaustion, a
    /// file-existence oracle, a bypass of the admin-only model settings). Requests may name configured and built-in
    /// models only; a path is refused before anything is read, with the same answer whether the file exists or not.
    @Test func anyMemberCanLoadAnyFileAsAModel() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let folder = TemporaryFolder()
        let existing = folder.url.appendingPathComponent("weights.gguf")
        try Data("GGUF not really".utf8).write(to: existing)
        let missing = folder.url.appendingPathComponent("nothing-here.gguf").path
        var messages: [String] = []
        for path in [existing.path, missing] {
            let chat = try await server.call(.POST, "/api/chat", ["question": "hi", "model": path])
            #expect(chat.status == 400, "\(chat.json)")
            #expect(chat.errorCode == "invalid_input")
            let message = ((chat.json["error"] as? [String: Any])?["message"] as? String) ?? ""
            messages.append(message.replacingOccurrences(of: path, with: "PATH"))
            let openAI = try await server.call(.POST, "/v1/chat/completions",
                                        ["model": path, "messages": [["role": "user", "content": "hi"]]])
            #expect(openAI.status == 400, "\(openAI.json)")
        }
        #expect(messages.count == 2 && messages[0] == messages[1], "the answer does not tell whether the file exists: \(messages)")
        #expect(messages.first?.contains("added by an admin") == true)
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 7: any viewer read every user's questions and answers in the audit log; `/readyz` (no sign-in)
    /// showed model paths; `/api/models` showed members the model servers' addresses; `api_key_env` could name any
    /// server variable (the database URL, sent as a Bearer token to a server of the admin's choosing).
    @Test func privacyAndDisclosure() async throws {
        let (server, adminKey) = try await signedInServer()
        defer { Task { try? await server.stop() } }
        var keys: [String: String] = [:]
        for name in ["olga", "victor", "vera"] {
            keys[name] = try await member(name, password: "long enough \(name)", on: server, adminKey: adminKey)
        }
        #expect(try await server.call(.POST, "/api/kbs", key: keys["olga"], ["name": "team", "embedding_model": "none"]).status == 201)
        for (name, role) in [("victor", "viewer"), ("vera", "editor")] {
            #expect(try await server.call(.PUT, "/api/kbs/team/members/\(name)", key: keys["olga"], ["role": role]).status == 200)
        }
        let upload = try await server.request(.POST, "/api/kbs/team/files?name=pay.txt", body: Array("Salaries are paid on the 25th.".utf8),
                                              headers: bearer(keys["olga"]!))
        let job = try #require(((upload.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? Int)
        #expect(try await server.waitForJob(job, timeout: .seconds(600), headers: bearer(keys["olga"]!))["status"] as? String == "succeeded")
        for (name, question) in [("victor", "When is my salary paid?"), ("vera", "Are salaries paid monthly?")] {
            let reply = try await server.call(.POST, "/api/chat", key: keys[name], ["kb": "team", "question": question, "mode": "extractive"])
            #expect(reply.status == 200)
        }
        func questions(_ key: String?, _ query: String = "") async throws -> [String] {
            let reply = try await server.call(.GET, "/api/audit\(query)", key: key)
            return ((reply.json["entries"] as? [[String: Any]]) ?? []).compactMap { $0["question"] as? String }.sorted()
        }
        #expect(try await questions(keys["victor"]) == ["When is my salary paid?"], "a viewer sees their own questions only")
        #expect(try await questions(keys["victor"], "?kb=team") == ["When is my salary paid?"])
        #expect(try await questions(keys["vera"], "?kb=team") == ["Are salaries paid monthly?"], "so does an editor")
        #expect(try await questions(keys["olga"], "?kb=team").count == 2, "the owner sees every question of the base")
        #expect(try await questions(adminKey).count == 2)

        // Readiness is public: it says what is wrong without naming files or folders.
        let ready = try await server.request(.GET, "/readyz")
        let readyText = String(decoding: ready.body, as: UTF8.self)
        #expect(!readyText.contains("/root") && !readyText.contains(".cache") && !readyText.contains(".gguf"), "\(readyText)")

        // The model settings: members see names and models, not the servers behind them.
        let spec: [String: Any] = ["provider": "openai", "model": "qwen", "base_url": "http://10.1.2.3:8000", "api_key_env": "ZHIKU_KEY_LAB"]
        #expect(try await server.call(.PUT, "/api/models/chat/lab", key: adminKey, spec).status == 200)
        let memberView = String(decoding: try await server.call(.GET, "/api/models", key: keys["victor"]).body, as: UTF8.self)
        #expect(memberView.contains("\"lab\"") && !memberView.contains("10.1.2.3") && !memberView.contains("ZHIKU_KEY_LAB"), "\(memberView)")
        let adminView = String(decoding: try await server.call(.GET, "/api/models", key: adminKey).body, as: UTF8.self)
        #expect(adminView.contains("10.1.2.3"))
        // A key variable must be one meant for model servers.
        var stealing = spec
        stealing["api_key_env"] = "ZHIKU_DATABASE_URL"
        let refused = try await server.call(.PUT, "/api/models/chat/exfil", key: adminKey, stealing)
        #expect(refused.status == 400, "\(refused.json)")
        #expect(refused.errorCode == "invalid_input")
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 8 (files): the data folder, the database and stored uploads were created with the default umask
    /// (world-readable). The folder is 0700 and what the server writes in it 0600.
    @Test func dataFolderIsPrivate() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        _ = try await server.call(.POST, "/api/kbs", ["name": "p", "embedding_model": "none"])
        let upload = try await server.request(.POST, "/api/kbs/p/files?name=a.txt", body: Array("Private notes.".utf8))
        let job = try #require(((upload.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? Int)
        #expect(try await server.waitForJob(job, timeout: .seconds(600))["status"] as? String == "succeeded")
        func mode(_ url: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
        }
        #expect(try mode(server.folder.url) == 0o700)
        let files = FileManager.default.enumerator(at: server.folder.url, includingPropertiesForKeys: [.isRegularFileKey])!
        var checked = 0
        for case let url as URL in files {
            let m = try mode(url)
            let isFile = (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true
            #expect(m & 0o077 == 0, "\(url.lastPathComponent) is \(String(m, radix: 8))")
            if isFile { checked += 1 }
        }
        #expect(checked >= 2, "the database and the upload at least")
    }

    /// Finding 4: the lockout was checked before PBKDF2 and recorded after it, so parallel guesses all got through;
    /// behind a proxy every client had the proxy's address. Now 30 parallel guesses get at most the limit's worth
    /// of answers (the rest 429), and with a trusted proxy one client's lockout does not lock out another.
    @Test func signInThrottlingRacesAndLeaks() async throws {
        let server = try await TestServer(auth: true, configure: { $0.trustedProxies = ["127.0.0.1"] })
        defer { Task { try? await server.stop() } }
        let password = try #require(try await server.runtime.createFirstAdmin())
        func login(_ name: String, _ password: String, from client: String) async throws -> Int {
            try await server.request(.POST, "/api/login", body: Array(try JSONSerialization.data(withJSONObject: ["name": name, "password": password])),
                                     headers: [("Content-Type", "application/json"), ("X-Forwarded-For", "10.9.9.9, \(client)")]).status
        }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<30 { group.addTask { try await login("admin", "guess-\(i)", from: "203.0.113.5") } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 401 }.count <= 5, "\(statuses.sorted())")
        #expect(statuses.filter { $0 == 429 }.count >= 25)
        #expect(try await login("admin", password, from: "203.0.113.5") == 429, "that client stays locked out")
        #expect(try await login("admin", password, from: "198.51.100.7") == 200, "another client behind the proxy is not")
        // Unknown names are answered like wrong passwords (and cost the same PBKDF2).
        #expect(try await login("nobody", "whatever-123", from: "198.51.100.8") == 401)
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// The client address: the peer itself unless it is a trusted proxy; then the nearest untrusted forwarded hop.
    @Test func clientAddressBelievesOnlyTrustedProxies() {
        #expect(ClientAddress.resolve(peer: "1.2.3.4", forwardedFor: ["5.6.7.8"], trustedProxies: []) == "1.2.3.4")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: ["5.6.7.8, 10.0.0.2"], trustedProxies: ["10.0.0.1", "10.0.0.2"]) == "5.6.7.8")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: ["spoofed, 5.6.7.8"], trustedProxies: ["10.0.0.1"]) == "5.6.7.8")
        #expect(ClientAddress.resolve(peer: "10.0.0.1", forwardedFor: [], trustedProxies: ["10.0.0.1"]) == "10.0.0.1")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["5.6.7.8"], trustedProxies: ["10.0.0.1"]) == nil)
    }

    /// Finding 2: with sign-in off there was no CSRF, Origin or Host check and JSON was read whatever its
    /// Content-Type, so any web page could make an admin, upload files, or (DNS rebinding) read everything.
    @Test func authOffIsOpenToAnyWebPage() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let kb = Array(#"{"name": "made-by-a-page"}"#.utf8)
        let json = ("Content-Type", "application/json")
        // What `fetch(…, {mode: 'no-cors'})` from another site sends: text/plain, the page's Origin, cross-site.
        let noCors = try await server.request(.POST, "/api/kbs", body: kb, headers: [
            ("Content-Type", "text/plain;charset=UTF-8"), ("Origin", "http://evil.example"), ("Sec-Fetch-Site", "cross-site")])
        #expect(noCors.status == 403, "\(noCors.json)")
        #expect(try await server.request(.POST, "/api/kbs", body: kb, headers: [json, ("Origin", "http://evil.example")]).status == 403)
        #expect(try await server.request(.POST, "/api/kbs", body: kb, headers: [json, ("Sec-Fetch-Site", "same-site")]).status == 403)
        #expect(try await server.request(.POST, "/api/kbs", body: kb, headers: [json, ("Origin", "null")]).status == 403)
        let plain = try await server.request(.POST, "/api/kbs", body: kb, headers: [("Content-Type", "text/plain")])
        #expect(plain.status == 415, "JSON only as JSON: \(plain.json)")
        // DNS rebinding: the page's own name, resolved to 127.0.0.1, in the Host header.
        let rebound = try await server.request(.GET, "/api/kbs", headers: [("Host", "evil.example:\(server.port)")])
        #expect(rebound.status == 403, "\(rebound.status)")
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Host", "localhost:\(server.port)")]).status == 200)
        // Nothing was made; the page itself and plain API clients work.
        #expect((try await server.request(.GET, "/api/kbs").json["knowledge_bases"] as? [Any])?.isEmpty == true)
        let sameOrigin = try await server.request(.POST, "/api/kbs", body: kb, headers: [
            json, ("Origin", "http://127.0.0.1:\(server.port)"), ("Sec-Fetch-Site", "same-origin")])
        #expect(sameOrigin.status == 201, "\(sameOrigin.json)")
        #expect(try await server.request(.POST, "/api/kbs", body: Array(#"{"name": "by-curl"}"#.utf8), headers: [json]).status == 201)
        #expect(try await server.request(.GET, "/healthz").status == 200)

        // With sign-in on, a cross-site form cannot sign a victim into the attacker's account either.
        let signed = try await TestServer(auth: true)
        defer { Task { try? await signed.stop() } }
        let password = try #require(try await signed.runtime.createFirstAdmin())
        let login = Array(try JSONSerialization.data(withJSONObject: ["name": "admin", "password": password]))
        #expect(try await signed.request(.POST, "/api/login", body: login, headers: [json, ("Origin", "https://evil.example")]).status == 403)
        #expect(try await signed.request(.POST, "/api/login", body: login, headers: [json]).status == 200)
    }

    @Test func hostNamesAndOrigins() {
        typealias M = RequestOriginMiddleware<ZhikuRequestContext>
        #expect(M.hostName("Example.org:8080") == "example.org")
        #expect(M.hostName("[::1]:8080") == "::1")
        #expect(M.hostName("localhost.") == "localhost")
        #expect(M.isLoopback("127.0.0.1") && M.isLoopback("localhost") && M.isLoopback("::1"))
        #expect(!M.isLoopback("127.0.0.1.evil.example") && !M.isLoopback("evil.example"))
        #expect(M.sameAuthority(URL(string: "http://127.0.0.1:8080")!, "127.0.0.1:8080"))
        #expect(M.sameAuthority(URL(string: "https://zhiku.example")!, "zhiku.example"))
        #expect(!M.sameAuthority(URL(string: "http://127.0.0.1:9999")!, "127.0.0.1:8080"))
    }

    /// The files in a data folder's blob store.
    static func storedBlobs(in dataFolder: URL) -> [String] {
        let root = dataFolder.appendingPathComponent("blobs")
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }.map(\.lastPathComponent)
    }

    /// A multipart body sent chunked (no `Content-Length`) over a raw connection; returns the status line's code.
    static func chunkedForm(port: Int, path: String, parts: [(headers: String, body: String)]) async throws -> Int {
        let boundary = "zhikuHardening"
        var form = ""
        for part in parts { form += "--\(boundary)\r\n\(part.headers)\r\n\r\n\(part.body)\r\n" }
        form += "--\(boundary)--\r\n"
        var chunked = ""
        var rest = Substring(form)
        while !rest.isEmpty {
            let piece = rest.prefix(32 << 10)
            chunked += String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n"
            rest = rest.dropFirst(piece.count)
        }
        chunked += "0\r\n\r\n"
        let reply = try await HostileUploadTests.rawRequest(port: port, """
            POST \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\n\
            Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n\(chunked)
            """)
        return Int(reply.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Finding 3: the size check read only the declared length, and only per part: a chunked body of any number of
    /// parts under the limit, parts with endless headers, or thousands of fields were all read in. Now the whole
    /// body is counted as it streams, with caps on parts and header size, for uploads and transcription alike; and
    /// the parts a refused form had already stored are removed (they used to stay on disk with no file record).
    @Test func multipartLimitsArePerDeclaredLengthAndPerPartOnly() async throws {
        let server = try await TestServer(maxUploadBytes: 64 << 10)
        defer { Task { try? await server.stop() } }
        _ = try await server.call(.POST, "/api/kbs", ["name": "m", "embedding_model": "none"])
        let file = { (i: Int) in (headers: "Content-Disposition: form-data; name=\"file\"; filename=\"part-\(i).txt\"",
                                  body: String(repeating: "Notes about part \(i). ", count: 2500)) }  // ~55 KiB each, under the limit
        let many = (0..<25).map(file)
        for path in ["/api/kbs/m/files", "/api/transcribe"] {
            let status = try await Self.chunkedForm(port: server.port, path: path, parts: many)
            #expect(status == 413, "\(path): 25 parts of 55 KiB, chunked, against a 64 KiB limit: \(status)")
        }
        let fields = (0..<1100).map { (headers: "Content-Disposition: form-data; name=\"f\($0)\"", body: "x") }
        #expect(try await Self.chunkedForm(port: server.port, path: "/api/kbs/m/files", parts: fields) == 400)
        let longHeader = [(headers: "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nX-Padding: "
                           + String(repeating: "p", count: 20 << 10), body: "hello")]
        #expect(try await Self.chunkedForm(port: server.port, path: "/api/kbs/m/files", parts: longHeader) == 400)
        // A good file, then too many parts: the form is refused after the file was stored.
        let goodThenFields = [file(7)] + (0..<1100).map { (headers: "Content-Disposition: form-data; name=\"f\($0)\"", body: "x") }
        #expect(try await Self.chunkedForm(port: server.port, path: "/api/kbs/m/files", parts: goodThenFields) == 400)
        // Nothing was registered, nothing was left in the blob store, and a normal form still works.
        #expect((try await server.request(.GET, "/api/kbs/m/files").json["files"] as? [Any])?.isEmpty == true)
        #expect(Self.storedBlobs(in: server.folder.url).isEmpty, "left behind: \(Self.storedBlobs(in: server.folder.url))")
        #expect(try await Self.chunkedForm(port: server.port, path: "/api/kbs/m/files", parts: [file(1)]) == 202)
        #expect(Self.storedBlobs(in: server.folder.url).count == 1)
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 8 (sessions and keys): a password change left API keys and other sessions working, and members had
    /// no way to change their own password. `POST /api/me/password` needs the current password, ends every other
    /// session and revokes every key, and gives the browser that asked a new session.
    @Test func passwordChangesEndSessionsAndKeys() async throws {
        let (server, adminKey) = try await signedInServer()
        defer { Task { try? await server.stop() } }
        let miaKey = try await member("mia", password: "first password", on: server, adminKey: adminKey)
        func signIn(_ password: String) async throws -> (cookie: String, csrf: String)? {
            let reply = try await server.json(.POST, "/api/login", ["name": "mia", "password": password])
            guard reply.status == 200, let cookie = reply.headers["set-cookie"], let csrf = reply.json["csrf_token"] as? String else { return nil }
            return (String(cookie.split(separator: ";")[0]), csrf)
        }
        let phone = try #require(try await signIn("first password"))
        let desk = try #require(try await signIn("first password"))
        func change(_ current: String, _ new: String, as session: (cookie: String, csrf: String)) async throws -> TestServer.Reply {
            try await server.request(.POST, "/api/me/password",
                                     body: Array(try JSONSerialization.data(withJSONObject: ["current_password": current, "new_password": new])),
                                     headers: [("Cookie", session.cookie), ("X-CSRF-Token", session.csrf), ("Content-Type", "application/json")])
        }
        #expect(try await change("not my password", "second password", as: desk).status == 403)
        #expect(try await change("first password", "short", as: desk).status == 400)
        let changed = try await change("first password", "second password", as: desk)
        #expect(changed.status == 200, "\(changed.json)")
        let renewed = try #require(changed.headers["set-cookie"].map { String($0.split(separator: ";")[0]) })
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", renewed)]).status == 200, "the browser that asked stays signed in")
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", phone.cookie)]).status == 401, "other sessions end")
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", desk.cookie)]).status == 401)
        #expect(try await server.call(.GET, "/api/kbs", key: miaKey).status == 401, "API keys are revoked")
        #expect(try await signIn("first password") == nil)
        #expect(try await signIn("second password") != nil)
    }

    /// Finding 8 (idle sessions): a browser session lasted its whole week however long it sat unused. Now one unused
    /// for the idle timeout (12 hours by default; 12 seconds here — under a fully loaded test run one request has
    /// taken over 6 s) is refused, while one in use stays signed in.
    @Test func sessionsEndWhenIdle() async throws {
        let (server, adminKey) = try await signedInServer(configure: { $0.sessionIdleTimeout = .seconds(12) })
        defer { Task { try? await server.stop() } }
        _ = try await member("mia", password: "first password", on: server, adminKey: adminKey)
        func signIn() async throws -> String {
            let reply = try await server.json(.POST, "/api/login", ["name": "mia", "password": "first password"])
            return try #require(reply.headers["set-cookie"].map { String($0.split(separator: ";")[0]) })
        }
        // (Signing in hashes a password: under a loaded test run that can take seconds, so the idle session is made
        // first and the busy one is used at once.)
        let idle = try await signIn(), busy = try await signIn()
        let clock = ContinuousClock(), started = clock.now
        // Used every second for eighteen seconds: each use keeps it alive for another twelve.
        while clock.now - started < .seconds(18) {
            #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", busy)]).status == 200, "a session in use")
            try await Task.sleep(for: .seconds(1))
        }
        let stale = try await server.request(.GET, "/api/kbs", headers: [("Cookie", idle)])
        #expect(stale.status == 401, "unused for 18 s against a 12 s idle timeout: \(stale.status)")
        #expect(try await server.request(.GET, "/api/kbs", headers: [("Cookie", busy)]).status == 200)
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 7 (upstream errors): a model server's refusal was passed on with its address and its whole reply,
    /// which members may not see (`/api/models` hides `base_url` from them). Now every client hears that the model
    /// server refused, with its status; only admins also get its message (an unknown model, a context too long);
    /// the address and reply stay in the server log.
    @Test func upstreamRefusalsDoNotShowTheModelServersAddress() async throws {
        let model = try await StubChatServer(reply: "unused", refusal: (400, #"{"error":{"message":"unknown model 'stub'"}}"#))
        let (server, adminKey) = try await signedInServer(configure: {
            $0.chatServerURL = "http://127.0.0.1:\(model.port)"
            $0.chatModel = "stub"
        })
        defer { Task { try? await server.stop(); try? await model.stop() } }
        let member = try await member("mia", password: "long enough 1", on: server, adminKey: adminKey)
        for path in ["/api/chat", "/v1/chat/completions"] {
            let body: [String: Any] = path == "/api/chat" ? ["question": "Hello?", "max_tokens": 8]
                : ["model": "stub", "messages": [["role": "user", "content": "Hello?"]], "max_tokens": 8]
            for (who, key) in [("member", member), ("admin", adminKey)] {
                let reply = try await server.call(.POST, path, key: key, body)
                let text = String(decoding: reply.body, as: UTF8.self)
                #expect(text.contains("refused") && text.contains("400"), "\(path), \(who): told the model server refused, with its status: \(text.prefix(300))")
                #expect(text.contains("unknown model 'stub'") == (who == "admin"), "\(path), \(who): its own reply is for admins only: \(text.prefix(300))")
                #expect(!text.contains("127.0.0.1:\(model.port)"), "\(path), \(who): the model server's address stays private")
            }
        }
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 9: one member could queue any number of long generations and starve everyone, and a client could
    /// hold a connection open without ever finishing its request. Now a user has at most the configured number of
    /// answers in progress (429 beyond, with the reason), others are not affected, and a half-sent request is cut
    /// off after the idle timeout.
    @Test func slowClientsAndFairness() async throws {
        let model = try await StubChatServer(reply: "A slow answer.", delay: .seconds(4))
        let (server, adminKey) = try await signedInServer(configure: {
            $0.chatServerURL = "http://127.0.0.1:\(model.port)"
            $0.chatModel = "stub"
            $0.maxConcurrentPerUser = 1
            $0.idleTimeoutSeconds = 2
        })
        defer { Task { try? await server.stop(); try? await model.stop() } }
        let greedy = try await member("greedy", password: "long enough 1", on: server, adminKey: adminKey)
        let question: [String: Any] = ["question": "Tell me something.", "max_tokens": 16]
        let questionBody = Array(try JSONSerialization.data(withJSONObject: question))
        let headers = [("Authorization", "Bearer \(greedy)"), ("Content-Type", "application/json")]
        let first = Task { try await server.request(.POST, "/api/chat", body: questionBody, headers: headers) }
        try await Task.sleep(for: .seconds(1))
        let second = try await server.call(.POST, "/api/chat", key: greedy, question)
        #expect(second.status == 429, "\(second.status) \(second.json)")
        #expect(second.errorCode == "too_many_requests")
        let other = try await server.call(.POST, "/api/chat", key: adminKey, question)
        #expect(other.status == 200, "another user is not held up by the first one's answers")
        let firstReply = try await first.value
        #expect(firstReply.status == 200)
        let answer = TestServer.events(firstReply.body).filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }.joined()
        #expect(answer.contains("A slow answer."), "\(answer)")
        #expect(try await server.call(.POST, "/api/chat", key: greedy, question).status == 200, "the turn is back once the answer ended")

        // A request whose head never ends is closed after the idle timeout instead of holding the connection.
        let started = ContinuousClock.now
        let reply = try await HostileUploadTests.rawRequest(port: server.port, "POST /api/kbs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{")
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(30), "closed after \(waited) (\(reply.prefix(40)))")
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 9 (fair queue): answers waited for the model in whatever order they arrived, so a member who queued
    /// several long ones kept everyone else behind them, and a waiting client saw nothing. Now turns go to the user
    /// served least recently, and a waiting answer's stream says its place (`event: queued`, `{"position": n}`).
    @Test func answersTakeFairTurnsAndSeeTheirPlace() async throws {
        let model = try await StubChatServer(reply: "Turn taken.", delay: .seconds(4))
        let (server, adminKey) = try await signedInServer(configure: {
            $0.chatServerURL = "http://127.0.0.1:\(model.port)"
            $0.chatModel = "stub"
            $0.modelServerAnswers = 1  // one answer at the model at a time, as with the built-in engine
        })
        defer { Task { try? await server.stop(); try? await model.stop() } }
        let ana = try await member("ana", password: "long enough 1", on: server, adminKey: adminKey)
        let bo = try await member("bo", password: "long enough 2", on: server, adminKey: adminKey)
        let clock = ContinuousClock(), started = clock.now
        func ask(_ key: String) -> Task<(reply: TestServer.Reply, finished: Duration), any Error> {
            Task {
                let reply = try await server.call(.POST, "/api/chat", key: key, ["question": "Tell me something.", "max_tokens": 16])
                return (reply, clock.now - started)
            }
        }
        // Ana's first answer runs, her second waits; then Bo asks: his goes before her second. Each request is sent
        // once the one before has reached the model's queue (an answer sets up its conversation first, which on a
        // busy machine can take longer than any fixed pause).
        let queue = server.runtime.answerQueues.queue(for: try await server.runtime.chatModels.model("stub"))
        func untilQueue(running: Int, waiting: Int) async throws {
            let deadline = clock.now + .seconds(60)
            while queue.load.running != running || queue.load.waiting != waiting, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let load = queue.load
            #expect(load.running == running && load.waiting == waiting, "the model's queue: \(load)")
        }
        let anaFirst = ask(ana)
        try await untilQueue(running: 1, waiting: 0)
        let anaSecond = ask(ana)
        try await untilQueue(running: 1, waiting: 1)
        let boFirst = ask(bo)
        try await untilQueue(running: 1, waiting: 2)
        #expect(try await server.request(.GET, "/healthz").status == 200, "health checks answered while answers wait")
        let (a1, b1, a2) = (try await anaFirst.value, try await boFirst.value, try await anaSecond.value)
        for (name, r) in [("ana 1", a1), ("bo", b1), ("ana 2", a2)] {
            let text = TestServer.events(r.reply.body).filter { $0.name == "token" }.compactMap { $0.data["text"] as? String }.joined()
            #expect(r.reply.status == 200 && text.contains("Turn taken."), "\(name): \(r.reply.status) \(text)")
        }
        #expect(b1.finished < a2.finished, "Bo's answer (\(b1.finished)) came before Ana's second (\(a2.finished))")
        func places(_ r: TestServer.Reply) -> [Int] {
            TestServer.events(r.body).filter { $0.name == "queued" }.compactMap { $0.data["position"] as? Int }
        }
        #expect(places(a1.reply).isEmpty, "a free turn is taken at once")
        #expect(places(a2.reply) == [1, 2, 1], "Ana's second: next, then behind Bo, then next: \(places(a2.reply))")
        #expect(places(b1.reply) == [1], "Bo's: next: \(places(b1.reply))")
    }

    /// Finding 7 (names): `POST /api/kbs` with a name another user's knowledge base had answered 409, so a member
    /// learned that a knowledge base they cannot see exists. Names are now unique per owner: Bo gets his own "secret"
    /// (201), each of them reaches their own by name, and only a second one of one's own is a conflict. An admin, who
    /// sees both, is asked for the id.
    @Test func knowledgeBaseNamesDoNotRevealOtherUsersKnowledgeBases() async throws {
        let (server, adminKey) = try await signedInServer()
        defer { Task { try? await server.stop() } }
        let ana = try await member("ana", password: "long enough 1", on: server, adminKey: adminKey)
        let bo = try await member("bo", password: "long enough 2", on: server, adminKey: adminKey)
        let anas = try await server.call(.POST, "/api/kbs", key: ana, ["name": "secret", "description": "Ana's", "embedding_model": "none"])
        #expect(anas.status == 201)
        let bos = try await server.call(.POST, "/api/kbs", key: bo, ["name": "secret", "description": "Bo's", "embedding_model": "none"])
        #expect(bos.status == 201, "another user's name is no conflict: \(bos.status) \(bos.json)")
        #expect(try await server.call(.GET, "/api/kbs/secret", key: ana).json["description"] as? String == "Ana's")
        #expect(try await server.call(.GET, "/api/kbs/secret", key: bo).json["description"] as? String == "Bo's")
        let again = try await server.call(.POST, "/api/kbs", key: bo, ["name": "secret", "embedding_model": "none"])
        #expect(again.status == 409 && again.errorCode == "conflict", "a second one of his own: \(again.status)")
        // Renaming into another user's name is no conflict either.
        let other = try await server.call(.POST, "/api/kbs", key: bo, ["name": "plans", "embedding_model": "none"])
        #expect(try await server.call(.POST, "/api/kbs", key: ana, ["name": "plans2", "embedding_model": "none"]).status == 201)
        let renamed = try await server.call(.PATCH, "/api/kbs/plans2", key: ana, ["name": "plans"])
        #expect(renamed.status == 200, "\(renamed.status) \(renamed.json)")
        #expect(other.status == 201)
        // The admin sees both "secret"s: by name that is ambiguous (409 with the ids), by id it is not.
        let ambiguous = try await server.call(.GET, "/api/kbs/secret", key: adminKey)
        #expect(ambiguous.status == 409, "\(ambiguous.status) \(ambiguous.json)")
        let id = try #require(bos.json["id"] as? Int)
        #expect(try await server.call(.GET, "/api/kbs/\(id)", key: adminKey).json["description"] as? String == "Bo's")
        let models = try await server.call(.GET, "/v1/models", key: bo).json["data"] as? [[String: Any]] ?? []
        #expect(models.compactMap { $0["id"] as? String }.filter { $0 == "kb:secret" }.count == 1, "Bo sees one kb:secret")
        #expect(try await server.request(.GET, "/healthz").status == 200)
    }

    /// Finding 6 against a running server: a scanned PDF page of many metres (a picture declared at 1 dpi: billions
    /// of pixels at 300 dpi) and a recording whose container states five minutes against a one-minute limit. Both
    /// jobs end with an outcome without the page being drawn or the audio decoded, and health checks are answered
    /// within a second all the while.
    @Test func decodersThatAllocateBeforeCheckingOnAServer() async throws {
        guard TestImages.available, TestAudio.available else {
            try Skip.now("ImageMagick or ffmpeg not installed (scripts/setup.sh --tests)")
        }
        let server = try await TestServer(configure: { $0.maxAudioSeconds = 60 })
        defer { Task { try? await server.stop() } }
        _ = try await server.json(.POST, "/api/kbs", ["name": "bombs", "embedding_model": "none"])
        let folder = TemporaryFolder()
        let picture = folder.url.appendingPathComponent("p.jpg")
        try TestImages.render("A poster", to: picture)
        let poster = TestDocuments.mixedPDF([.scan(jpeg: [UInt8](try Data(contentsOf: picture)), dpi: 1)])
        let audio = folder.url.appendingPathComponent("long.ogg")
        try TestAudio.silence(seconds: 300, to: audio)
        var jobs: [Int] = []
        for (name, bytes) in [("poster.pdf", poster), ("long.ogg", [UInt8](try Data(contentsOf: audio)))] {
            let reply = try await server.request(.POST, "/api/kbs/bombs/files?name=\(name)", body: bytes)
            jobs.append(try #require(((reply.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? Int))
        }
        let clock = ContinuousClock()
        var slowest = Duration.zero, outcomes: [[String: Any]] = []
        while outcomes.count < jobs.count {
            let asked = clock.now
            #expect(try await server.request(.GET, "/healthz").status == 200)
            slowest = max(slowest, clock.now - asked)
            outcomes = []
            for id in jobs {
                let job = try await server.request(.GET, "/api/jobs/\(id)").json
                if ["succeeded", "failed"].contains(job["status"] as? String ?? "") { outcomes.append(job) }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(slowest < .seconds(1), "health check took \(slowest)")
        let audioJob = try #require(outcomes.first { ($0["id"] as? Int) == jobs[1] })
        #expect(audioJob["status"] as? String == "failed")
        #expect((audioJob["error"] as? String ?? "").contains("lasts 300 s"), "\(audioJob)")
        let pdfJob = try #require(outcomes.first { ($0["id"] as? Int) == jobs[0] })
        #expect(["succeeded", "failed"].contains(pdfJob["status"] as? String ?? ""), "\(pdfJob)")
    }
}
