import Foundation
import ZhikuCore

/// Copies everything one Zhiku database holds into another (SQLite to PostgreSQL, and back): every table of
/// ``TableSpec/all`` row by row in key order and in batches, each batch one transaction; then the keyword index,
/// rebuilt from the copied chunks with the same tokenizer (so the same scores), and the vectors, copied bit for bit
/// through the ``VectorIndex`` seam. Interrupted at any point, a second run continues after the last copied key
/// and skips what is there. Finally both sides are compared: row counts and a SHA-256 of every table's rows in key
/// order, vector counts and a SHA-256 of each space's vectors, and a sample of keyword searches per knowledge base.
/// The source should not change meanwhile (stop the servers).
public struct DatabaseMigration: Sendable {
    /// One database as the migration sees it.
    public struct Side: Sendable {
        public var rows: any RowTransfer
        public var store: any Store
        public var keywordIndex: any KeywordIndex
        public var vectorIndex: any VectorIndex

        public init(rows: any RowTransfer, store: any Store, keywordIndex: any KeywordIndex, vectorIndex: any VectorIndex) {
            self.rows = rows
            self.store = store
            self.keywordIndex = keywordIndex
            self.vectorIndex = vectorIndex
        }
    }

    /// What the comparison found for one table or vector space.
    public struct Check: Sendable {
        public var name: String
        public var sourceCount: Int
        public var destinationCount: Int
        public var sourceChecksum: String
        public var destinationChecksum: String
        public var matches: Bool { sourceCount == destinationCount && sourceChecksum == destinationChecksum }
    }

    public struct Report: Sendable {
        /// Rows (tables) or vectors (spaces) copied by this run.
        public var copied: [String: Int] = [:]
        public var tables: [Check] = []
        public var vectorSpaces: [Check] = []
        /// Keyword searches run on both sides, and those that differed.
        public var keywordSearches = 0
        public var keywordDifferences: [String] = []
        public var verified: Bool {
            tables.allSatisfy(\.matches) && vectorSpaces.allSatisfy(\.matches) && keywordDifferences.isEmpty
        }
    }

    public let source: Side
    public let destination: Side
    public var batchSize = 2_000
    /// Called with a line of progress now and then.
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(from source: Side, to destination: Side) {
        self.source = source
        self.destination = destination
    }

    public func run() async throws -> Report {
        var report = Report()
        for table in TableSpec.all {
            report.copied[table.name] = try await copy(table)
        }
        try await rebuildKeywordIndex()
        for kb in try await source.store.knowledgeBases() {
            for space in try await source.vectorIndex.spaces(of: kb.id) {
                report.copied["vectors \(space.knowledgeBaseID)/\(space.model)"] = try await copy(space)
            }
        }
        progress("verifying")
        for table in TableSpec.all {
            let (sourceCount, sourceSum) = try await checksum(table, on: source.rows)
            let (destinationCount, destinationSum) = try await checksum(table, on: destination.rows)
            report.tables.append(Check(name: table.name, sourceCount: sourceCount, destinationCount: destinationCount,
                                       sourceChecksum: sourceSum, destinationChecksum: destinationSum))
        }
        for kb in try await source.store.knowledgeBases() {
            let spaces = Set(try await source.vectorIndex.spaces(of: kb.id)).union(try await destination.vectorIndex.spaces(of: kb.id))
            for space in spaces.sorted(by: { $0.model < $1.model }) {
                let (sourceCount, sourceSum) = try await checksum(space, on: source.vectorIndex)
                let (destinationCount, destinationSum) = try await checksum(space, on: destination.vectorIndex)
                report.vectorSpaces.append(Check(name: "\(kb.name) / \(space.model)", sourceCount: sourceCount,
                                                 destinationCount: destinationCount, sourceChecksum: sourceSum,
                                                 destinationChecksum: destinationSum))
            }
            try await compareKeywordSearches(in: kb, into: &report)
        }
        return report
    }

