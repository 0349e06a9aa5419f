import Foundation
import Logging
import ZhikuCore
import ZhikuEngine
import ZhikuModels

/// The built-in chat model's prompt and generation speed beside llama.cpp on the same GGUF file, and the time Zhiku
/// adds before the first token (hybrid retrieval, the no-answer gate, the prompt of numbered sources) at 10 000
/// chunks.
enum ChatBenchmarks {
    static func run(python: String?, work: URL, clock: ContinuousClock, peerModel: String?,
                    peer: (String, [String]) -> [String: Double]?) async throws -> [TableRow] {
        // SmolLM2 beside llama.cpp's copy of the same file (the Qwen2.5 models: QwenBenchmarks).
        let smol = "smollm2-135m-instruct"
        guard let generator = try? LlamaGenerator.load(smol) else {
            return [TableRow(what: "chat model", tool: "zhiku", value: "model not installed (scripts/fetch-models.sh)")]
        }
        var rows: [TableRow] = []
        let model = generator.model
        // A long RAG-like prompt (no digits, so both engines' tokenizers agree) and a story request.
        var r = Corpus.Random(state: 11)
        var words: [String] = []
        var longPrompt = ""
        repeat {
            words += (0..<20).map { _ in Corpus.english[r.next(Corpus.english.count)] }
            longPrompt = generator.template.render([ChatMessage(role: .user, content: "Sources: " + words.joined(separator: " ")
                                                                + ". Question: what does the policy say?")])
        } while model.tokenizer.encode(longPrompt, parsingControlTokens: true).count < 500
        let promptIDs = model.tokenizer.encode(longPrompt, parsingControlTokens: true)
        let story = generator.template.render([ChatMessage(role: .user, content: "Write a long story about a dragon who lives in a mountain.")])
        let storyIDs = model.tokenizer.encode(story, parsingControlTokens: true)

        var promptRates: [Double] = []
        for _ in 0..<3 {
            let session = model.makeSession()
            let t = clock.now
            _ = try session.forward(promptIDs)
            promptRates.append(Double(promptIDs.count) / seconds(clock.now - t))
        }
        var first: ContinuousClock.Instant?
        let result = try generator.generate(promptIDs: storyIDs, maxTokens: 128, sampling: SamplingOptions(temperature: 0)) { _ in
            if first == nil { first = clock.now }
            return true
        }
        let end = clock.now
        let generateRate = Double(result.tokenIDs.count - 1) / seconds(end - first!)
        rows.append(TableRow(what: "chat \(smol) Q4_1: prompt (\(promptIDs.count) tokens)",
                             tool: "zhiku (Swift, BLAS, 2 cores)", value: String(format: "%.0f tokens/s", promptRates.sorted()[1])))
        rows.append(TableRow(what: "chat: generation (greedy, \(result.tokenIDs.count) tokens)",
                             tool: "zhiku (Swift, quantized kernels, 2 cores)", value: String(format: "%.1f tokens/s", generateRate)))
        let promptFile = work.appendingPathComponent("prompt.txt"), storyFile = work.appendingPathComponent("story.txt")
        try longPrompt.write(to: promptFile, atomically: true, encoding: .utf8)
        try story.write(to: storyFile, atomically: true, encoding: .utf8)
        if let peerModel, let p = peer("llamacpp_gpt4all.py", [peerModel, promptFile.path, storyFile.path, "\(promptIDs.count)", "1", "2"]) {
            for threads in [1, 2] {
                rows.append(TableRow(what: "", tool: "llama.cpp (gpt4all 2.8.2), \(threads) thread(s)",
                                     value: String(format: "prompt %.0f tokens/s, generation %.1f tokens/s",
                                                   p["prompt_tps_\(threads)"] ?? 0, p["generate_tps_\(threads)"] ?? 0)))
            }
        } else if python != nil {
            rows.append(TableRow(what: "", tool: "llama.cpp (gpt4all)", value: "not run (scripts/bench.sh prepares it)"))
        }
        rows.append(contentsOf: try await timeToFirstToken(work: work, clock: clock, generator: generator))
        return rows
    }

    /// Retrieval + gate + prompt building for 50 questions on a knowledge base of 10 000 chunks.
    static func timeToFirstToken(work: URL, clock: ContinuousClock, generator: LlamaGenerator) async throws -> [TableRow] {
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        var configuration = ZhikuConfiguration(dataFolder: work.appendingPathComponent("chat-data"))
        configuration.embeddingModel = nil
        let runtime = try await ZhikuRuntime(configuration: configuration, logger: logger)
        var kb = try await runtime.createKnowledgeBase(name: "bench")
        // About 10 000 chunks of 500 characters: generated paragraphs, split by the ingest pipeline.
        let writer = try runtime.blobs.makeWriter(limit: 1 << 30)
        try writer.append(Array(Corpus.mixedText(bytes: 4_300_000, seed: 21).utf8))
        let added = try await runtime.addFile(try writer.finish(), name: "corpus.txt", to: kb)
        try await runtime.drainJobs(ids: [added.job!.id])
        let chunks = try await runtime.store.chunks(in: kb.id, afterID: 0, limit: 1_000_000)
        // Real e5 vectors for 1 000 chunks, each reused for ten (computing all 10 000 takes minutes; exact search
        // costs the same whatever the values).
        let embedder = try ModelLocation.embedder(E5Embedder.id)
        var distinct: [[Float]] = []
        for start in stride(from: 0, to: 1000, by: 32) {
            distinct += try await embedder.embed(chunks[start..<min(1000, start + 32)].map(\.text), as: .passage)
        }
        let space = VectorSpace(kb.id, model: E5Embedder.id)
        try await runtime.vectorIndex.upsert(chunks.enumerated().map { ChunkVector(id: $1.id, vector: distinct[$0 % 1000]) }, in: space)
        try await runtime.store.activateEmbeddingModel(E5Embedder.id, of: kb.id)
        kb = try await runtime.store.knowledgeBase(id: kb.id)!

        let answerer = Answerer(runtime: runtime)
        let chat = BuiltInChatModel(generator)
        var r = Corpus.Random(state: 31)
        let questions = (0..<50).map { _ in String(chunks[r.next(chunks.count)].text.prefix(40)) + "？" }
        _ = try await runtime.search(questions[0], in: kb, k: 5)  // warm the snapshots and the embedder
        var totals: [Double] = [], searches: [Double] = []
        for question in questions {
            let t = clock.now
            let results = try await runtime.search(question, in: kb, k: 5)
            let searched = clock.now
            let sources = answerer.relevant(results)
            _ = answerer.prompt(Answerer.Request(question: question), sources: sources.isEmpty ? results.hits : sources, model: chat)
            totals.append(seconds(clock.now - t) * 1000)
            searches.append(seconds(searched - t) * 1000)
        }
        return [TableRow(what: "time before the first token, \(chunks.count) chunks (hybrid top 5, gate, prompt)",
                         tool: "zhiku", value: String(format: "p50 %.1f ms, p99 %.1f ms (search alone p50 %.1f ms)",
                                                      percentile(totals, 0.5), percentile(totals, 0.99), percentile(searches, 0.5)))]
    }
}
