import Foundation

/// Accounts: users with password hashes, API keys, browser sessions, and who may do what in which knowledge base.
public protocol AccountStore: Sendable {
    // MARK: Users
    func userCount() async throws -> Int
    /// Creates a user (`.conflict` when the name is taken).
    func createUser(name: String, role: User.Role, passwordHash: String) async throws -> User
    func users() async throws -> [User]
    func user(named name: String) async throws -> User?
    func user(id: User.ID) async throws -> User?
    /// The user and stored password hash for a sign-in.
    func credentials(named name: String) async throws -> (User, String)?
    func setPasswordHash(_ hash: String, of user: User.ID) async throws
    /// Deletes a user with their keys, sessions, memberships and conversations. False when there was none.
    func deleteUser(id: User.ID) async throws -> Bool

    // MARK: API keys
    /// Stores a key by its hash.
    func createAPIKey(user: User.ID, name: String, prefix: String, hash: String) async throws -> APIKey
    func apiKeys(of user: User.ID) async throws -> [APIKey]
    func apiKey(id: APIKey.ID) async throws -> APIKey?
    /// Revokes a key (at once: the next request with it is refused). False when it does not exist or was revoked.
    func revokeAPIKey(id: APIKey.ID) async throws -> Bool
    /// The user of a live (unrevoked) key, recording its use.
    func user(forKeyHash hash: String) async throws -> User?

    // MARK: Sessions
    /// Starts a session that ends at `expires`, or earlier when it goes unused for `idleTimeout` seconds.
    func createSession(tokenHash: String, user: User.ID, csrf: String, expires: Date, idleTimeout: TimeInterval) async throws
    /// The user and CSRF token of a session that has not expired; using it keeps it alive for another `idleTimeout`
    /// seconds (recorded at most once a minute), never past its `expires`.
    func session(tokenHash: String, idleTimeout: TimeInterval) async throws -> (User, String)?
    func deleteSession(tokenHash: String) async throws

    // MARK: Access to knowledge bases
    /// Gives `user` a role in `kb` (replacing any earlier one).
    func grant(_ role: KnowledgeBaseRole, in kb: KnowledgeBase.ID, to user: User.ID) async throws
    func revoke(in kb: KnowledgeBase.ID, from user: User.ID) async throws -> Bool
    /// The members of `kb` with their roles.
    func members(of kb: KnowledgeBase.ID) async throws -> [(User, KnowledgeBaseRole)]
    /// Every knowledge base `user` has a role in.
    func roles(of user: User.ID) async throws -> [KnowledgeBase.ID: KnowledgeBaseRole]
}
