import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku eval export-feedback --out FOLDER`: the 👍 answers as a BEIR set `zhiku eval FOLDER` scores.
struct ExportFeedback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-feedback",
        abstract: "Write the questions of answers rated 👍 and the chunks they cited as a BEIR set (corpus.jsonl, queries.jsonl, qrels/test.tsv) for zhiku eval.")

    @OptionGroup var options: DataOptions
    @Option(help: "The folder to write (created if needed).") var out: String
    @Option(help: "Only answers from this knowledge base (name or id).") var kb: String?
    @Flag(help: "Put only the cited chunks in the corpus instead of every chunk of the knowledge bases (an easier set).")
    var citedOnly = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let runtime = try await options.runtime()
        var base: KnowledgeBase?
        if let kb { base = try await runtime.store.resolveKnowledgeBase(kb) }
        let summary = try await FeedbackExport(runtime: runtime).write(to: URL(fileURLWithPath: out, isDirectory: true), kb: base,
                                                                       citedOnly: citedOnly)
        if json { return try emitJSON(summary) }
        emit("wrote \(summary.queries) question(s), \(summary.judgments) cited chunk(s), a corpus of \(summary.documents) chunk(s) to \(out)"
             + (summary.skipped > 0 ? "; \(summary.skipped) rated answer(s) without a citation left out" : ""))
        if summary.queries == 0 { emit("no answer rated 👍 yet: rate answers in the web page (or POST /api/answers/{id}/feedback)") }
    }
}
