import Foundation
import Logging
import ZhikuCore

/// Cross-language search: a question is translated (Chinese ↔ English) by a small chat model and the translation is
/// searched beside it, when the question's first results show that the knowledge base holds text in the other
/// language. A monolingual knowledge base never pays for it. Translations are kept for the most recent questions.
public final class QueryTranslator: @unchecked Sendable {
    /// The chat model that translates; nil: no translation.
    public let modelName: String?
    private let models: ChatModelRegistry
    private let logger: Logger
    private let lock = NSLock()
    private var kept: [String: String] = [:], order: [String] = []
    private var failed = false
    /// Questions longer than this are not translated (their prompt would cost more than the search gains).
    static let longestQuestion = 600
    static let capacity = 256
    /// How many of the question's results are looked at, and how deep each list is when two are fused.
    public static let depth = 30

    /// Whether questions are translated: a model is named and it has not failed in this process.
    public var isEnabled: Bool { modelName != nil && !lock.withLock { failed } }

    public init(modelName: String?, models: ChatModelRegistry, logger: Logger) {
        self.modelName = modelName
        self.models = models
        self.logger = logger
    }

    /// The language a text is mostly written in: Chinese when it has Chinese characters and at most four Latin letters
    /// for each of them, English when it has Latin letters otherwise, nil when it has neither.
    static func language(of text: String) -> Language? {
        var chinese = 0, latin = 0
        for scalar in text.unicodeScalars {
            if scalar.isCJK { chinese += 1 } else if scalar.isASCII, scalar.properties.isAlphabetic { latin += 1 }
        }
        if chinese > 0 && 4 * chinese >= latin { return .chinese }
        return latin > 0 ? .english : nil
    }

    enum Language { case chinese, english }

    /// The language a question is asked in: Chinese when it has any Chinese character (as ``Answerer`` decides the
    /// answer's language), English otherwise.
    static func language(ofQuestion question: String) -> Language { Answerer.isChinese(question) ? .chinese : .english }

    /// Whether a passage is written in a language other than `asked`.
    static func isInOtherLanguage(_ hit: SearchHit, than asked: Language) -> Bool {
        language(of: hit.chunk.text).map { $0 != asked } ?? false
    }

    /// Whether `hits` (a question's first results) include passages in the language the question is not in.
    static func needsTranslation(_ question: String, hits: [SearchHit]) -> Bool {
        let asked = language(ofQuestion: question)
        return hits.contains { isInOtherLanguage($0, than: asked) }
    }

    /// The weight of the translation's list in ``fuse(_:_:question:)`` (the question's own list weighs 1): a passage
    /// the translation ranks r-th lands just below the question's own r-th.
    static let translatedWeight = 0.9

    /// The hits of the question and of its translation in one list. The translation's list keeps only passages in
    /// the other language (reaching them is what it is for; in the question's own language the question ranks
    /// better); each chunk scores the better of 1 / (5 + rank) in the question's list and weight / (5 + rank) in the
    /// translation's (rank from 1; 5 is the reciprocal-rank constant), its details taken from the question's list
    /// where it is in both. The better of the two, not their sum: on the development QA set a sum let English
    /// passages that both lists held overtake the question's first hit (4 of 25 Chinese questions lost it with
    /// EmbeddingGemma at every weight from 0.75 to 0.99; with e5 a weight of 0.99 lost one); the better of the two
    /// kept every same-language first hit with both models at every weight in that range and found the answering
    /// page of all 5 cross-language questions in the first five (BENCHMARKS.md).
    static func fuse(_ original: [SearchHit], _ translated: [SearchHit], question: String) -> [SearchHit] {
        let asked = language(ofQuestion: question)
        var scores: [Chunk.ID: Double] = [:], hits: [Chunk.ID: SearchHit] = [:]
        let other = translated.filter { isInOtherLanguage($0, than: asked) }
        for (list, weight) in [(original, 1.0), (other, translatedWeight)] {
            for (rank, hit) in list.enumerated() {
                scores[hit.chunk.id] = max(scores[hit.chunk.id] ?? 0, weight / Double(5 + rank + 1))
                if hits[hit.chunk.id] == nil { hits[hit.chunk.id] = hit }
            }
        }
        return hits.values.map { hit in
            var hit = hit
            hit.score = scores[hit.chunk.id]!
            return hit
        }.sorted { $0.score != $1.score ? $0.score > $1.score : $0.chunk.id < $1.chunk.id }
    }

    /// The question in the other language, or nil (no model, too long, the model failed or repeated the question).
    public func translation(of question: String) async -> String? {
        guard let modelName, question.count <= Self.longestQuestion else { return nil }
        if let known = lock.withLock({ failed ? "" : kept[question] }) { return known.isEmpty ? nil : known }
        let toEnglish = Self.language(ofQuestion: question) == .chinese
        let request = ChatRequest(messages: [
            ChatMessage(role: .system, content: "You are a translator. Output only the translation, nothing else."),
            ChatMessage(role: .user, content: (toEnglish ? "Translate into English:\n" : "Translate into Simplified Chinese:\n") + question),
        ], maxTokens: 64, stop: ["\n"])
        var text = ""
        do {
            let model = try await models.model(modelName)
            for try await event in model.stream(request) {
                if case .text(let piece) = event { text += piece }
            }
        } catch is CancellationError {
            return nil
        } catch {
            // A missing or failing translation model turns translation off for this process, said once.
            logger.warning("query translation is off: \(modelName) failed: \(error)")
            lock.withLock { failed = true }
            return nil
        }
        let translated = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let useful = !translated.isEmpty && translated != question && (Self.language(ofQuestion: translated) == .chinese) != toEnglish
        lock.withLock {
            if kept[question] == nil {
                order.append(question)
                if order.count > Self.capacity { kept[order.removeFirst()] = nil }
            }
            kept[question] = useful ? translated : ""
        }
        return useful ? translated : nil
    }
}
