import Foundation
import ZhikuCore

/// The term frequencies of a chunk, ready for a postings table.
struct TermCounts: Sendable {
    var id: Chunk.ID
    var counts: [String: Int]
    var length: Int

    /// Tokenizes `chunks` on the compute threads, a slice per core (outside any database lock and off Swift's task
    /// pool), in order.
    static func of(_ chunks: [IndexableChunk], tokenizer: any TextTokenizer) async throws -> [TermCounts] {
        let slices = min(chunks.count, ComputeThreads.shared.count)
        guard slices > 1 else { return try await ComputeThreads.shared.run { chunks.map { count($0, tokenizer) } } }
        return try await withThrowingTaskGroup(of: (Int, [TermCounts]).self) { group in
            for slice in 0..<slices {
                let range = (chunks.count * slice / slices)..<(chunks.count * (slice + 1) / slices)
                group.addTask { (slice, try await ComputeThreads.shared.run { range.map { count(chunks[$0], tokenizer) } }) }
            }
            var parts = [[TermCounts]](repeating: [], count: slices)
            for try await (slice, part) in group { parts[slice] = part }
            return parts.flatMap { $0 }
        }
    }

    private static func count(_ chunk: IndexableChunk, _ tokenizer: any TextTokenizer) -> TermCounts {
        let (counts, length) = tokenizer.termCounts(chunk.text)
        return TermCounts(id: chunk.id, counts: counts, length: length)
    }
}
