import ArgumentParser
import Foundation
import ZhikuCore

/// `zhiku search --kb NAME "query"`.
struct Search: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Search a knowledge base (BM25, Chinese-aware).")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id).") var kb: String
    @Option(name: .short, help: "How many results.") var k = 5
    @Flag(help: "Print JSON.") var json = false
    @Argument(help: "The query.") var query: String

    func run() async throws {
        let runtime = try options.runtime()
        let base = try await runtime.store.resolveKnowledgeBase(kb)
        let hits = try await runtime.search(query, in: base, k: k)
        if json {
            struct Row: Encodable {
                var chunkId: Int64; var fileName: String; var page: Int; var start: Int; var end: Int
                var score: Double; var text: String
            }
            try emitJSON(hits.map { Row(chunkId: $0.chunk.id, fileName: $0.fileName, page: $0.chunk.page,
                                        start: $0.chunk.start, end: $0.chunk.end, score: $0.score, text: $0.chunk.text) })
            return
        }
        if hits.isEmpty { emit("nothing found in '\(base.name)' for: \(query)") }
        for (i, hit) in hits.enumerated() {
            emit("[\(i + 1)] \(hit.fileName) · page \(hit.chunk.page) · score \(String(format: "%.3f", hit.score))")
            let text = hit.chunk.text.replacingOccurrences(of: "\n", with: " ")
            emit("    " + (text.count > 300 ? String(text.prefix(300)) + "…" : text))
        }
    }
}
