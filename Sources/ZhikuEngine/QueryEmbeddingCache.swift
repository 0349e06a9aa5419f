import Foundation
import ZhikuCore

/// The most recently used query embeddings, by model and query text: a question asked again (a retry, the same
/// question from a colleague, the search page and then the chat) skips the embedding model. Thread-safe; the least
/// recently used entry goes first when the cache is full.
public final class QueryEmbeddingCache: @unchecked Sendable {
    private struct Key: Hashable { var model: String; var text: String }
    private struct Entry { var vector: [Float]; var used: UInt64 }

    /// The most entries kept (a 384-dimension vector is 1.5 KB).
    public let capacity: Int
    private let lock = NSLock()
    private var entries: [Key: Entry] = [:]
    private var clock: UInt64 = 0
    private(set) var hits = 0, misses = 0

    public init(capacity: Int = 512) { self.capacity = max(0, capacity) }

    /// The query's vector from `embedder`, computed only when this model has not embedded this text recently.
    public func vector(for text: String, with embedder: any Embedder) async throws -> [Float]? {
        let key = Key(model: embedder.modelID, text: text)
        if let known = lookUp(key) { return known }
        guard let vector = try await embedder.embed([text], as: .query).first else { return nil }
        store(vector, for: key)
        return vector
    }

    private func lookUp(_ key: Key) -> [Float]? {
        lock.withLock {
            clock += 1
            guard var entry = entries[key] else {
                misses += 1
                return nil
            }
            hits += 1
            entry.used = clock
            entries[key] = entry
            return entry.vector
        }
    }

    private func store(_ vector: [Float], for key: Key) {
        guard capacity > 0 else { return }
        lock.withLock {
            clock += 1
            if entries[key] == nil, entries.count >= capacity,
               let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
            entries[key] = Entry(vector: vector, used: clock)
        }
    }

    /// How many entries are kept.
    public var count: Int { lock.withLock { entries.count } }
}
