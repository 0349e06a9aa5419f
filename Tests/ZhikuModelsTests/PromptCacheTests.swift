import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// Kept sessions: a prompt that shares its beginning with a kept session is read only from where they differ, and
/// gives the logits a fresh session gives; cancelled sessions are never kept; memory is lent, not allocated anew.
@Suite(.serialized, .offThePool) struct PromptCacheTests {
    static let generator: LlamaGenerator? = {
        guard (try? ModelLocation.folder(for: "smollm2-135m-instruct")) != nil else { return nil }
        return try? LlamaGenerator.load("smollm2-135m-instruct", exactInputs: true)
    }()

    func loaded() throws -> LlamaGenerator {
        guard let generator = Self.generator else {
            try Skip.now("model smollm2-135m-instruct not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return generator
    }

    static let instructions = ChatMessage(role: .system, content: String(repeating: "Answer from the numbered sources only, and cite them as [n]. ", count: 6))

    /// Records the first progress report (how much of the prompt was already in the cache).
    final class FirstProgress: @unchecked Sendable {
        private let lock = NSLock()
        private var first: Int?
        var value: Int? { lock.withLock { first } }
        func record(_ done: Int) { lock.withLock { if first == nil { first = done } } }
    }

    @Test func aSharedBeginningIsReadOnceAndGivesTheSameLogits() throws {
        let generator = try loaded()
        generator.promptCache.removeAll()
        let first = [Self.instructions, ChatMessage(role: .user, content: "What is a source package?")]
        let second = [Self.instructions, ChatMessage(role: .user, content: "How do I build a binary package with dpkg-buildpackage?")]
        _ = try generator.generate(first, maxTokens: 4, reusingPrompts: true)
        #expect(generator.promptCache.count == 1)

        let progress = FirstProgress()
        let control = LlamaGenerator.Control(progress: { done, _ in progress.record(done) })
        let reused = try generator.generate(second, maxTokens: 4, reusingPrompts: true, control: control)
        let fresh = try generator.generate(second, maxTokens: 4)
        let ids = try #require(try generator.promptIDs(second))
        let firstIDs = try #require(try generator.promptIDs(first))
        let shared = PromptCache.sharedPrefix(ids, firstIDs)
        #expect(shared > 60, "the instructions are shared")
        // Reading began after the shared tokens.
        #expect((progress.value ?? 0) >= shared)
        #expect(reused.promptTokenIDs == fresh.promptTokenIDs)
        let difference = zip(reused.firstLogits, fresh.firstLogits).map { abs($0 - $1) }.max() ?? .infinity
        #expect(difference < 1e-2, "largest logit difference \(difference)")
        #expect(reused.tokenIDs == fresh.tokenIDs)
        #expect(generator.promptCache.count == 1, "the one session went back")
    }

    @Test func theSameSessionIsLentAgainAndACancelledOneIsDropped() throws {
        let generator = try loaded()
        let cache = PromptCache(limit: 1)
        let ids = try #require(try generator.promptIDs([ChatMessage(role: .user, content: "你好，请介绍一下 Debian。")]))
        let (a, reusedA) = cache.session(for: ids, capacity: 64, model: generator.model)
        #expect(reusedA == 0)
        _ = try a.forward(ids)
        cache.keep(a)
        // The whole prompt is in the cache: all but its last token are reused (the last is read again for its logits).
        let (b, reusedB) = cache.session(for: ids, capacity: 128, model: generator.model)
        #expect(b === a)
        #expect(reusedB == ids.count - 1)
        #expect(b.position == ids.count - 1 && b.tokens == Array(ids.dropLast()))
        #expect(b.capacity >= 128)
        #expect(cache.count == 0, "a lent session is out of the cache")

        // A generation stopped while reading its prompt does not give its half-written session back.
        generator.promptCache.removeAll()
        #expect(throws: CancellationError.self) {
            _ = try generator.generate(promptIDs: ids, maxTokens: 4, reusingPrompts: true,
                                       control: LlamaGenerator.Control(shouldStop: { true }))
        }
        #expect(generator.promptCache.count == 0)
    }

    @Test func sharedPrefixCountsEqualLeadingTokens() {
        #expect(PromptCache.sharedPrefix([1, 2, 3], [1, 2, 4, 5]) == 2)
        #expect(PromptCache.sharedPrefix([], [1]) == 0)
        #expect(PromptCache.sharedPrefix([7, 8], [7, 8]) == 2)
    }
}
