import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore

/// `zhiku search --kb NAME "query"`.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search a knowledge base: hybrid (BM25 + embeddings, fused), keyword or vector.")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id).") var kb: String
    @Option(name: .short, help: "How many results.") var k = 5
    @Option(help: "keyword, vector or hybrid.") var mode: SearchMode = .hybrid
    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Cross-language search: when the results include passages in the other language (Chinese or English), also search the query's translation (as answers do).")
    var translate = false
    @OptionGroup var filterOptions: FilterOptions
    @Argument(help: "The query.") var query: String

    func run() async throws {
        let runtime = try await options.runtime()
        let base = try await runtime.store.resolveKnowledgeBase(kb)
        let filter = try filterOptions.filter()
        let results = try await runtime.search(query, in: base, k: k, mode: mode, translating: translate, filter: filter)
        let hits = results.hits
        if json {
            struct Row: Encodable {
                var chunkId: Int64; var fileName: String; var page: Int; var start: Int; var end: Int
                var score: Double; var keywordRank: Int?; var keywordScore: Double?; var vectorRank: Int?
                var vectorScore: Double?; var text: String
            }
            try emitJSON(hits.map { Row(chunkId: $0.chunk.id, fileName: $0.fileName, page: $0.chunk.page,
                                        start: $0.chunk.start, end: $0.chunk.end, score: $0.score,
                                        keywordRank: $0.keywordRank, keywordScore: $0.keywordScore,
                                        vectorRank: $0.vectorRank, vectorScore: $0.vectorScore, text: $0.chunk.text) })
            return
        }
        if results.filteredFiles == 0 { emit("no file of '\(base.name)' matches the filter") }
        if hits.isEmpty { emit("nothing found in '\(base.name)' for: \(query)") }
        if let translated = results.translatedQuery { emit("also searched: \(translated)") }
        for (i, hit) in hits.enumerated() {
            var why: [String] = []
            if let r = hit.keywordRank, let s = hit.keywordScore { why.append("keyword #\(r) \(String(format: "%.2f", s))") }
            if let r = hit.vectorRank, let s = hit.vectorScore { why.append("vector #\(r) \(String(format: "%.3f", s))") }
            emit("[\(i + 1)] \(hit.fileName) · \(Transcript.location(page: hit.chunk.page, startSeconds: hit.chunk.startSeconds, endSeconds: hit.chunk.endSeconds, firstRow: hit.chunk.firstRow, lastRow: hit.chunk.lastRow)) · \(results.mode.rawValue) \(String(format: "%.4f", hit.score))"
                 + (why.isEmpty ? "" : " (" + why.joined(separator: ", ") + ")"))
            let text = hit.chunk.text.replacingOccurrences(of: "\n", with: " ")
            emit("    " + (text.count > 300 ? String(text.prefix(300)) + "…" : text))
        }
    }
}
