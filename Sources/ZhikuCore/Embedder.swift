/// Whether a text is a search query or a passage to be found (some models embed the two differently).
public enum EmbeddingPurpose: String, Sendable, Codable {
    case query
    case passage
}

/// Turns texts into vectors whose dot product measures similarity (vectors are L2-normalised).
public protocol Embedder: Sendable {
    /// The model's id, recorded with every index built from it.
    var modelID: String { get }
    var dimensions: Int { get }
    /// One vector per text, in order.
    func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]]
    /// How many tokens the model reads for `text` (for usage reports).
    func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int
}
