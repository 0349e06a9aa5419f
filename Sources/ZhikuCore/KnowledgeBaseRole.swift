/// What a member may do in one knowledge base; each role includes the ones before it.
public enum KnowledgeBaseRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Search it, ask it, read its files and citations.
    case viewer
    /// Also upload, delete and retry files.
    case editor
    /// Also rename, delete, change its embedding model, and grant or revoke access.
    case owner

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}
