import Foundation
import Testing
import ZhikuCore
@testable import ZhikuEngine

@Suite struct QueryEmbeddingCacheTests {
    /// Counts its calls; a text's vector is its length and the model's number, so answers can be told apart.
    final class CountingEmbedder: Embedder, @unchecked Sendable {
        let modelID: String, number: Float
        let dimensions = 2
        private let lock = NSLock()
        private var seen: [String] = []
        init(_ modelID: String, number: Float) { self.modelID = modelID; self.number = number }
        var calls: [String] { lock.withLock { seen } }
        func embed(_ texts: [String], as purpose: EmbeddingPurpose) async throws -> [[Float]] {
            #expect(purpose == .query)
            lock.withLock { seen += texts }
            return texts.map { [Float($0.count), number] }
        }
        func tokenCount(_ text: String, as purpose: EmbeddingPurpose) -> Int { text.count }
    }

    @Test func aRepeatedQuestionIsEmbeddedOncePerModel() async throws {
        let cache = QueryEmbeddingCache(capacity: 8)
        let e5 = CountingEmbedder("e5", number: 1), other = CountingEmbedder("other", number: 2)
        #expect(try await cache.vector(for: "年假怎么申请", with: e5) == [6, 1])
        #expect(try await cache.vector(for: "年假怎么申请", with: e5) == [6, 1])
        #expect(try await cache.vector(for: "年假怎么申请", with: other) == [6, 2], "another model's space is its own")
        #expect(e5.calls == ["年假怎么申请"])
        #expect(other.calls == ["年假怎么申请"])
        #expect(cache.hits == 1 && cache.misses == 2)
    }

    @Test func theLeastRecentlyUsedQueryGoesFirst() async throws {
        let cache = QueryEmbeddingCache(capacity: 2)
        let e5 = CountingEmbedder("e5", number: 1)
        _ = try await cache.vector(for: "a", with: e5)
        _ = try await cache.vector(for: "bb", with: e5)
        _ = try await cache.vector(for: "a", with: e5)    // "a" is now the most recent
        _ = try await cache.vector(for: "ccc", with: e5)  // full: "bb" goes
        #expect(cache.count == 2)
        _ = try await cache.vector(for: "a", with: e5)
        _ = try await cache.vector(for: "bb", with: e5)
        #expect(e5.calls == ["a", "bb", "ccc", "bb"])
    }

    @Test func aZeroCapacityCacheKeepsNothing() async throws {
        let cache = QueryEmbeddingCache(capacity: 0)
        let e5 = CountingEmbedder("e5", number: 1)
        _ = try await cache.vector(for: "a", with: e5)
        _ = try await cache.vector(for: "a", with: e5)
        #expect(e5.calls == ["a", "a"])
        #expect(cache.count == 0)
    }
}
