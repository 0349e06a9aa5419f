import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuRetrieval

/// `zhiku eval-qa FOLDER`: ingests a question-answering set's documents into a scratch knowledge base and asks
/// every question through the normal answer path (hybrid search, gate, prompt, the chat model, citations).
/// FOLDER holds `questions.jsonl` (the format of ../shared/eval/qa) and the documents (in FOLDER/docs, or
/// `--docs`).
///
/// Scores: retrieval hit@1/@5 by page; the share of answerable questions whose answer contains the expected fact,
/// in the question's language, with a `[n]` citation of the right page; refusals (`not_found`) of unanswerable and
/// of answerable questions; time to the first token (p50/p95, retrieval included).
///
/// The fact check is automatic and deliberately plain: the reference answer's key terms are its numbers,
/// identifiers and Latin words (commands, options, names), compared without spaces or case; an answer contains
/// the fact when it holds the first of them (the reference's main fact) or at least half of them. A reference with no such terms (Chinese
/// prose) is matched by its Chinese character pairs instead (at least 40 % of them). Read the answers too:
/// `--json` prints each one.
struct EvalQA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-qa",
        abstract: "Answer a QA set's questions through the normal answer path and score retrieval, facts, citations, refusals and time to first token.")

    @Argument(help: "The set's folder (questions.jsonl).") var folder: String
    @Option(help: "The documents' folder (default: FOLDER/docs).") var docs: String?
    @Option(help: "Chat model (default: the configured one).") var model: String?
    @Option(help: "Sources per answer.") var k = 5
    @Option(help: "Answer only the first N questions (in file order).") var questions: Int?
    @Option(help: "Answer only questions whose id starts with one of these prefixes (comma-separated, e.g. zh,un).")
    var only: String?
    @Option(help: "The most tokens per answer.") var maxTokens = 256
    @Option(help: "Keep the scratch data here (default: a temporary folder, removed afterwards); a later run with the same folder reuses the ingested documents.")
    var data: String?
    @Flag(help: "Print JSON (totals and every answer).") var json = false
    @Flag(help: "Score retrieval only (hit@1, hit@5 by page): no chat model is loaded and no answer is generated.")
    var retrievalOnly = false

    struct Question: Decodable {
        var id: String
        var doc: String?
        var lang: String
        var question: String
        var answerable: Bool
        var pages: [Int]
        var answer: String?
    }

    struct Outcome: Encodable {
        var id: String
        var question: String
        var answer: String
        var expected: String?
        var notFound: Bool
        var hit1: Bool?
        var hit5: Bool?
        var containsFact: Bool?
        var citesRightPage: Bool?
        var inQuestionLanguage: Bool?
        var firstTokenMs: Double?
        var promptTokens: Int
        var citations: [String]
    }

    struct Report: Encodable {
        /// Only retrieval was scored (`--retrieval-only`): the answer scores are absent.
        var retrievalOnly: Bool
        var model: String
        var k: Int
        var questions: Int
        var answerable: Int
        var unanswerable: Int
        var hitAt1: Double
        var hitAt5: Double
        /// Answerable questions whose answer contains the fact (in the question's language, citing the right page).
        var correct: Double
        var containsFact: Double
        var citesRightPage: Double
        var refusedUnanswerable: Double
        var refusedAnswerable: Double
        var firstTokenP50Ms: Double
        var firstTokenP95Ms: Double
        var answers: [Outcome]?
    }

    func validate() throws {
        if !(1...20).contains(k) { throw ValidationError("--k must be between 1 and 20") }
        if let questions, questions < 1 { throw ValidationError("--questions must be at least 1") }
    }

    func run() async throws {
        let base = URL(fileURLWithPath: folder, isDirectory: true)
        let documents = docs.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? base.appendingPathComponent("docs")
        let text = try String(contentsOf: base.appendingPathComponent("questions.jsonl"), encoding: .utf8)
        var set = try text.split(separator: "\n").map { try JSONDecoder().decode(Question.self, from: Data($0.utf8)) }
        if let only {
            let prefixes = only.split(separator: ",").map { String($0) + "-" }
            set = set.filter { q in prefixes.contains { q.id.hasPrefix($0) } }
        }
        set = Array(set.prefix(questions ?? .max))
        guard !set.isEmpty else { throw ValidationError("no questions to ask") }
        let names = Set(set.compactMap(\.doc)).union(try FileManager.default.contentsOfDirectory(atPath: documents.path)
            .filter { !$0.hasPrefix(".") })
        let scratch = data.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("zhiku-eval-qa-\(UUID().uuidString)", isDirectory: true)
        defer { if data == nil { try? FileManager.default.removeItem(at: scratch) } }
        var options = DataOptions()
        options.data = scratch.path
        let runtime = try await options.runtime()
        let kb = try await ingest(names.sorted(), from: documents, into: runtime)
        let modelName = retrievalOnly ? "none" : try await runtime.chatModels.model(model, allowingFiles: true).modelID

        var outcomes: [Outcome] = []
        let answerer = Answerer(runtime: runtime)
        for (n, q) in set.enumerated() {
            let results = try await runtime.search(q.question, in: kb, k: k, translating: true)  // as answers search
            func hit(_ hits: ArraySlice<SearchHit>) -> Bool {
                hits.contains { $0.fileName == q.doc && (q.doc?.hasSuffix(".html") == true || q.pages.contains($0.chunk.page)) }
            }
            if retrievalOnly {
                var o = Outcome(id: q.id, question: q.question, answer: "", expected: q.answer, notFound: false,
                                firstTokenMs: nil, promptTokens: 0, citations: [])
                if q.answerable {
                    o.hit1 = hit(results.hits.prefix(1))
                    o.hit5 = hit(results.hits.prefix(5))
                }
                outcomes.append(o)
                continue
            }
            var request = Answerer.Request(question: q.question)
            request.model = model
            request.modelFilesAllowed = true
            request.k = k
            request.maxTokens = maxTokens
            request.channel = .cli
            let outcome = try await AnswerPrinter.run(answerer.answer(request, in: kb), quiet: true)
            let notFound = outcome.stats?.finishReason == .notFound
            let cited = Self.citedNumbers(outcome.text)
            let rightPage = outcome.citations.contains { c in
                cited.contains(c.n) && c.fileName == q.doc && (q.doc?.hasSuffix(".html") == true || q.pages.contains(c.page))
            }
            var o = Outcome(id: q.id, question: q.question, answer: outcome.text, expected: q.answer, notFound: notFound,
                            firstTokenMs: outcome.stats?.firstTokenMs, promptTokens: outcome.stats?.promptTokens ?? 0,
                            citations: outcome.citations.map { "[\($0.n)] \($0.fileName) p.\($0.page)" })
            if q.answerable {
                o.hit1 = hit(results.hits.prefix(1))
                o.hit5 = hit(results.hits.prefix(5))
                o.containsFact = !notFound && Self.containsFact(outcome.text, reference: q.answer ?? "")
                o.citesRightPage = !notFound && rightPage
                o.inQuestionLanguage = !notFound && Self.isInLanguage(outcome.text, q.lang)
            }
            outcomes.append(o)
            if !json {
                let mark = q.answerable ? ((o.containsFact ?? false) ? "✓" : "✗") : (notFound ? "✓" : "✗")
                print("\(n + 1)/\(set.count) \(q.id) \(mark) \(String(format: "%.1f", (o.firstTokenMs ?? 0) / 1000)) s  "
                      + outcome.text.replacingOccurrences(of: "\n", with: " ").prefix(120))
            }
        }
        let answerable = outcomes.filter { $0.hit1 != nil }, unanswerable = outcomes.filter { $0.hit1 == nil }
        func share(_ list: [Outcome], _ test: (Outcome) -> Bool) -> Double {
            list.isEmpty ? 0 : Double(list.filter(test).count) / Double(list.count)
        }
        let times = outcomes.compactMap(\.firstTokenMs)
        let report = Report(
            retrievalOnly: retrievalOnly, model: modelName, k: k, questions: outcomes.count, answerable: answerable.count, unanswerable: unanswerable.count,
            hitAt1: share(answerable) { $0.hit1 == true }, hitAt5: share(answerable) { $0.hit5 == true },
            correct: share(answerable) { $0.containsFact == true && $0.citesRightPage == true && $0.inQuestionLanguage == true },
            containsFact: share(answerable) { $0.containsFact == true },
            citesRightPage: share(answerable) { $0.citesRightPage == true },
            refusedUnanswerable: share(unanswerable) { $0.notFound }, refusedAnswerable: share(answerable) { $0.notFound },
            firstTokenP50Ms: RetrievalMetrics.percentile(times, 50), firstTokenP95Ms: RetrievalMetrics.percentile(times, 95),
            answers: json ? outcomes : nil)
        if json {
            try emitJSON(report)
        } else if retrievalOnly {
            print(String(format: "retrieval (k = %d): %d questions (%d answerable). hit@1 %.3f, hit@5 %.3f",
                         k, report.questions, report.answerable, report.hitAt1, report.hitAt5))
        } else {
            print(String(format: "%@ (k = %d): %d questions (%d answerable). hit@1 %.2f, hit@5 %.2f; fact %.2f, right page cited %.2f, "
                         + "all three (fact, citation, language) %.2f; refused: unanswerable %.2f, answerable %.2f; "
                         + "first token p50 %.1f s, p95 %.1f s",
                         modelName as NSString, k, report.questions, report.answerable, report.hitAt1, report.hitAt5,
                         report.containsFact, report.citesRightPage, report.correct, report.refusedUnanswerable,
                         report.refusedAnswerable, report.firstTokenP50Ms / 1000, report.firstTokenP95Ms / 1000))
        }
    }

    /// Adds the documents (once per data folder) and waits for their jobs.
    private func ingest(_ names: [String], from folder: URL, into runtime: ZhikuRuntime) async throws -> KnowledgeBase {
        if let kb = try await runtime.store.knowledgeBase(named: "eval-qa") { return kb }
        let kb = try await runtime.createKnowledgeBase(name: "eval-qa")
        var jobs: [Job.ID] = []
        for name in names {
            let url = folder.appendingPathComponent(name)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw ValidationError("\(url.path) is missing (../shared/eval/qa/fetch.sh fetches the documents)")
            }
            let writer = try runtime.blobs.makeWriter(limit: runtime.configuration.maxUploadBytes)
            try writer.append(Array(bytes))
            let added = try await runtime.addFile(try writer.finish(), name: name, to: kb)
            if let job = added.job { jobs.append(job.id) }
        }
        var failures: [String] = []
        try await runtime.drainJobs(ids: jobs) { job in
            if job.status != .succeeded { failures.append("file \(job.fileID): \(job.error ?? "failed")") }
        }
        guard failures.isEmpty else { throw ZhikuError(.extractionFailed, "documents failed to ingest: \(failures)") }
        return kb
    }

    /// The source numbers an answer cites as `[n]` (also `[1][2]`, `[1, 2]`).
    static func citedNumbers(_ text: String) -> Set<Int> {
        var found: Set<Int> = []
        var inside = false, digits = ""
        for ch in text {
            if ch == "[" || ch == "【" { inside = true; digits = "" } else if inside, ch.isASCII, ch.isNumber { digits.append(ch) } else if inside,
                ch == "]" || ch == "】" || ch == "," || ch == "，" || ch == " " {
                if let n = Int(digits) { found.insert(n) }
                digits = ""
                if ch == "]" || ch == "】" { inside = false }
            } else {
                inside = false
            }
        }
        return found
    }

    /// Key terms of a reference answer: numbers, identifiers and Latin words (lowercased, spaces removed).
    static func keyTerms(_ reference: String) -> [String] {
        let stop: Set<String> = ["the", "a", "an", "of", "to", "in", "is", "are", "be", "and", "or", "it", "its", "for",
                                 "with", "as", "on", "by", "at", "e.g", "eg", "if", "then", "not", "no", "yes", "only",
                                 "even", "that", "this", "from", "into", "unless", "should", "use", "using", "each",
                                 "generally", "neither", "nor", "out", "back", "up", "log"]
        var terms: [String] = [], current = ""
        func flush() {
            let t = current.trimmingCharacters(in: CharacterSet(charactersIn: ".,;:()'\"“”"))
            if !t.isEmpty, !stop.contains(t) { terms.append(t) }
            current = ""
        }
        for ch in reference.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber || "_-./~:#$=+*<>@".contains(ch)) { current.append(ch) } else { flush() }
        }
        flush()
        return terms
    }

    static func containsFact(_ answer: String, reference: String) -> Bool {
        let squeezed = answer.lowercased().filter { !$0.isWhitespace }
        let terms = keyTerms(reference)
        if !terms.isEmpty {
            // A one-letter term (a key to press) must stand alone; longer ones may sit inside other text.
            func holds(_ term: String) -> Bool {
                guard term.count == 1 else { return squeezed.contains(term) }
                let words = answer.lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
                return words.contains { $0 == term }
            }
            let found = terms.filter(holds).count
            // The reference's first term is its main fact (the package, option, number asked for).
            return holds(terms[0]) || (found >= 1 && 2 * found >= terms.count)
        }
        let chinese = Array(reference.unicodeScalars.filter(\.isCJK))
        guard chinese.count >= 2 else { return false }
        let pairs = Set((0..<(chinese.count - 1)).map { String(chinese[$0]) + String(chinese[$0 + 1]) })
        let found = pairs.filter { squeezed.contains($0) }.count
        return Double(found) >= 0.4 * Double(pairs.count)
    }

    /// Chinese questions get answers with Chinese characters; English ones answers that are mostly not Chinese.
    static func isInLanguage(_ answer: String, _ lang: String) -> Bool {
        let letters = answer.unicodeScalars.filter { $0.properties.isAlphabetic }
        guard !letters.isEmpty else { return false }
        let cjk = letters.filter(\.isCJK).count
        return lang == "zh" ? cjk > 0 : Double(cjk) / Double(letters.count) < 0.3
    }
}
