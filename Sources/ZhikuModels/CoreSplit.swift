import Foundation
import ZhikuCore

/// Splits a batch into one part per core, runs `body` on each part at once (``ComputeThreads``), and joins the
/// results in the batch's order: how the encoders spread a batch of sequences (each part on one BLAS thread).
enum CoreSplit {
    static func map<Item: Sendable, Result: Sendable>(_ items: [Item], parts: Int,
                                                      _ body: @Sendable ([Item]) -> [Result]) -> [Result] {
        guard parts > 1 else { return body(items) }
        let results = PartResults<Result>(count: parts)
        ComputeThreads.concurrentPerform(iterations: parts) { part in
            let range = (items.count * part / parts)..<(items.count * (part + 1) / parts)
            results.set(part, body(Array(items[range])))
        }
        return results.joined()
    }

    /// Collects each part's results.
    private final class PartResults<Result>: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [[Result]]

        init(count: Int) { parts = Array(repeating: [], count: count) }

        func set(_ index: Int, _ value: [Result]) {
            lock.withLock { parts[index] = value }
        }

        func joined() -> [Result] { lock.withLock { parts.flatMap { $0 } } }
    }
}
