import Foundation
import GRDB
import ZhikuCore

/// ``AccountStore`` on the embedded SQLite database (tables `users`, `api_keys`, `sessions`, `kb_members`).
public struct SQLiteAccountStore: AccountStore {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) {
        pool = database.pool
    }

    private var now: Double { Date().timeIntervalSince1970 }

    // MARK: Users

    public func userCount() async throws -> Int {
        try await pool.reading("counting users") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    public func createUser(name: String, role: User.Role, passwordHash: String) async throws -> User {
        let name = try User.validatedName(name)
        let created = now
        return try await pool.writing("creating user '\(name)'") { db in
            if try Row.fetchOne(db, SQLRequest(literal: "SELECT 1 FROM users WHERE name = \(name)")) != nil {
                throw ZhikuError(.conflict, "a user named '\(name)' already exists")
            }
            try db.execute(literal: "INSERT INTO users (name, role, password_hash, created_at) VALUES (\(name), \(role.rawValue), \(passwordHash), \(created))")
            return User(id: db.lastInsertedRowID, name: name, role: role, createdAt: Date(timeIntervalSince1970: created))
        }
    }

    public func users() async throws -> [User] {
        try await pool.reading("listing users") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY id").map(RowMapping.user)
        }
    }

    public func user(named name: String) async throws -> User? {
        try await pool.reading("reading user '\(name)'") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM users WHERE name = \(name)")).map(RowMapping.user)
        }
    }

    public func user(id: User.ID) async throws -> User? {
        try await pool.reading("reading user \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM users WHERE id = \(id)")).map(RowMapping.user)
        }
    }

    public func credentials(named name: String) async throws -> (User, String)? {
        try await pool.reading("reading the credentials of '\(name)'") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM users WHERE name = \(name)")).map { (try RowMapping.user($0), $0["password_hash"]) }
        }
    }

    public func setPasswordHash(_ hash: String, of user: User.ID) async throws {
        let time = now
        try await pool.writing("changing the password of user \(user)") { db in
            try db.execute(literal: "UPDATE users SET password_hash = \(hash) WHERE id = \(user)")
            guard db.changesCount > 0 else { throw ZhikuError.notFound("user \(user) does not exist") }
            // A new password signs out every browser and revokes every API key (a leaked one, say).
            try db.execute(literal: "DELETE FROM sessions WHERE user_id = \(user)")
            try db.execute(literal: "UPDATE api_keys SET revoked_at = \(time) WHERE user_id = \(user) AND revoked_at IS NULL")
        }
    }

    public func deleteUser(id: User.ID) async throws -> Bool {
        try await pool.writing("deleting user \(id)") { db in
            try db.execute(literal: "DELETE FROM users WHERE id = \(id)")
            return db.changesCount > 0
        }
    }

    // MARK: API keys

    public func createAPIKey(user: User.ID, name: String, prefix: String, hash: String) async throws -> APIKey {
        let created = now
        return try await pool.writing("creating an API key for user \(user)") { db in
            try db.execute(literal: "INSERT INTO api_keys (user_id, name, prefix, hash, created_at) VALUES (\(user), \(name), \(prefix), \(hash), \(created))")
            return APIKey(id: db.lastInsertedRowID, userID: user, name: name, prefix: prefix,
                          createdAt: Date(timeIntervalSince1970: created))
        }
    }

    public func apiKeys(of user: User.ID) async throws -> [APIKey] {
        try await pool.reading("listing the API keys of user \(user)") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM api_keys WHERE user_id = \(user) ORDER BY id")).map(RowMapping.apiKey)
        }
    }

    public func apiKey(id: APIKey.ID) async throws -> APIKey? {
        try await pool.reading("reading API key \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM api_keys WHERE id = \(id)")).map(RowMapping.apiKey)
        }
    }

    public func revokeAPIKey(id: APIKey.ID) async throws -> Bool {
        let time = now
        return try await pool.writing("revoking API key \(id)") { db in
            try db.execute(literal: "UPDATE api_keys SET revoked_at = \(time) WHERE id = \(id) AND revoked_at IS NULL")
            return db.changesCount > 0
        }
    }

    public func user(forKeyHash hash: String) async throws -> User? {
        let time = now
        // A read on every request; the use is recorded at most once a minute per key, so the single writer is not
        // taken by every authenticated request.
        guard let (user, key, used) = try await pool.reading("checking an API key", { db -> (User, Int64, Double?)? in
            try Row.fetchOne(db, SQLRequest(literal: """
                SELECT u.*, k.id AS key_id, k.last_used_at AS key_used FROM api_keys k JOIN users u ON u.id = k.user_id
                WHERE k.hash = \(hash) AND k.revoked_at IS NULL
                """)).map { (try RowMapping.user($0), $0["key_id"], $0["key_used"]) }
        }) else { return nil }
        if (used ?? 0) < time - 60 {
            try await pool.writing("recording the use of API key \(key)") { db in
                try db.execute(literal: "UPDATE api_keys SET last_used_at = \(time) WHERE id = \(key)")
            }
        }
        return user
    }

    // MARK: Sessions

    public func createSession(tokenHash: String, user: User.ID, csrf: String, expires: Date, idleTimeout: TimeInterval) async throws {
        let time = now
        try await pool.writing("starting a session for user \(user)") { db in
            try db.execute(literal: "DELETE FROM sessions WHERE expires_at < \(time) OR idle_expires_at < \(time)")
            try db.execute(literal: "INSERT INTO sessions (token_hash, user_id, csrf, expires_at, idle_expires_at) VALUES (\(tokenHash), \(user), \(csrf), \(expires.timeIntervalSince1970), \(time + idleTimeout))")
        }
    }

    public func session(tokenHash: String, idleTimeout: TimeInterval) async throws -> (User, String)? {
        let time = now
        let found = try await pool.reading("checking a session") { db in
            try Row.fetchOne(db, SQLRequest(literal: """
                SELECT u.*, s.csrf AS csrf, s.idle_expires_at AS idle_expires_at FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = \(tokenHash) AND s.expires_at > \(time) AND (s.idle_expires_at IS NULL OR s.idle_expires_at > \(time))
                """)).map { (try RowMapping.user($0), $0["csrf"] as String, $0["idle_expires_at"] as Double?) }
        }
        guard let (user, csrf, idleExpires) = found else { return nil }
        if (idleExpires ?? 0) < time + idleTimeout - Self.sessionRefreshInterval(idleTimeout) {
            try await pool.writing("keeping a session alive") { db in
                try db.execute(literal: "UPDATE sessions SET idle_expires_at = \(time + idleTimeout) WHERE token_hash = \(tokenHash)")
            }
        }
        return (user, csrf)
    }

    /// How stale a session's idle deadline may get before a request moves it (so not every request writes): a
    /// minute, or a quarter of a shorter idle timeout.
    static func sessionRefreshInterval(_ idleTimeout: TimeInterval) -> TimeInterval { min(60, idleTimeout / 4) }

    public func deleteSession(tokenHash: String) async throws {
        try await pool.writing("ending a session") { db in
            try db.execute(literal: "DELETE FROM sessions WHERE token_hash = \(tokenHash)")
        }
    }

    // MARK: Access

    public func grant(_ role: KnowledgeBaseRole, in kb: KnowledgeBase.ID, to user: User.ID) async throws {
        try await pool.writing("granting \(role.rawValue) in knowledge base \(kb) to user \(user)") { db in
            try db.execute(literal: """
                INSERT INTO kb_members (kb_id, user_id, role) VALUES (\(kb), \(user), \(role.rawValue))
                ON CONFLICT (kb_id, user_id) DO UPDATE SET role = excluded.role
                """)
        }
    }

    public func revoke(in kb: KnowledgeBase.ID, from user: User.ID) async throws -> Bool {
        try await pool.writing("revoking access to knowledge base \(kb) from user \(user)") { db in
            try db.execute(literal: "DELETE FROM kb_members WHERE kb_id = \(kb) AND user_id = \(user)")
            return db.changesCount > 0
        }
    }

    public func members(of kb: KnowledgeBase.ID) async throws -> [(User, KnowledgeBaseRole)] {
        try await pool.reading("listing the members of knowledge base \(kb)") { db in
            try Row.fetchAll(db, SQLRequest(literal: """
                SELECT u.*, m.role AS kb_role FROM kb_members m JOIN users u ON u.id = m.user_id WHERE m.kb_id = \(kb) ORDER BY u.name
                """)).map { (try RowMapping.user($0), KnowledgeBaseRole(rawValue: $0["kb_role"]) ?? .viewer) }
        }
    }

    public func roles(of user: User.ID) async throws -> [KnowledgeBase.ID: KnowledgeBaseRole] {
        try await pool.reading("reading the roles of user \(user)") { db in
            var roles: [KnowledgeBase.ID: KnowledgeBaseRole] = [:]
            for row in try Row.fetchAll(db, SQLRequest(literal: "SELECT kb_id, role FROM kb_members WHERE user_id = \(user)")) {
                roles[row["kb_id"]] = KnowledgeBaseRole(rawValue: row["role"]) ?? .viewer
            }
            return roles
        }
    }
}
