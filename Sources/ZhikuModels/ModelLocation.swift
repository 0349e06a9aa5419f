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

    /// The folder of `modelID`, or a `.notFound` error telling how to fetch it.
    public static func folder(for modelID: String) throws -> URL {
        let folder = root().appendingPathComponent(modelID, isDirectory: true)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw ZhikuError.notFound("model '\(modelID)' is not installed in \(root().path); run scripts/fetch-models.sh")
        }
        return folder
    }

    /// The ids of the built-in embedding models, the default first.
    public static let builtInEmbedders = [E5Embedder.id, MiniLMEmbedder.id]

    /// The built-in embedder called `modelID`.
    public static func embedder(_ modelID: String) throws -> any Embedder {
        switch modelID {
        case E5Embedder.id: return try E5Embedder(folder: folder(for: modelID))
        case MiniLMEmbedder.id: return try MiniLMEmbedder(folder: folder(for: modelID))
        default:
            throw ZhikuError.invalidInput(
                "unknown embedding model '\(modelID)'; built in: \(E5Embedder.id), \(MiniLMEmbedder.id)")
        }
    }
}
