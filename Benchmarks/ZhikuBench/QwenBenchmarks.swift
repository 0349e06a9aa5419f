import Foundation
import ZhikuCore
import ZhikuModels

/// The built-in Qwen2.5 chat models beside llama.cpp (the gpt4all 2.8.2 wheel's build, through
/// Benchmarks/peers/llamacpp_ctypes.py) on the same GGUF files and thread count, in one run:
///
/// - tokenizer: tokens/s on 1 MB of Chinese and 1 MB of English, both engines on the same text; Zhiku's cost per
///   KB from 1 KB to 1 MB (linear cost: a flat column), and 100 KB of English with its spaces removed (the case
///   that was quadratic);
/// - prompt processing at 256, 1 024 and 2 048 prompt tokens of Chinese RAG prompts (numbered sources from the
///   Debian maintainer's guide in Chinese, the answer path's own prompt format);
/// - generation tokens/s (64 greedy tokens after a Chinese question).
///
/// Text comes from `--qa-docs` (../shared/eval/qa's documents, fetched by its fetch.sh) and the retrieval sets
/// in ../shared/eval; every tokenizer measurement starts from a fresh tokenizer (an empty piece cache).
enum QwenBenchmarks {
    static func run(python: String?, peers: URL, qaDocs: URL, sharedEval: URL, clock: ContinuousClock,
                    tokenizerOnly: Bool = false) throws -> [TableRow] {
        var rows: [TableRow] = []
        let models = LlamaGenerator.builtIn.filter { $0.id.hasPrefix("qwen") }
        guard let first = models.first, let folder = try? ModelLocation.folder(for: first.id) else {
            return [TableRow(what: "qwen", tool: "zhiku", value: "models not installed (scripts/fetch-models.sh)")]
        }
        let chinese = try chineseText(qaDocs: qaDocs, sharedEval: sharedEval, bytes: 1 << 20)
        let english = try englishText(sharedEval: sharedEval, bytes: 1 << 20)
        let file = folder.appendingPathComponent(first.file)

        // Tokenizer.
        func fresh() throws -> ByteLevelBPETokenizer { try ByteLevelBPETokenizer(gguf: try GGUFFile(url: file)) }
        func time(_ text: String) throws -> (tokens: Int, seconds: Double) {
            var best = Double.infinity, count = 0
            for _ in 0..<3 {
                let tokenizer = try fresh()
                let t = clock.now
                count = tokenizer.encode(text).count
                best = min(best, seconds(clock.now - t))
            }
            return (count, best)
        }
        let spaceless = String(english.prefix(100_000).filter { $0 != " " })
        var peerTokens: [(Int, Double)] = []
        if let python {
            peerTokens = runLines(python, peers.appendingPathComponent("llamacpp_ctypes.py"), ["bench-tokenize", file.path],
                                  [["text": chinese], ["text": english], ["text": spaceless]])
                .map { (($0["tokens"] as? Int) ?? 0, ($0["seconds"] as? Double) ?? 0) }
        }
        for (i, (name, text)) in [("1 MB Chinese", chinese), ("1 MB English", english),
                                  ("English without spaces, \(spaceless.utf8.count / 1000) KB", spaceless)].enumerated() {
            let (tokens, s) = try time(text)
            rows.append(TableRow(what: "tokenizer (Qwen2.5 BPE): \(name), \(tokens) tokens", tool: "zhiku",
                                 value: String(format: "%.2f s, %.0f tokens/s", s, Double(tokens) / s)))
            if i < peerTokens.count {
                let (pt, ps) = peerTokens[i]
                rows.append(TableRow(what: "", tool: "llama.cpp (gpt4all 2.8.2)",
                                     value: String(format: "%.2f s, %.0f tokens/s (%d tokens)", ps, Double(pt) / ps, pt)))
            }
        }
        for (name, text) in [("Chinese", chinese), ("English", english)] {
            var cells: [String] = []
            for size in [1_000, 10_000, 100_000, 1_000_000] {
                let slice = String(decoding: Array(text.utf8.prefix(size)), as: UTF8.self)
                let (_, s) = try time(slice)
                cells.append(String(format: "%d KB %.1f µs/KB", size / 1000, s * 1e6 / Double(size) * 1000))
            }
            rows.append(TableRow(what: "tokenizer scaling, \(name) (cost per KB; flat = linear)", tool: "zhiku",
                                 value: cells.joined(separator: ", ")))
        }

        // Prompt processing and generation, per model.
        for model in models where !tokenizerOnly {
            guard let generator = try? LlamaGenerator.load(model.id) else { continue }
            let path = try ModelLocation.folder(for: model.id).appendingPathComponent(model.file).path
            var prompts: [(ids: [Int32], text: String)] = []
            for target in [256, 1024, 2048] {
                let messages = ragPrompt(chinese: chinese, tokens: target, generator: generator)
                let ids = try generator.promptIDs(messages)!
                prompts.append((ids, generator.template.render(messages)))
            }
            var zhiku: [Double] = []
            for p in prompts {
                var best = Double.infinity
                for _ in 0..<(p.ids.count > 1000 ? 1 : 3) {
                    let session = generator.model.makeSession()
                    let t = clock.now
                    _ = try session.forward(p.ids)
                    best = min(best, seconds(clock.now - t))
                }
                zhiku.append(best)
            }
            var peer: [Double] = []
            if let python {
                peer = runLines(python, peers.appendingPathComponent("llamacpp_ctypes.py"), ["bench-prompt", path, "2"],
                                prompts.map { ["prompt": $0.text] })
                    .map { ($0["seconds"] as? Double) ?? 0 }
            }
            for (i, p) in prompts.enumerated() {
                rows.append(TableRow(what: "\(model.id): prompt of \(p.ids.count) tokens (Chinese RAG)", tool: "zhiku (2 cores)",
                                     value: String(format: "%.1f s, %.0f tokens/s", zhiku[i], Double(p.ids.count) / zhiku[i])))
                if i < peer.count {
                    rows.append(TableRow(what: "", tool: "llama.cpp (gpt4all 2.8.2), 2 threads",
                                         value: String(format: "%.1f s, %.0f tokens/s", peer[i], Double(p.ids.count) / peer[i])))
                }
            }
            let question = [ChatMessage(role: .user, content: "请详细介绍一下 Debian 软件包的打包流程，分步骤说明。")]
            let ids = try generator.promptIDs(question)!
            var firstAt: ContinuousClock.Instant?
            var count = 0
            _ = try generator.generate(promptIDs: ids, maxTokens: 65) { _ in
                count += 1
                if firstAt == nil { firstAt = clock.now }
                return true
            }
            let end = clock.now
            let rate = Double(max(1, count - 1)) / seconds(end - (firstAt ?? end))
            rows.append(TableRow(what: "\(model.id): generation (greedy, 64 tokens)", tool: "zhiku (2 cores)",
                                 value: String(format: "%.1f tokens/s", rate)))
            if let python {
                let g = runLines(python, peers.appendingPathComponent("llamacpp_ctypes.py"), ["bench-generate", path, "2"],
                                 [["prompt": generator.template.render(question), "n": 64]])
                if let r = g.first, let n = r["tokens"] as? Int, let s = r["seconds"] as? Double {
                    rows.append(TableRow(what: "", tool: "llama.cpp (gpt4all 2.8.2), 2 threads",
                                         value: String(format: "%.1f tokens/s", Double(n) / s)))
                }
            }
        }
        return rows
    }

