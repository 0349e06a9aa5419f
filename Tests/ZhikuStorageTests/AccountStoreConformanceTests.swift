import Foundation
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

/// The behaviour every ``AccountStore`` backend must show (SQLite and PostgreSQL run the same tests).
@Suite struct AccountStoreConformanceTests {
    @Test(arguments: StoreBackend.allCases) func usersKeysSessionsAndRoles(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store, accounts = s.accounts

        #expect(try await accounts.userCount() == 0)
        let alice = try await accounts.createUser(name: "alice", role: .member, passwordHash: Secret.passwordHash("s3cret-pass", iterations: 1000))
        await #expect(throws: ZhikuError(.conflict, "a user named 'alice' already exists")) {
            _ = try await accounts.createUser(name: "alice", role: .admin, passwordHash: "x")
        }
        await #expect(throws: ZhikuError.self) { _ = try await accounts.createUser(name: "a b", role: .member, passwordHash: "x") }
        let (found, hash) = try #require(try await accounts.credentials(named: "alice"))
        #expect(found == alice)
        #expect(Secret.verify("s3cret-pass", against: hash))
        #expect(!Secret.verify("s3cret-pasS", against: hash))
        #expect(!Secret.verify("s3cret-pass", against: "garbage"))

        let key = try await accounts.createAPIKey(user: alice.id, name: "ci", prefix: "zk_abc", hash: Secret.tokenHash("zk_abc123"))
        #expect(try await accounts.user(forKeyHash: Secret.tokenHash("zk_abc123")) == alice)
        #expect(try await accounts.user(forKeyHash: Secret.tokenHash("zk_other")) == nil)
        #expect(try await accounts.revokeAPIKey(id: key.id))
        #expect(!(try await accounts.revokeAPIKey(id: key.id)))
        #expect(try await accounts.user(forKeyHash: Secret.tokenHash("zk_abc123")) == nil)
        #expect(try await accounts.apiKeys(of: alice.id).first?.revokedAt != nil)

        let day: TimeInterval = 86_400
        try await accounts.createSession(tokenHash: "live", user: alice.id, csrf: "c1", expires: Date().addingTimeInterval(3600), idleTimeout: day)
        try await accounts.createSession(tokenHash: "old", user: alice.id, csrf: "c2", expires: Date().addingTimeInterval(-1), idleTimeout: day)
        try await accounts.createSession(tokenHash: "idle", user: alice.id, csrf: "c3", expires: Date().addingTimeInterval(3600), idleTimeout: -1)
        try await accounts.createSession(tokenHash: "kept", user: alice.id, csrf: "c4", expires: Date().addingTimeInterval(3600), idleTimeout: 4)
        #expect(try await accounts.session(tokenHash: "live", idleTimeout: day)?.1 == "c1")
        #expect(try await accounts.session(tokenHash: "old", idleTimeout: day) == nil, "an expired session is no session")
        #expect(try await accounts.session(tokenHash: "idle", idleTimeout: day) == nil, "an idle session is no session (and using it does not revive it)")
        // Used within its four idle seconds, "kept" is good for a day more: still there after five.
        #expect(try await accounts.session(tokenHash: "kept", idleTimeout: day)?.1 == "c4")
        try await Task.sleep(for: .seconds(5))
        #expect(try await accounts.session(tokenHash: "kept", idleTimeout: day)?.1 == "c4", "using a session keeps it alive")
        try await accounts.setPasswordHash(Secret.passwordHash("another-pass", iterations: 1000), of: alice.id)
        #expect(try await accounts.session(tokenHash: "live", idleTimeout: day) == nil, "a new password ends the sessions")

        let kb = try await store.createKnowledgeBase(name: "hr", description: "")
        try await accounts.grant(.viewer, in: kb.id, to: alice.id)
        try await accounts.grant(.editor, in: kb.id, to: alice.id)
        #expect(try await accounts.roles(of: alice.id) == [kb.id: .editor])
        #expect(try await accounts.members(of: kb.id).map { "\($0.0.name):\($0.1.rawValue)" } == ["alice:editor"])
        #expect(KnowledgeBaseRole.viewer < .editor && KnowledgeBaseRole.editor < .owner)
        _ = try await store.deleteKnowledgeBase(id: kb.id)
        #expect(try await accounts.roles(of: alice.id).isEmpty, "roles go with their knowledge base")

        #expect(try await accounts.deleteUser(id: alice.id))
        #expect(try await accounts.user(named: "alice") == nil)
        #expect(try await accounts.apiKeys(of: alice.id).isEmpty)
        #expect(!(try await accounts.deleteUser(id: alice.id)))
    }
}
