import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku ask --kb NAME "question"`: one answer from a knowledge base, streamed, then its sources.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a knowledge base a question: the answer streams, then the numbered sources.")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id).") var kb: String
    @Option(help: "The chat model (a configured name, a built-in id or a .gguf path; default: the configured default).")
    var model: String?
    @Option(name: .short, help: "How many sources to retrieve.") var k = 5
    @Option(help: "The most tokens the answer may have.") var maxTokens = 384
    @Flag(help: "Quote the most relevant sentences of the best passages instead of asking a language model.")
    var extractive = false
    @Flag(help: "Print one JSON object: answer, citations, stats, not_found.") var json = false
    @OptionGroup var filterOptions: FilterOptions
    @Argument(help: "The question.") var question: String

    func run() async throws {
        let runtime = try await options.runtime()
        let base = try await runtime.store.resolveKnowledgeBase(kb)
        var request = Answerer.Request(question: question)
        request.model = model
        request.modelFilesAllowed = true
        request.k = k
        request.maxTokens = maxTokens
        request.mode = extractive ? .extractive : .generate
        request.channel = .cli
        request.filter = try filterOptions.filter()
        try request.validate()
        let outcome = try await AnswerPrinter.run(Answerer(runtime: runtime).answer(request, in: base), quiet: json)
        if json {
            struct Output: Encodable {
                var answer: String
                var citations: [Citation]
                var stats: AnswerStats?
                var notFound: Bool
            }
            try emitJSON(Output(answer: outcome.text, citations: outcome.citations, stats: outcome.stats,
                                notFound: outcome.stats?.finishReason == .notFound))
        }
    }
}
