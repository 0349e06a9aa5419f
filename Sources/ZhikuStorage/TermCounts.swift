import Foundation
import ZhikuCore

/// The term frequencies of a chunk, ready for a postings table.
struct TermCounts: Sendable {
    var id: Chunk.ID
    var counts: [String: Int]
    var length: Int

    /// Tokenizes `chunks` on all cores (outside any database lock), in order.
    static func of(_ chunks: [IndexableChunk], tokenizer: any TextTokenizer) -> [TermCounts] {
        let slices = min(chunks.count, ProcessInfo.processInfo.activeProcessorCount * 4)
        guard slices > 1 else { return chunks.map { count($0, tokenizer) } }
        let results = Results(count: chunks.count)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            let range = (chunks.count * slice / slices)..<(chunks.count * (slice + 1) / slices)
            results.store(range.map { count(chunks[$0], tokenizer) }, at: range.lowerBound)
        }
        return results.values
    }

    private static func count(_ chunk: IndexableChunk, _ tokenizer: any TextTokenizer) -> TermCounts {
        let (counts, length) = tokenizer.termCounts(chunk.text)
        return TermCounts(id: chunk.id, counts: counts, length: length)
    }

    /// Collects slices computed on several threads.
    private final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [TermCounts?]

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        func store(_ values: [TermCounts], at offset: Int) {
            lock.lock()
            for (i, v) in values.enumerated() { slots[offset + i] = v }
            lock.unlock()
        }

        var values: [TermCounts] { slots.map { $0! } }
    }
}
