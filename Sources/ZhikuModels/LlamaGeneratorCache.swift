import Foundation
import ZhikuCore

/// The chat models this process has loaded, shared by everything in it (the weights are read-only; each
/// generation keeps its own cache). Loading reads and repacks a file of up to a few GB, which takes a core for
/// seconds: it runs on ``ComputeThreads``, once per model even when many callers ask at the same time.
public actor LlamaGeneratorCache {
    /// The process's cache.
    public static let shared = LlamaGeneratorCache()

    private var loaded: [String: LlamaGenerator] = [:]
    private var loading: [String: Task<LlamaGenerator, any Error>] = [:]

    /// The model `modelIDOrPath` (see ``LlamaGenerator/load(_:exactInputs:)``), loaded on first use.
    public func generator(_ modelIDOrPath: String) async throws -> LlamaGenerator {
        if let generator = loaded[modelIDOrPath] { return generator }
        if let task = loading[modelIDOrPath] { return try await task.value }
        let task = Task { try await ComputeThreads.shared.run { try LlamaGenerator.load(modelIDOrPath) } }
        loading[modelIDOrPath] = task
        defer { loading[modelIDOrPath] = nil }
        let generator = try await task.value
        loaded[modelIDOrPath] = generator
        return generator
    }
}
