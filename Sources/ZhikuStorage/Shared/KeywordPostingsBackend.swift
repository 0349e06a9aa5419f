import Logging
import ZhikuCore
import ZhikuRetrieval

/// What a database does for keyword search: read a knowledge base's BM25 statistics, score the query terms'
/// postings, load them all into a snapshot. The flow around it — statistics, then the in-memory snapshot when its
/// generation matches, else the database's own scoring and a snapshot rebuilt in the background (a failed rebuild
/// is logged; searches stay on the database) — is ``searchPostings(_:k:in:within:)``, written once for both backends.
protocol KeywordPostingsBackend: Sendable {
    var tokenizer: any TextTokenizer { get }
    var parameters: BM25Parameters { get }
    var snapshots: SnapshotCache<KnowledgeBase.ID, BM25Snapshot>? { get }
    var logger: Logger { get }
    /// The statistics row of `kb` (`.empty` when it has none).
    func readStats(of kb: KnowledgeBase.ID) async throws -> BM25Stats
    /// The best `k` chunks of `kb` for the query's term counts, scored by the database.
    /// With a scope, only chunks of its files.
    func scorePostings(_ counts: [String: Int], k: Int, in kb: KnowledgeBase.ID, stats: BM25Stats, within scope: SearchScope?) async throws -> [ScoredChunk]
    /// Loads `kb`'s postings into the snapshot cache.
    func warm(_ kb: KnowledgeBase.ID) async throws
}

extension KeywordPostingsBackend {
    func searchPostings(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) async throws -> [ScoredChunk] {
        guard k > 0, scope?.isEmpty != true else { return [] }
        let counts = tokenizer.termCounts(query).counts
        guard !counts.isEmpty else { return [] }
        let stats = try await readStats(of: kb)
        guard stats.documents > 0 else { return [] }
        if let snapshot = snapshots?.snapshot(for: kb, generation: stats.generation) {
            return snapshot.search(counts, k: k, parameters: parameters, within: scope)
        }
        let hits = try await scorePostings(counts, k: k, in: kb, stats: stats, within: scope)
        // Answered by the database now; the snapshot for the next queries is built in the background.
        let logger = self.logger
        snapshots?.rebuildInBackground(kb, build: { try await self.warm(kb) }, failed: { error in
            logger.warning("loading the keyword index of knowledge base \(kb) into memory failed (searches stay on the database): \(error)")
        })
        return hits
    }
}
