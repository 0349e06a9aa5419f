import Foundation
import Logging
import PostgresNIO
import ZhikuCore

/// ``AccountStore`` on PostgreSQL (tables `users`, `api_keys`, `sessions`, `kb_members`), the same behaviour as
/// ``SQLiteAccountStore``.
public struct PostgresAccountStore: AccountStore {
    public let database: PostgreSQLDatabase
    private var logger: Logger { database.logger }

    public init(database: PostgreSQLDatabase) {
        self.database = database
    }

    private var now: Double { Date().timeIntervalSince1970 }

    // MARK: Users

    public func userCount() async throws -> Int {
        try await database.rows("counting users", "SELECT COUNT(*) AS n FROM users").first.map { try $0["n"] } ?? 0
    }

    public func createUser(name: String, role: User.Role, passwordHash: String) async throws -> User {
        let name = try User.validatedName(name)
        guard let row = try await database.rows("creating user '\(name)'", """
            INSERT INTO users (name, role, password_hash, created_at) VALUES (\(name), \(role.rawValue), \(passwordHash), \(now))
            ON CONFLICT (name) DO NOTHING RETURNING *
            """).first else {
            throw ZhikuError(.conflict, "a user named '\(name)' already exists")
        }
        return try RowMapping.user(row)
    }

    public func users() async throws -> [User] {
        try await database.rows("listing users", "SELECT * FROM users ORDER BY id").map(RowMapping.user)
    }

    public func user(named name: String) async throws -> User? {
        try await database.rows("reading user '\(name)'", "SELECT * FROM users WHERE name = \(name)").first.map(RowMapping.user)
    }

    public func user(id: User.ID) async throws -> User? {
        try await database.rows("reading user \(id)", "SELECT * FROM users WHERE id = \(id)").first.map(RowMapping.user)
    }

    public func credentials(named name: String) async throws -> (User, String)? {
        try await database.rows("reading the credentials of '\(name)'", "SELECT * FROM users WHERE name = \(name)").first.map {
            (try RowMapping.user($0), try $0["password_hash"])
        }
    }

    public func setPasswordHash(_ hash: String, of user: User.ID) async throws {
        let logger = self.logger, time = now
        try await database.transaction("changing the password of user \(user)") { connection in
            guard try await !connection.rows("UPDATE users SET password_hash = \(hash) WHERE id = \(user) RETURNING id",
                                         logger: logger).isEmpty else {
                throw ZhikuError.notFound("user \(user) does not exist")
            }
            // A new password signs out every browser and revokes every API key (a leaked one, say).
            try await connection.execute("DELETE FROM sessions WHERE user_id = \(user)", logger: logger)
            try await connection.execute("UPDATE api_keys SET revoked_at = \(time) WHERE user_id = \(user) AND revoked_at IS NULL",
                                         logger: logger)
        }
    }

    public func deleteUser(id: User.ID) async throws -> Bool {
        try await !database.rows("deleting user \(id)", "DELETE FROM users WHERE id = \(id) RETURNING id").isEmpty
    }

    // MARK: API keys

    public func createAPIKey(user: User.ID, name: String, prefix: String, hash: String) async throws -> APIKey {
        let row = try await database.rows("creating an API key for user \(user)", """
            INSERT INTO api_keys (user_id, name, prefix, hash, created_at) VALUES (\(user), \(name), \(prefix), \(hash), \(now)) RETURNING *
            """)
        return try RowMapping.apiKey(row[0])
    }

    public func apiKeys(of user: User.ID) async throws -> [APIKey] {
        try await database.rows("listing the API keys of user \(user)", "SELECT * FROM api_keys WHERE user_id = \(user) ORDER BY id").map(RowMapping.apiKey)
    }

    public func apiKey(id: APIKey.ID) async throws -> APIKey? {
        try await database.rows("reading API key \(id)", "SELECT * FROM api_keys WHERE id = \(id)").first.map(RowMapping.apiKey)
    }

    public func revokeAPIKey(id: APIKey.ID) async throws -> Bool {
        try await !database.rows("revoking API key \(id)", """
            UPDATE api_keys SET revoked_at = \(now) WHERE id = \(id) AND revoked_at IS NULL RETURNING id
            """).isEmpty
    }

