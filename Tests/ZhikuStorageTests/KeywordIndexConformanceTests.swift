import Foundation
import GRDB
import Testing
import ZhikuCore
import ZhikuRetrieval
@testable import ZhikuStorage
import ZhikuTestSupport

/// The behaviour every ``KeywordIndex`` backend must show, run against each of them.
@Suite struct KeywordIndexConformanceTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        /// The in-memory reference; SQLite scoring in SQL; SQLite answering from its in-memory snapshot; the same
        /// two for PostgreSQL.
        case memory, sqlite, sqliteSnapshot, postgres, postgresSnapshot
        var testDescription: String { rawValue }
    }

    /// Builds the snapshot before every search, so every query takes the snapshot path.
    struct WarmedIndex: KeywordIndex {
        let inner: any KeywordIndex
        let warm: @Sendable (KnowledgeBase.ID) async throws -> Void
        func add(_ chunks: [IndexableChunk], to kb: KnowledgeBase.ID) async throws { try await inner.add(chunks, to: kb) }
        func remove(_ ids: [Chunk.ID], from kb: KnowledgeBase.ID) async throws { try await inner.remove(ids, from: kb) }
        func removeAll(from kb: KnowledgeBase.ID) async throws { try await inner.removeAll(from: kb) }
        func search(_ query: String, k: Int, in kb: KnowledgeBase.ID, within scope: SearchScope?) async throws -> [ScoredChunk] {
            try await warm(kb)
            return try await inner.search(query, k: k, in: kb, within: scope)
        }
    }

    /// Keeps the SQLite database's folder (or the PostgreSQL pool) alive for the test's duration.
    struct Subject {
        let index: any KeywordIndex
        let folder: TemporaryFolder
        var postgres: PostgreSQLDatabase?
    }

    /// A fresh, empty index (nil: PostgreSQL was asked for and no server is running — a "skipped" line says so).
    func make(_ backend: Backend) async throws -> Subject? {
        let folder = TemporaryFolder()
        switch backend {
        case .memory:
            return Subject(index: MemoryKeywordIndex(tokenizer: MixedScriptTokenizer()), folder: folder)
        case .sqlite:
            let db = try SQLiteDatabase(path: folder.url.appendingPathComponent("t.sqlite").path)
            return Subject(index: SQLiteKeywordIndex(database: db, tokenizer: MixedScriptTokenizer(), cachesSnapshots: false),
                           folder: folder)
        case .sqliteSnapshot:
            let db = try SQLiteDatabase(path: folder.url.appendingPathComponent("t.sqlite").path)
            let index = SQLiteKeywordIndex(database: db, tokenizer: MixedScriptTokenizer())
            return Subject(index: WarmedIndex(inner: index, warm: index.warm), folder: folder)
        case .postgres:
            let database = try await VectorIndexConformanceTests.freshPostgres()
            return Subject(index: PostgresKeywordIndex(database: database, tokenizer: MixedScriptTokenizer(), cachesSnapshots: false),
                           folder: folder, postgres: database)
        case .postgresSnapshot:
            let database = try await VectorIndexConformanceTests.freshPostgres()
            let index = PostgresKeywordIndex(database: database, tokenizer: MixedScriptTokenizer())
            return Subject(index: WarmedIndex(inner: index, warm: index.warm), folder: folder, postgres: database)
        }
    }

    @Test(arguments: Backend.allCases) func handCheckableBM25(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        try await s.index.add([
            .init(id: 1, text: "apple banana"),
            .init(id: 2, text: "apple apple cherry"),
            .init(id: 3, text: "banana cherry cherry durian"),
        ], to: 1)
        // N = 3, avgdl = 3; idf(apple) = ln(1 + 1.5/2.5) = ln 1.6.
        let apple = try await s.index.search("apple", k: 10, in: 1)
        #expect(apple.map(\.chunkID) == [2, 1])
        let d2: Double = log(1.6) * 2.0 * 2.2 / (2.0 + 1.2 * (0.25 + 0.75 * 3.0 / 3.0))
        let d1: Double = log(1.6) * 1.0 * 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * 2.0 / 3.0))
        #expect(abs(apple[0].score - d2) < 1e-9)
        #expect(abs(apple[1].score - d1) < 1e-9)

        // Two terms: d3 has cherry twice and durian (df 1) once.
        let mixed = try await s.index.search("cherry durian", k: 10, in: 1)
        #expect(mixed.map(\.chunkID) == [3, 2])
        let cherryInD3: Double = log(1.6) * 2.0 * 2.2 / (2.0 + 1.2 * (0.25 + 0.75 * 4.0 / 3.0))
        let durianInD3: Double = log(8.0 / 3.0) * 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * 4.0 / 3.0))
        let d3 = cherryInD3 + durianInD3
        #expect(abs(mixed[0].score - d3) < 1e-9)
        #expect(abs(mixed[1].score - log(1.6)) < 1e-9)

        #expect(try await s.index.search("apple", k: 1, in: 1).map(\.chunkID) == [2])
        #expect(try await s.index.search("zebra", k: 10, in: 1).isEmpty)
        #expect(try await s.index.search("，。", k: 10, in: 1).isEmpty)
    }

    @Test(arguments: Backend.allCases) func chineseQueryFindsChineseText(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        try await s.index.add([
            .init(id: 10, text: "员工年假申请流程：请提前三天提交。"),
            .init(id: 11, text: "病假需要医院证明。"),
            .init(id: 12, text: "Annual leave requests go through the HR portal."),
            .init(id: 13, text: "报销流程与发票要求。"),
        ], to: 1)
        #expect(try await s.index.search("年假", k: 10, in: 1).first?.chunkID == 10)
        #expect(try await s.index.search("年假怎么申请？", k: 10, in: 1).first?.chunkID == 10)
        #expect(try await s.index.search("annual LEAVE", k: 10, in: 1).map(\.chunkID) == [12])
        #expect(try await s.index.search("发票", k: 10, in: 1).map(\.chunkID) == [13])
    }

    @Test(arguments: Backend.allCases) func scopedPerKnowledgeBase(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        try await s.index.add([.init(id: 1, text: "contract renewal terms")], to: 1)
        try await s.index.add([.init(id: 2, text: "contract"), .init(id: 3, text: "other")], to: 2)
        #expect(try await s.index.search("contract", k: 10, in: 1).map(\.chunkID) == [1])
        #expect(try await s.index.search("contract", k: 10, in: 2).map(\.chunkID) == [2])
        // Statistics are per knowledge base: in kb 1 (N = 1) idf = ln(1 + 0.5/1.5).
        let score = try await s.index.search("contract", k: 10, in: 1)[0].score
        let single: Double = log(1.0 + 0.5 / 1.5) * 2.2 / (1.0 + 1.2)
        #expect(abs(score - single) < 1e-9)
        try await s.index.removeAll(from: 2)
        #expect(try await s.index.search("contract", k: 10, in: 2).isEmpty)
        #expect(try await s.index.search("contract", k: 10, in: 1).map(\.chunkID) == [1])
    }

    @Test(arguments: Backend.allCases) func incrementalAddAndRemoveAreIdempotent(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        try await s.index.add([.init(id: 1, text: "apple banana"), .init(id: 2, text: "apple apple cherry")], to: 1)
        try await s.index.add([.init(id: 3, text: "banana cherry cherry durian")], to: 1)
        try await s.index.add([.init(id: 3, text: "banana cherry cherry durian")], to: 1)  // again: no change
        try await s.index.remove([99], from: 1)                                            // absent: no change
        let scores = try await s.index.search("apple", k: 10, in: 1)
        let once: Double = log(1.6) * 4.4 / 3.2
        #expect(abs(scores[0].score - once) < 1e-9, "N and avgdl must be as if added once")

        try await s.index.remove([2], from: 1)
        try await s.index.remove([2], from: 1)
        // Now N = 2 (docs 1, 3), avgdl = 3; apple df = 1 → idf = ln(1 + 1.5/1.5) = ln 2.
        let after = try await s.index.search("apple", k: 10, in: 1)
        #expect(after.map(\.chunkID) == [1])
        let expected: Double = log(2.0) * 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * 2.0 / 3.0))
        #expect(abs(after[0].score - expected) < 1e-9)
        #expect(try await s.index.search("cherry", k: 10, in: 1).map(\.chunkID) == [3])
    }

    /// Chunks with the same text score the same, however the backend adds up the terms, and are ranked by id.
    @Test(arguments: Backend.allCases) func tiesAreRankedByChunkID(_ backend: Backend) async throws {
        guard let s = try await make(backend) else { return }
        defer { s.postgres?.close() }
        let same = "travel policy receipts are filed within five days 报销 差旅 审批"
        var chunks = (1...40).map { IndexableChunk(id: Int64($0 * 7 % 41), text: same) }
        chunks += (41...60).map { IndexableChunk(id: Int64($0), text: "annual leave request \($0) 年假 申请") }
        try await s.index.add(chunks.shuffled(), to: 1)
        for query in ["travel receipts policy filed days", "报销差旅审批 travel", "filed within five days receipts policy travel 报销"] {
            let hits = try await s.index.search(query, k: 25, in: 1)
            #expect(hits.map(\.chunkID) == Array(1...25).map(Int64.init), "\(query)")
        }
    }

    @Test(arguments: [Backend.sqlite, .sqliteSnapshot, .postgres])
    func sqliteMatchesTheReferenceOnALargerCorpus(_ backend: Backend) async throws {
        guard let memory = try await make(.memory), let sqlite = try await make(backend) else { return }
        defer { sqlite.postgres?.close() }
        var chunks: [IndexableChunk] = []
        let words = ["合同", "续签", "年假", "申请", "报销", "contract", "leave", "policy", "travel", "expense", "approval"]
        var state: UInt64 = 7
        for id in 1...300 {
            var text: [String] = []
            for _ in 0..<(3 + id % 11) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                text.append(words[Int(state >> 33) % words.count])
            }
            chunks.append(.init(id: Int64(id), text: text.joined(separator: " ")))
        }
        try await memory.index.add(chunks, to: 1)
        try await sqlite.index.add(chunks, to: 1)
        for query in ["年假申请", "contract approval", "travel expense policy", "续签合同 leave"] {
            let a = try await memory.index.search(query, k: 20, in: 1)
            let b = try await sqlite.index.search(query, k: 20, in: 1)
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-9, "\(query)") }
            // Same chunks with the same scores; only ties at the cut-off may differ.
            let reference = Dictionary(uniqueKeysWithValues: a.map { ($0.chunkID, $0.score) })
            let cutoff = a.last?.score ?? 0
            for hit in b {
                if let expected = reference[hit.chunkID] {
                    #expect(abs(expected - hit.score) < 1e-9)
                } else {
                    #expect(abs(hit.score - cutoff) < 1e-9, "\(query): chunk \(hit.chunkID) is not a tie")
                }
            }
        }
    }
}

@Suite struct KeywordIndexSnapshotTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    /// Two indexes on one database, as two processes have, each with its own snapshots, and how to warm them.
    struct Pair {
        let index: any KeywordIndex
        let other: any KeywordIndex
        let warm: @Sendable (KnowledgeBase.ID) async throws -> Void
        let snapshotGeneration: @Sendable (KnowledgeBase.ID) -> Int64?
        /// Deletes a term's postings with SQL, leaving the generation as it was.
        let deletePostingsBehindTheIndexesBack: @Sendable (String) async throws -> Void
        let folder: TemporaryFolder
        var postgres: [PostgreSQLDatabase] = []
    }

    func make(_ backend: Backend) async throws -> Pair? {
        let folder = TemporaryFolder()
        switch backend {
        case .sqlite:
            let path = folder.url.appendingPathComponent("t.sqlite").path
            let database = try SQLiteDatabase(path: path)
            let index = SQLiteKeywordIndex(database: database, tokenizer: MixedScriptTokenizer())
            let other = SQLiteKeywordIndex(database: try SQLiteDatabase(path: path), tokenizer: MixedScriptTokenizer())
            return Pair(index: index, other: other, warm: index.warm, snapshotGeneration: index.snapshotGeneration(of:),
                        deletePostingsBehindTheIndexesBack: { term in
                            try await database.pool.write { try $0.execute(sql: "DELETE FROM bm25_postings WHERE term = ?", arguments: [term]) }
                        }, folder: folder)
        case .postgres:
            let server = try TestPostgres.url(for: "the keyword snapshot tests")
            let name = "zhiku_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let url = try await PostgreSQLDatabase.createDatabase(named: name, besides: server)
            // The second "process" has a pool of its own on the same database.
            let database = try await PostgreSQLDatabase.open(url: url), second = try await PostgreSQLDatabase.open(url: url)
            let index = PostgresKeywordIndex(database: database, tokenizer: MixedScriptTokenizer())
            let other = PostgresKeywordIndex(database: second, tokenizer: MixedScriptTokenizer())
            return Pair(index: index, other: other, warm: index.warm, snapshotGeneration: index.snapshotGeneration(of:),
                        deletePostingsBehindTheIndexesBack: { term in
                            try await database.execute("DELETE FROM bm25_postings WHERE term = \(term)")
                        }, folder: folder, postgres: [database, second])
        }
    }

    /// A snapshot never serves results from before a change: writes bump the generation, and the next search
    /// answers from the database until the snapshot is rebuilt — also when another process wrote.
    @Test(arguments: Backend.allCases) func staleSnapshotsAreNeverUsed(_ backend: Backend) async throws {
        guard let pair = try await make(backend) else { return }
        defer { pair.postgres.forEach { $0.close() } }
        let index = pair.index, other = pair.other
        try await index.add([.init(id: 1, text: "合同续签"), .init(id: 2, text: "年假")], to: 1)
        try await pair.warm(1)
        #expect(try await index.search("合同", k: 5, in: 1).map(\.chunkID) == [1])
        try await index.remove([1], from: 1)
        #expect(try await index.search("合同", k: 5, in: 1).isEmpty)
        try await index.add([.init(id: 3, text: "合同")], to: 1)
        #expect(try await index.search("合同", k: 5, in: 1).map(\.chunkID) == [3])
        // A second process (another index on the same database) changes the data: this one notices.
        try await pair.warm(1)
        try await other.add([.init(id: 4, text: "合同 合同")], to: 1)
        #expect(try await index.search("合同", k: 5, in: 1).first?.chunkID == 4)
        try await pair.warm(1)
        try await other.removeAll(from: 1)
        #expect(try await index.search("合同", k: 5, in: 1).isEmpty)
        // Emptied and filled again by the other process: the snapshot from before the clearing is not used.
        try await other.add([.init(id: 5, text: "年假 合同")], to: 1)
        #expect(try await index.search("合同", k: 5, in: 1).map(\.chunkID) == [5])
        try await pair.warm(1)
        #expect(try await index.search("年假", k: 5, in: 1).map(\.chunkID) == [5])
    }

    /// After a change the first search is answered by the database and the snapshot is rebuilt in the background;
    /// the searches after it are answered from memory (postings deleted behind the index's back, without a new
    /// generation, are still found) with the database's scores.
    @Test(arguments: Backend.allCases) func theSnapshotIsRebuiltInTheBackground(_ backend: Backend) async throws {
        guard let pair = try await make(backend) else { return }
        defer { pair.postgres.forEach { $0.close() } }
        let texts = ["合同续签须提前三十天书面通知", "年假按工龄计算", "the contract renews each year", "合同 年假 contract"]
        try await pair.index.add(texts.enumerated().map { IndexableChunk(id: Int64($0.offset + 1), text: $0.element) }, to: 7)
        #expect(pair.snapshotGeneration(7) == nil)
        let first = try await pair.index.search("合同 contract", k: 10, in: 7)
        #expect(first.first?.chunkID == 4 && first.map(\.chunkID).sorted() == [1, 3, 4], "\(first)")
        let deadline = Date().addingTimeInterval(300)
        while pair.snapshotGeneration(7) == nil, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        #expect(pair.snapshotGeneration(7) != nil, "no snapshot was built after the first search")
        try await pair.deletePostingsBehindTheIndexesBack("contract")
        let again = try await pair.index.search("合同 contract", k: 10, in: 7)
        #expect(again.map(\.chunkID) == first.map(\.chunkID))
        for (a, b) in zip(first, again) { #expect(abs(a.score - b.score) < 1e-9) }
        #expect(try await pair.other.search("contract", k: 10, in: 7).isEmpty, "the other process has no snapshot and reads the table")
    }
}
