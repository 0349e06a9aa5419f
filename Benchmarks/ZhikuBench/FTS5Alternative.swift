import Foundation
import GRDB
import ZhikuRetrieval

/// The alternative the foundation issue asked to measure: SQLite FTS5 fed with Zhiku's pre-tokenized text
/// (terms joined by spaces), ranked by FTS5's own bm25(). Not what Zhiku ships: FTS5's idf is not Lucene's and its
/// statistics are per table, so per-knowledge-base scoring would need one table per knowledge base.
enum FTS5Alternative {
    /// Returns (indexing seconds, per-query milliseconds).
    static func measure(documents: [String], queries: [String], folder: URL) throws -> (Double, [Double]) {
        let tokenizer = MixedScriptTokenizer()
        let queue = try DatabaseQueue(path: folder.appendingPathComponent("fts5.sqlite").path)
        let clock = ContinuousClock()
        let indexing = try clock.measure {
            try queue.write { db in
                try db.execute(sql: "CREATE VIRTUAL TABLE fts USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')")
                let insert = try db.makeStatement(sql: "INSERT INTO fts (rowid, terms) VALUES (?, ?)")
                for (i, text) in documents.enumerated() {
                    try insert.execute(arguments: [i + 1, tokenizer.terms(text).joined(separator: " ")])
                }
            }
        }
        var latencies: [Double] = []
        try queue.read { db in
            let select = try db.makeStatement(sql: "SELECT rowid, bm25(fts) FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 10")
            for q in queries {
                let match = Set(tokenizer.terms(q)).map { "\"\($0)\"" }.joined(separator: " OR ")
                let t = clock.now
                _ = try Row.fetchAll(select, arguments: [match])
                let d = (clock.now - t).components
                latencies.append(Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15)
            }
        }
        let d = indexing.components
        return (Double(d.seconds) + Double(d.attoseconds) / 1e18, latencies)
    }
}