    public func user(forKeyHash hash: String) async throws -> User? {
        let time = now
        guard let row = try await database.rows("checking an API key", """
            SELECT u.*, k.id AS key_id, k.last_used_at AS key_used FROM api_keys k JOIN users u ON u.id = k.user_id
            WHERE k.hash = \(hash) AND k.revoked_at IS NULL
            """).first else { return nil }
        // The use is recorded at most once a minute per key, not on every request.
        let used: Double? = try row["key_used"], key: APIKey.ID = try row["key_id"]
        if (used ?? 0) < time - 60 {
            _ = try await database.rows("recording the use of API key \(key)", "UPDATE api_keys SET last_used_at = \(time) WHERE id = \(key)")
        }
        return try RowMapping.user(row)
    }

    // MARK: Sessions

    public func createSession(tokenHash: String, user: User.ID, csrf: String, expires: Date, idleTimeout: TimeInterval) async throws {
        let time = now, logger = self.logger
        try await database.transaction("starting a session for user \(user)") { connection in
            try await connection.execute("DELETE FROM sessions WHERE expires_at < \(time) OR idle_expires_at < \(time)", logger: logger)
            try await connection.execute("""
                INSERT INTO sessions (token_hash, user_id, csrf, expires_at, idle_expires_at)
                VALUES (\(tokenHash), \(user), \(csrf), \(expires.timeIntervalSince1970), \(time + idleTimeout))
                """, logger: logger)
        }
    }

    public func session(tokenHash: String, idleTimeout: TimeInterval) async throws -> (User, String)? {
        let time = now
        guard let row = try await database.rows("checking a session", """
            SELECT u.*, s.csrf AS csrf, s.idle_expires_at AS idle_expires_at FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(time) AND (s.idle_expires_at IS NULL OR s.idle_expires_at > \(time))
            """).first else { return nil }
        let idleExpires: Double? = try row["idle_expires_at"]
        if (idleExpires ?? 0) < time + idleTimeout - SQLiteAccountStore.sessionRefreshInterval(idleTimeout) {
            _ = try await database.rows("keeping a session alive", """
                UPDATE sessions SET idle_expires_at = \(time + idleTimeout) WHERE token_hash = \(tokenHash)
                """)
        }
        return (try RowMapping.user(row), try row["csrf"])
    }

    public func deleteSession(tokenHash: String) async throws {
        _ = try await database.rows("ending a session", "DELETE FROM sessions WHERE token_hash = \(tokenHash)")
    }

    // MARK: Access

    public func grant(_ role: KnowledgeBaseRole, in kb: KnowledgeBase.ID, to user: User.ID) async throws {
        _ = try await database.rows("granting \(role.rawValue) in knowledge base \(kb) to user \(user)", """
            INSERT INTO kb_members (kb_id, user_id, role) VALUES (\(kb), \(user), \(role.rawValue))
            ON CONFLICT (kb_id, user_id) DO UPDATE SET role = excluded.role
            """)
    }

    public func revoke(in kb: KnowledgeBase.ID, from user: User.ID) async throws -> Bool {
        try await !database.rows("revoking access to knowledge base \(kb) from user \(user)", """
            DELETE FROM kb_members WHERE kb_id = \(kb) AND user_id = \(user) RETURNING kb_id
            """).isEmpty
    }

    public func members(of kb: KnowledgeBase.ID) async throws -> [(User, KnowledgeBaseRole)] {
        try await database.rows("listing the members of knowledge base \(kb)", """
            SELECT u.*, m.role AS kb_role FROM kb_members m JOIN users u ON u.id = m.user_id WHERE m.kb_id = \(kb) ORDER BY u.name
            """).map { (try RowMapping.user($0), KnowledgeBaseRole(rawValue: try $0["kb_role"]) ?? .viewer) }
    }

    public func roles(of user: User.ID) async throws -> [KnowledgeBase.ID: KnowledgeBaseRole] {
        var roles: [KnowledgeBase.ID: KnowledgeBaseRole] = [:]
        for row in try await database.rows("reading the roles of user \(user)", "SELECT kb_id, role FROM kb_members WHERE user_id = \(user)") {
            roles[try row["kb_id"]] = KnowledgeBaseRole(rawValue: try row["role"]) ?? .viewer
        }
        return roles
    }
}
