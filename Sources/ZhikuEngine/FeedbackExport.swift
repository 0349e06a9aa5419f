import Foundation
import ZhikuCore

/// The 👍 answers of the audit log as a BEIR-format retrieval set that `zhiku eval` scores: each rated question is a
/// query, the chunks its answer cited are its relevant documents, and the corpus is every chunk of the knowledge
/// bases those answers came from (so the set is as hard as the real search), or only the cited chunks.
///
/// Written files: `corpus.jsonl` (`_id` `c<chunk id>`, `title` the file name, `text` the chunk), `queries.jsonl`
/// (`_id` `a<answer id>`, `text` the question) and `qrels/test.tsv`. A question rated 👍 several times is kept once
/// (its latest answer).
public struct FeedbackExport: Sendable {
    public struct Summary: Sendable, Encodable {
        public var queries: Int
        public var documents: Int
        public var judgments: Int
        /// 👍 answers left out: no citation (a "not found" reply), or every cited chunk since deleted.
        public var skipped: Int
    }

    public let runtime: ZhikuRuntime

    public init(runtime: ZhikuRuntime) { self.runtime = runtime }

    /// Writes the set into `folder` (created if needed) from the 👍 answers of `kb` (nil: every knowledge base).
    public func write(to folder: URL, kb: KnowledgeBase?, citedOnly: Bool = false) async throws -> Summary {
        let entries = try await runtime.conversations.auditEntries(kbs: kb.map { [$0.id] }, askedBy: nil, since: nil,
                                                                    rated: .up, limit: 1_000_000)
        var queries: [(id: String, text: String)] = [], qrels: [(query: String, chunk: Chunk.ID)] = []
        var seen: Set<String> = [], cited: Set<Chunk.ID> = [], bases: Set<KnowledgeBase.ID> = [], skipped = 0
        for entry in entries {  // newest first
            let question = entry.question.trimmingCharacters(in: .whitespacesAndNewlines)
            guard seen.insert(question).inserted else { continue }
            let chunks = Self.citedChunks(of: entry)
            guard !chunks.isEmpty, let kbID = entry.kbID else {
                skipped += 1
                continue
            }
            let id = "a\(entry.id)"
            queries.append((id, question))
            for chunk in chunks { qrels.append((id, chunk)) }
            cited.formUnion(chunks)
            bases.insert(kbID)
        }

        // The corpus: every chunk of those knowledge bases (or the cited ones), with its file's name as title.
        var corpus: [(id: Chunk.ID, title: String, text: String)] = []
        for kbID in bases.sorted() {
            let names = Dictionary(uniqueKeysWithValues: try await runtime.store.files(in: kbID).map { ($0.id, $0.name) })
            var after: Chunk.ID = 0
            while true {
                let page = try await runtime.store.chunks(in: kbID, afterID: after, limit: 1000)
                guard let last = page.last else { break }
                after = last.id
                for chunk in page where !citedOnly || cited.contains(chunk.id) {
                    corpus.append((chunk.id, names[chunk.fileID] ?? "", chunk.text))
                }
            }
        }
        // Judgments of chunks that no longer exist are dropped, and queries left without any.
        let present = Set(corpus.map(\.id))
        qrels = qrels.filter { present.contains($0.chunk) }
        let judged = Set(qrels.map(\.query))
        skipped += queries.filter { !judged.contains($0.id) }.count
        queries = queries.filter { judged.contains($0.id) }

        try FileManager.default.createDirectory(at: folder.appendingPathComponent("qrels"), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func line(_ object: [String: String]) throws -> String { String(decoding: try encoder.encode(object), as: UTF8.self) + "\n" }
        try corpus.map { try line(["_id": "c\($0.id)", "title": $0.title, "text": $0.text]) }.joined()
            .write(to: folder.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        try queries.reversed().map { try line(["_id": $0.id, "text": $0.text]) }.joined()
            .write(to: folder.appendingPathComponent("queries.jsonl"), atomically: true, encoding: .utf8)
        try ("query-id\tcorpus-id\tscore\n" + qrels.reversed().map { "\($0.query)\tc\($0.chunk)\t1\n" }.joined())
            .write(to: folder.appendingPathComponent("qrels/test.tsv"), atomically: true, encoding: .utf8)
        return Summary(queries: queries.count, documents: corpus.count, judgments: qrels.count, skipped: skipped)
    }

    /// The chunks an answer cited: the sources its `[n]` markers name, or every source it was given when it has no
    /// marker (an extractive answer, or one whose citations were added).
    static func citedChunks(of entry: AuditEntry) -> [Chunk.ID] {
        let numbers = CitationRepair.citedNumbers(in: entry.answer)
        let named = entry.citations.filter { numbers.contains($0.n) }
        return (named.isEmpty ? entry.citations : named).map(\.chunkID)
    }
}