    /// Copies the rows of `table` the destination lacks, after its last key. Returns how many.
    private func copy(_ table: TableSpec) async throws -> Int {
        var after = try await destination.rows.lastKey(of: table)
        var copied = 0
        while true {
            let rows = try await source.rows.rows(of: table, after: after, limit: batchSize)
            guard let last = rows.last else { break }
            try await destination.rows.insert(rows, into: table)
            copied += rows.count
            after = table.key.map { last[$0] }
            progress("\(table.name): \(copied) rows copied")
            FaultInjection.point("migrate-\(table.name)")
        }
        try await destination.rows.continueIdentity(of: table)
        return copied
    }

    /// Indexes, for keyword search, every copied chunk the destination's index does not hold yet.
    private func rebuildKeywordIndex() async throws {
        for kb in try await destination.store.knowledgeBases() {
            var after: Chunk.ID = 0, indexed = 0
            while true {
                let chunks = try await destination.store.chunks(in: kb.id, afterID: after, limit: batchSize)
                guard let last = chunks.last else { break }
                try await destination.keywordIndex.add(chunks.map { IndexableChunk(id: $0.id, text: $0.keywordText) }, to: kb.id)
                indexed += chunks.count
                after = last.id
                progress("keyword index of \(kb.name): \(indexed) chunks")
            }
        }
    }

    /// Copies the vectors of `space` the destination lacks. Returns how many.
    private func copy(_ space: VectorSpace) async throws -> Int {
        let present = try await destination.vectorIndex.chunkIDs(in: space)
        var after: Chunk.ID = 0, copied = 0
        while true {
            let vectors = try await source.vectorIndex.vectors(in: space, afterID: after, limit: batchSize)
            guard let last = vectors.last else { break }
            let missing = vectors.filter { !present.contains($0.id) }
            try await destination.vectorIndex.upsert(missing, in: space)
            copied += missing.count
            after = last.id
            progress("vectors of \(space): \(copied) copied")
            FaultInjection.point("migrate-vectors")
        }
        return copied
    }

    private func checksum(_ table: TableSpec, on side: any RowTransfer) async throws -> (Int, String) {
        let hasher = SHA256Hasher()
        var after: [CellValue]?, count = 0
        while true {
            let rows = try await side.rows(of: table, after: after, limit: 5_000)
            guard let last = rows.last else { break }
            for row in rows { for value in row { hasher.update(value.canonicalBytes) } }
            count += rows.count
            after = table.key.map { last[$0] }
        }
        return (count, hasher.finalize())
    }

    private func checksum(_ space: VectorSpace, on index: any VectorIndex) async throws -> (Int, String) {
        let hasher = SHA256Hasher()
        var after: Chunk.ID = 0, count = 0
        while true {
            let vectors = try await index.vectors(in: space, afterID: after, limit: 5_000)
            guard let last = vectors.last else { break }
            for item in vectors {
                hasher.update(CellValue.integer(item.id).canonicalBytes)
                Data(littleEndianFloats: item.vector).withUnsafeBytes(hasher.update)
            }
            count += vectors.count
            after = last.id
        }
        return (count, hasher.finalize())
    }

    /// Searches both keyword indexes for the openings of up to 20 chunks spread over the knowledge base.
    private func compareKeywordSearches(in kb: KnowledgeBase, into report: inout Report) async throws {
        var openings: [String] = [], after: Chunk.ID = 0
        while true {
            let page = try await source.store.chunks(in: kb.id, afterID: after, limit: 5_000)
            guard let last = page.last else { break }
            openings += page.map { String($0.text.prefix(40)) }
            after = last.id
        }
        let step = max(1, openings.count / 20)
        for query in openings.enumerated().filter({ $0.offset % step == 0 }).map(\.element).prefix(20) {
            let mine = try await source.keywordIndex.search(query, k: 10, in: kb.id)
            let theirs = try await destination.keywordIndex.search(query, k: 10, in: kb.id)
            report.keywordSearches += 1
            let same = mine.count == theirs.count && zip(mine, theirs).allSatisfy {
                $0.chunkID == $1.chunkID && abs($0.score - $1.score) <= 1e-9 * max(1, abs($0.score))
            }
            if !same { report.keywordDifferences.append("'\(query)' in \(kb.name)") }
        }
    }
}
