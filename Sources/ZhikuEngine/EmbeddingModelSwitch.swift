import Foundation
import Logging
import ZhikuCore

/// Moves a knowledge base from one embedding model to another without a pause in search: the chunks are embedded
/// into a new vector space while searches keep using the old one; when every chunk has a vector the knowledge base
/// switches in one step and the old space is dropped. An interrupted switch resumes at the next start.
public struct EmbeddingModelSwitch: Sendable {
    public let store: any Store
    public let vectorIndex: any VectorIndex
    public let embedders: EmbedderCache
    public let logger: Logger
    /// Knowledge bases being re-embedded by this process.
    private let running = RunningSet<KnowledgeBase.ID>()

    public init(store: any Store, vectorIndex: any VectorIndex, embedders: EmbedderCache, logger: Logger) {
        self.store = store
        self.vectorIndex = vectorIndex
        self.embedders = embedders
        self.logger = logger
    }

    /// Switches `kb` to another embedding model (nil: keyword only). The chunks are embedded into a
    /// new vector space while searches keep using the old one; when every chunk has a vector the knowledge base
    /// switches in one step and the old space is dropped. `wait: false` returns at once and embeds in the
    /// background (the server); an interrupted switch resumes at the next start (``resume()``).
    public func change(_ kb: KnowledgeBase, to model: String?, wait: Bool = true) async throws -> KnowledgeBase {
        guard let model else {
            try await store.activateEmbeddingModel(nil, of: kb.id)
            try await vectorIndex.removeAll(from: kb.id)
            return try await refreshed(kb)
        }
        try await embedders.validate(model)
        if model == kb.embeddingModel {
            if kb.pendingEmbeddingModel != nil { try await store.setPendingEmbeddingModel(nil, of: kb.id) }
            return try await refreshed(kb)
        }
        try await store.setPendingEmbeddingModel(model, of: kb.id)
        if wait {
            try await reembed(kb.id)
        } else {
            let switcher = self
            Task {
                do { try await switcher.reembed(kb.id) } catch {
                    switcher.logger.error("re-embedding knowledge base \(kb.id) with '\(model)' failed: \(error)")
                }
            }
        }
        return try await refreshed(kb)
    }

    /// Finishes re-embeddings a stopped process left unfinished.
    public func resume() async throws {
        for kb in try await store.knowledgeBases() where kb.pendingEmbeddingModel != nil {
            logger.info("resuming the switch of '\(kb.name)' to \(kb.pendingEmbeddingModel!)")
            try await reembed(kb.id)
        }
    }

    /// Embeds every chunk of `kb` that has no vector in the pending model's space, then activates that model.
    private func reembed(_ id: KnowledgeBase.ID) async throws {
        guard await running.insert(id) else { return }  // already running in this process
        do {
            try await reembedPasses(id)
        } catch {
            await running.remove(id)
            throw error
        }
        await running.remove(id)
    }

    private func reembedPasses(_ id: KnowledgeBase.ID) async throws {
        guard let kb = try await store.knowledgeBase(id: id), let model = kb.pendingEmbeddingModel else { return }
        let embedder = try await embedders.embedder(model)
        let space = VectorSpace(kb.id, model: model)
        // Passes repeat until one finds nothing missing: files ingested meanwhile embed into both spaces, but a
        // job that read the knowledge base before the switch began may have embedded into the old one only.
        var total = 0
        while true {
            let have = try await vectorIndex.chunkIDs(in: space)
            var missing = 0, after: Chunk.ID = 0
            while true {
                try Task.checkCancellation()
                let page = try await store.chunks(in: kb.id, afterID: after, limit: 256)
                guard let last = page.last else { break }
                after = last.id
                let todo = page.filter { !have.contains($0.id) }
                for start in stride(from: 0, to: todo.count, by: 32) {
                    let batch = Array(todo[start..<min(todo.count, start + 32)])
                    let vectors = try await embedder.embed(batch.map(\.text), as: .passage)
                    try await vectorIndex.upsert(zip(batch, vectors).map { ChunkVector(id: $0.id, vector: $1) }, in: space)
                }
                missing += todo.count
            }
            total += missing
            if missing == 0 { break }
        }
        guard try await store.knowledgeBase(id: id)?.pendingEmbeddingModel == model else { return }  // changed again
        try await store.activateEmbeddingModel(model, of: kb.id)
        for old in try await vectorIndex.spaces(of: kb.id) where old.model != model {
            try await vectorIndex.drop(old)
        }
        logger.info("knowledge base '\(kb.name)' now searches with \(model) (\(total) chunks embedded)")
    }

    private func refreshed(_ kb: KnowledgeBase) async throws -> KnowledgeBase {
        guard let fresh = try await store.knowledgeBase(id: kb.id) else {
            throw ZhikuError.notFound("knowledge base '\(kb.name)' does not exist")
        }
        return fresh
    }
}