    /// A RAG prompt in the answer path's format with about `tokens` tokens: numbered 500-character sources from
    /// the Chinese text, then a question.
    static func ragPrompt(chinese: String, tokens: Int, generator: LlamaGenerator) -> [ChatMessage] {
        let characters = Array(chinese)
        var sources: [String] = []
        var offset = 20_000
        func messages() -> [ChatMessage] {
            [ChatMessage(role: .system, content: "你是知识库问答助手，只根据用户给出的编号资料回答问题。先用一到三句话直接回答，再在句末用 [n] 标注所依据的资料编号。"),
             ChatMessage(role: .user, content: "资料：\n" + sources.joined(separator: "\n\n") + "\n\n问题：打包时怎样设置环境变量？\n请根据资料用中文回答，并标注资料编号。")]
        }
        while true {
            let n = sources.count + 1
            let piece = String(characters[offset..<min(characters.count, offset + 500)])
            let candidate = sources + ["[\(n)] maint-guide.zh-cn.pdf, p. \(n + 8)\n" + piece]
            let saved = sources
            sources = candidate
            let count = (try? generator.promptIDs(messages()))??.count ?? 0
            if count > tokens {
                // Trim the last source to land on the target.
                sources = saved
                var low = 0, high = piece.count
                while low < high {
                    let mid = (low + high + 1) / 2
                    sources = saved + ["[\(n)] maint-guide.zh-cn.pdf, p. \(n + 8)\n" + String(piece.prefix(mid))]
                    if ((try? generator.promptIDs(messages()))??.count ?? 0) <= tokens { low = mid } else { high = mid - 1 }
                }
                sources = saved + ["[\(n)] maint-guide.zh-cn.pdf, p. \(n + 8)\n" + String(piece.prefix(low))]
                return messages()
            }
            offset = (offset + 2_000) % max(1, characters.count - 600)
        }
    }

    /// About `bytes` of Chinese: the idiom set's documents, then the maintainer's guide and the l10n chapter.
    static func chineseText(qaDocs: URL, sharedEval: URL, bytes: Int) throws -> String {
        var parts: [String] = []
        if let guide = try? pdfText(qaDocs.appendingPathComponent("maint-guide.zh-cn.pdf")) { parts.append(guide) }
        parts += try jsonTexts(sharedEval.appendingPathComponent("retrieval/zh-idioms-dev/corpus.jsonl"))
        return fill(parts, bytes: bytes)
    }

    static func englishText(sharedEval: URL, bytes: Int) throws -> String {
        fill(try jsonTexts(sharedEval.appendingPathComponent("retrieval/bbc-headlines-dev/corpus.jsonl")), bytes: bytes)
    }

    /// The parts joined (repeated if they fall short) and cut to `bytes` on a character boundary.
    static func fill(_ parts: [String], bytes: Int) -> String {
        var out = [UInt8]()
        while out.count < bytes && !parts.isEmpty {
            for p in parts where out.count < bytes { out += Array((p + "\n").utf8) }
        }
        var end = min(bytes, out.count)
        while end > 0 && out[end - 1] & 0xC0 == 0x80 { end -= 1 }
        if end > 0 && out[end - 1] >= 0xC0 { end -= 1 }
        return String(decoding: out[..<end], as: UTF8.self)
    }

    static func jsonTexts(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").compactMap { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return [object?["title"] as? String, object?["text"] as? String].compactMap { $0 }.joined(separator: "\n")
        }
    }

    static func pdfText(_ url: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/pdftotext")
        p.arguments = [url.path, "-"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs a peer that reads JSON lines on stdin and answers one JSON line each.
    static func runLines(_ python: String, _ script: URL, _ arguments: [String], _ jobs: [[String: Any]]) -> [[String: Any]] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script.path] + arguments
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        do { try p.run() } catch { return [] }
        let lines = jobs.compactMap { try? JSONSerialization.data(withJSONObject: $0) }
        DispatchQueue.global().async {
            for line in lines { input.fileHandleForWriting.write(line + Data("\n".utf8)) }
            try? input.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}
