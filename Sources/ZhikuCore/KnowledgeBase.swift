import Foundation

/// A named collection of files that is searched and answered from as one.
///
/// Names are unique per owner, not across the server: two members may each have a "notes", so creating one never
/// tells a member that a knowledge base they cannot see exists. Knowledge bases made without an account (the
/// command line, sign-in off) share one namespace.
public struct KnowledgeBase: Sendable, Hashable, Codable, Identifiable {
    public typealias ID = Int64

    public var id: ID
    public var name: String
    public var description: String
    public var createdAt: Date
    /// The embedding model its chunks are searched with; nil for a keyword-only knowledge base.
    public var embeddingModel: String?
    /// A model the chunks are being re-embedded with; it replaces `embeddingModel` when every chunk has a vector.
    public var pendingEmbeddingModel: String?
    /// The account that created it, whose namespace its name is in (nil: made without an account).
    public var ownerID: User.ID?
    /// Its own second search pass — `off`, `sentences` or `server` — instead of the server's (nil: the server's,
    /// `ZHIKU_RERANK`).
    public var rerank: String?

    public init(id: ID, name: String, description: String = "", createdAt: Date = Date(), embeddingModel: String? = nil,
                pendingEmbeddingModel: String? = nil, ownerID: User.ID? = nil) {
        self.id = id
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.embeddingModel = embeddingModel
        self.pendingEmbeddingModel = pendingEmbeddingModel
        self.ownerID = ownerID
    }

    /// The models new chunks must be embedded with: the active one and the one being built.
    public var embeddingModels: [String] {
        [embeddingModel, pendingEmbeddingModel].compactMap { $0 }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// The one of `candidates` (all called `name`), nil when there is none, `.conflict` naming their ids when there
    /// are several.
    public static func single(_ candidates: [KnowledgeBase], named name: String) throws -> KnowledgeBase? {
        guard candidates.count <= 1 else {
            throw ZhikuError(.conflict, "several knowledge bases are named '\(name)' (ids "
                             + candidates.map { String($0.id) }.joined(separator: ", ") + "); give the id instead")
        }
        return candidates.first
    }

    /// Checks a proposed name: 1–100 characters, not only digits (digits address a knowledge base by id),
    /// no control characters or slashes. Returns the trimmed name.
    public static func validatedName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw ZhikuError.invalidInput("knowledge base name must not be empty") }
        guard name.unicodeScalars.count <= 100 else {
            throw ZhikuError.invalidInput("knowledge base name is longer than 100 characters")
        }
        guard !name.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw ZhikuError.invalidInput("knowledge base name '\(name)' must not be only digits")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" || $0 == "\\" }) {
            throw ZhikuError.invalidInput("knowledge base name must not contain slashes or control characters")
        }
        return name
    }
}
