import Foundation

/// A key a program signs in with (`Authorization: Bearer zk_…`). Only its SHA-256 is stored; the key itself is
/// shown once, when it is made. ``prefix`` (its first characters) lets people tell their keys apart.
public struct APIKey: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64
    public var id: ID
    public var userID: User.ID
    public var name: String
    public var prefix: String
    public var createdAt: Date
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(id: ID, userID: User.ID, name: String, prefix: String, createdAt: Date, revokedAt: Date? = nil,
                lastUsedAt: Date? = nil) {
        self.id = id
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }
}
