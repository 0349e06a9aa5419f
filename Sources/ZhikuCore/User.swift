import Foundation

/// A person (or program) who signs in to Zhiku. Admins see and manage everything; members see the knowledge bases
/// they were given a ``KnowledgeBaseRole`` in.
public struct User: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public enum Role: String, Sendable, Codable, CaseIterable {
        case admin, member
    }

    public var id: ID
    public var name: String
    public var role: Role
    public var createdAt: Date

    public init(id: ID, name: String, role: Role, createdAt: Date) {
        self.id = id
        self.name = name
        self.role = role
        self.createdAt = createdAt
    }

    /// The single user of a server running without sign-in (`ZHIKU_AUTH=off`, loopback only): an admin that owns
    /// what no account owns (conversations made by the CLI, for one).
    public static let local = User(id: 0, name: "local", role: .admin, createdAt: Date(timeIntervalSince1970: 0))

    /// The owner recorded on what this user creates: nil for ``local``.
    public var ownerID: ID? { id == User.local.id ? nil : id }

    public var isAdmin: Bool { role == .admin }

    /// The name the audit log records for this user's questions (nil for ``local``).
    public var auditName: String? { ownerID == nil ? nil : name }

    /// Checks a user name: 1…64 letters, digits, `.`, `_`, `-` or `@`.
    public static func validatedName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count),
              name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-@".unicodeScalars.contains($0) })
        else {
            throw ZhikuError.invalidInput("a user name has 1 to 64 letters, digits, '.', '_', '-' or '@', got '\(raw)'")
        }
        return name
    }
}
