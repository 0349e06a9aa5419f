import Foundation
import ZhikuCore

/// Finished generation sessions kept for the next request (as llama.cpp's server keeps a slot's cache): a prompt
/// that begins with the tokens a kept session already holds — the same instructions, or a follow-up turn that
/// repeats the conversation so far — is read only from where the two differ. A session that shares nothing still
/// lends its memory, so a busy server reuses a few key–value caches instead of allocating one per answer.
///
/// Thread-safe; a session is out of the cache while a generation uses it, and only sessions whose generation ended
/// normally come back (a cancelled prompt leaves its cache half-written).
public final class PromptCache: @unchecked Sendable {
    /// How many idle sessions are kept (each holds up to its longest conversation's keys and values).
    public let limit: Int
    private let lock = NSLock()
    private var idle: [LlamaSession] = []

    public init(limit: Int = 2) {
        self.limit = max(0, limit)
    }

    /// Sessions kept now.
    public var count: Int { lock.withLock { idle.count } }

    /// A session for `prompt` that can grow to `capacity` tokens, and how many of the prompt's first tokens it
    /// already holds (always fewer than the whole prompt: the last token is fed again to get its logits).
    public func session(for prompt: [Int32], capacity: Int, model: LlamaModel) -> (LlamaSession, reused: Int) {
        let taken: (LlamaSession, Int)? = lock.withLock {
            guard !idle.isEmpty else { return nil }
            var best = 0, bestShared = -1
            for (i, session) in idle.enumerated() {
                let shared = Self.sharedPrefix(session.tokens, prompt)
                if shared > bestShared { (best, bestShared) = (i, shared) }
            }
            return (idle.remove(at: best), bestShared)
        }
        guard let (session, shared) = taken else {
            return (model.makeSession(context: capacity), 0)
        }
        let reused = min(shared, prompt.count - 1)
        session.rewind(to: max(0, reused))
        session.reserve(capacity)
        return (session, max(0, reused))
    }

    /// Gives a session back after a generation that ended normally; the oldest kept one makes room.
    public func keep(_ session: LlamaSession) {
        guard limit > 0 else { return }
        lock.withLock {
            idle.append(session)
            if idle.count > limit { idle.removeFirst(idle.count - limit) }
        }
    }

    /// Drops every kept session (their memory is freed).
    public func removeAll() {
        lock.withLock { idle.removeAll() }
    }

    static func sharedPrefix(_ a: [Int32], _ b: [Int32]) -> Int {
        var n = 0
        let end = min(a.count, b.count)
        while n < end && a[n] == b[n] { n += 1 }
        return n
    }
}
