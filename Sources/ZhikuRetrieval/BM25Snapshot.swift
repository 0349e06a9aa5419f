import ZhikuCore

/// An immutable, compact BM25 index of one knowledge base: postings in flat arrays grouped by term, documents
/// numbered densely. Built from a persistent index's postings, it answers a query by accumulating into a dense
/// score array — the same scores as the persistent index, without a database round trip per posting.
public struct BM25Snapshot: Sendable {
    /// Dense document number → chunk id.
    public let chunkIDs: [Chunk.ID]
    private let lengths: [Double]
    private let averageLength: Double
    /// Term → range in `postingDocuments` / `postingFrequencies`.
    private let terms: [String: Range<Int>]
    private let postingDocuments: [Int32]
    private let postingFrequencies: [Double]

    /// Collects postings term by term, then freezes them into a snapshot.
    public struct Builder {
        private var documentNumbers: [Chunk.ID: Int32] = [:]
        private var chunkIDs: [Chunk.ID] = []
        private var lengths: [Double] = []
        private var totalLength = 0
        private var terms: [String: Range<Int>] = [:]
        private var postingDocuments: [Int32] = []
        private var postingFrequencies: [Double] = []
        private var currentTerm: String? = nil
        private var currentStart = 0

        public init() {}

        /// Declares a document (every document, before its postings).
        public mutating func addDocument(_ chunkID: Chunk.ID, length: Int) {
            guard documentNumbers[chunkID] == nil else { return }
            documentNumbers[chunkID] = Int32(chunkIDs.count)
            chunkIDs.append(chunkID)
            lengths.append(Double(length))
            totalLength += length
        }

        /// Starts the postings of a new term (terms must arrive grouped, each once).
        public mutating func beginTerm(_ term: String) {
            closeTerm()
            currentTerm = term
            currentStart = postingDocuments.count
        }

        /// One posting of the current term; postings of undeclared documents are ignored.
        public mutating func addPosting(_ chunkID: Chunk.ID, tf: Int) {
            guard let number = documentNumbers[chunkID] else { return }
            postingDocuments.append(number)
            postingFrequencies.append(Double(tf))
        }

        private mutating func closeTerm() {
            if let term = currentTerm, postingDocuments.count > currentStart {
                terms[term] = currentStart..<postingDocuments.count
            }
            currentTerm = nil
        }

        public mutating func build() -> BM25Snapshot {
            closeTerm()
            return BM25Snapshot(chunkIDs: chunkIDs, lengths: lengths,
                                averageLength: chunkIDs.isEmpty ? 0 : Double(totalLength) / Double(chunkIDs.count),
                                terms: terms, postingDocuments: postingDocuments, postingFrequencies: postingFrequencies)
        }
    }

    /// The `k` best chunks for the query terms (with their counts in the query), best first, ties by chunk id;
    /// scores rounded to 9 decimals. With a scope, only its chunks are ranked.
    public func search(_ queryCounts: [String: Int], k: Int, parameters: BM25Parameters, within scope: SearchScope? = nil) -> [ScoredChunk] {
        guard k > 0, !chunkIDs.isEmpty else { return [] }
        var scores = [Double](repeating: 0, count: chunkIDs.count)
        var touched: [Int32] = []
        let k1 = parameters.k1, b = parameters.b
        let lengthFactor = averageLength > 0 ? b / averageLength : 0
        // Terms in a fixed order: floating-point sums depend on it, and a dictionary's order changes from process
        // to process, so two servers would report scores differing in the last bits (score fusion shows them).
        for term in queryCounts.keys.sorted() {
            guard let range = terms[term], let count = queryCounts[term] else { continue }
            let weight = BM25Parameters.idf(documentCount: chunkIDs.count, documentFrequency: range.count) * Double(count)
            postingDocuments.withUnsafeBufferPointer { docs in
                postingFrequencies.withUnsafeBufferPointer { tfs in
                    lengths.withUnsafeBufferPointer { lengths in
                        scores.withUnsafeMutableBufferPointer { scores in
                            for i in range {
                                let d = Int(docs[i])
                                let tf = tfs[i]
                                if scores[d] == 0 { touched.append(Int32(d)) }
                                scores[d] += weight * tf * (k1 + 1) / (tf + k1 * (1 - b + lengthFactor * lengths[d]))
                            }
                        }
                    }
                }
            }
        }
        var top = TopK(k)
        // Rounded to 9 decimals like PostgreSQL's scores, so a snapshot and the server report the same numbers.
        for d in touched where scope?.contains(chunkIDs[Int(d)]) ?? true { top.offer(chunkIDs[Int(d)], score: (scores[Int(d)] * 1e9).rounded() / 1e9) }
        return top.results
    }
}
