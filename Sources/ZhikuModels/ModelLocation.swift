import Foundation
import ZhikuCore

/// Where built-in model weights live: `$ZHIKU_MODELS/<model id>`, by default
/// `${XDG_CACHE_HOME:-$HOME/.cache}/zhiku/models/<model id>` (filled by `scripts/fetch-models.sh`).
public enum ModelLocation {
    public static func root(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["ZHIKU_MODELS"], !path.isEmpty { return URL(fileURLWithPath: path, isDirectory: true) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        return URL(fileURLWithPath: cache, isDirectory: true).appendingPathComponent("zhiku/models", isDirectory: true)
    }

    /// The folder of `modelID`, or a `.notFound` error telling how to fetch it (models fetched only on request
    /// are named on the command).
    public static func folder(for modelID: String, fetchedOnRequest: Bool = false) throws -> URL {
        let folder = root().appendingPathComponent(modelID, isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw ZhikuError.notFound("model '\(modelID)' is not installed in \(root().path); run scripts/fetch-models.sh"
                                      + (fetchedOnRequest ? " \(modelID)" : ""))
        }
        return folder
    }

    /// The ids of the built-in embedding models, the default first.
    public static let builtInEmbedders = [E5Embedder.id, MiniLMEmbedder.id, EmbeddingGemmaEmbedder.id]
        + EmbeddingGemmaEmbedder.truncatedIDs

    /// Whether the weights of built-in embedding model `modelID` are installed (the truncated EmbeddingGemma
    /// variants share the full model's folder).
    public static func isInstalled(embedder modelID: String) -> Bool {
        let folder = EmbeddingGemmaEmbedder.dimensions(ofModel: modelID) != nil ? EmbeddingGemmaEmbedder.id : modelID
        return FileManager.default.fileExists(atPath: root().appendingPathComponent(folder, isDirectory: true).path)
    }

    /// The built-in embedder called `modelID`.
    public static func embedder(_ modelID: String) throws -> any Embedder {
        switch modelID {
        case E5Embedder.id: return try E5Embedder(folder: folder(for: modelID))
        case MiniLMEmbedder.id: return try MiniLMEmbedder(folder: folder(for: modelID))
        default:
            if let dimensions = EmbeddingGemmaEmbedder.dimensions(ofModel: modelID) {
                return try EmbeddingGemmaEmbedder(folder: folder(for: EmbeddingGemmaEmbedder.id, fetchedOnRequest: true),
                                                  dimensions: dimensions)
            }
            throw ZhikuError.invalidInput(
                "unknown embedding model '\(modelID)'; built in: \(builtInEmbedders.joined(separator: ", "))")
        }
    }
}
