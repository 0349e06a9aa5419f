import Foundation
import Logging
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuTestSupport

/// Cross-language search: when a question's results show passages in the other language, its translation is
/// searched too and the other-language passages it finds are fused in.
@Suite struct QueryTranslatorTests {
    func hit(_ id: Int64, _ text: String) -> SearchHit {
        SearchHit(chunk: Chunk(id: id, fileID: 1, knowledgeBaseID: 1, ordinal: Int(id), page: 1, start: 0, end: text.count, text: text),
                  fileName: "f.txt", score: 1)
    }

    @Test func tellsChineseFromEnglishPassages() {
        #expect(QueryTranslator.language(of: "安装时选择 KDE Plasma 桌面，启动参数写 desktop=kde。") == .chinese)
        #expect(QueryTranslator.language(of: "File names: C++ sources and headers use .cc and .hh extension.") == .english)
        // A Chinese manual's command listing with one Chinese word is English text to a reader.
        #expect(QueryTranslator.language(of: "$ dpkg-buildpackage -us -uc -b --jobs=auto 构建") == .english)
        #expect(QueryTranslator.language(of: "12345 ---") == nil)
    }

    @Test func translatesOnlyWhenTheResultsHoldTheOtherLanguage() {
        let chinese = [hit(1, "年假申请流程：提前三天提交。"), hit(2, "报销需要发票原件。")]
        #expect(!QueryTranslator.needsTranslation("年假怎么申请？", hits: chinese))
        #expect(QueryTranslator.needsTranslation("年假怎么申请？", hits: chinese + [hit(3, "Annual leave must be requested three days ahead.")]))
        #expect(QueryTranslator.needsTranslation("How do I request annual leave?", hits: chinese))
        #expect(!QueryTranslator.needsTranslation("How do I request annual leave?", hits: [hit(3, "Annual leave must be requested.")]))
    }

    @Test func fusionKeepsTheQuestionsOwnOrderAndAddsOtherLanguagePassages() {
        let original = [hit(1, "年假申请流程：提前三天提交。"), hit(2, "报销需要发票原件。"), hit(3, "加班需要主管批准。")]
        // The translation's list: a Chinese passage at its top (ignored: the question itself ranks those), then English.
        let translated = [hit(3, "加班需要主管批准。"), hit(7, "Annual leave must be requested three days ahead."), hit(2, "报销需要发票原件。")]
        let fused = QueryTranslator.fuse(original, translated, question: "年假怎么申请？")
        #expect(fused.map(\.chunk.id).filter { $0 != 7 } == [1, 2, 3], "the Chinese passages keep the question's order")
        // Ranks count from 1 within each list (the English passage is first once Chinese ones are left out).
        let score = Dictionary(uniqueKeysWithValues: fused.map { ($0.chunk.id, $0.score) })
        #expect(abs(score[1]! - 1.0 / 6) < 1e-12 && abs(score[2]! - 1.0 / 7) < 1e-12 && abs(score[3]! - 1.0 / 8) < 1e-12)
        #expect(abs(score[7]! - QueryTranslator.translatedWeight / 6) < 1e-12)
        #expect(fused.map(\.score) == fused.map(\.score).sorted(by: >))
        // An English passage both lists found keeps the better of its two places, not their sum: it does not
        // overtake the question's own first hit.
        let both = QueryTranslator.fuse(original + [hit(7, "Annual leave must be requested three days ahead.")], translated,
                                        question: "年假怎么申请？")
        #expect(abs(both.first { $0.chunk.id == 7 }!.score - max(1.0 / 9, QueryTranslator.translatedWeight / 6)) < 1e-12)
        #expect(both.map(\.chunk.id) == [1, 7, 2, 3])
    }

    /// The real thing: a Chinese question over an English handbook and a Chinese one, with the built-in models.
    @Test(.offThePool) func aChineseQuestionFindsTheEnglishPassage() async throws {
        guard (try? ModelLocation.folder(for: "qwen2.5-0.5b-instruct")) != nil, (try? ModelLocation.folder(for: "multilingual-e5-small")) != nil
        else { try Skip.now("qwen2.5-0.5b-instruct or multilingual-e5-small not found (scripts/fetch-models.sh fetches them)") }
        let folder = TemporaryFolder()
        let runtime = try await ZhikuRuntime(configuration: ZhikuConfiguration(dataFolder: folder.url), logger: Logger(label: "t"))
        let kb = try await runtime.createKnowledgeBase(name: "mixed")
        let english = (1...12).map { n in
            n == 7 ? "Coding style. File names: C++ sources and headers use the .cc and .hh extensions; .c and .h are reserved for plain C."
                : "Section \(n). The motion controller reads its configuration from the INI file and reports position \(n) times per second."
        }.joined(separator: "\n\n")
        let chinese = (1...12).map { n in "第 \(n) 节：打包前先阅读上游的许可证，确认可以在 Debian 中发布，然后准备 debian 目录里的第 \(n) 个文件。" }
            .joined(separator: "\n\n")
        var jobs: [Job.ID] = []
        for (name, text) in [("developer-guide.txt", english), ("打包指南.txt", chinese)] {
            let writer = try runtime.blobs.makeWriter(limit: 1 << 20)
            try writer.append(Array(text.utf8))
            if let job = try await runtime.addFile(try writer.finish(), name: name, to: kb).job { jobs.append(job.id) }
        }
        try await runtime.drainJobs(ids: jobs) { #expect($0.status == .succeeded) }
        let question = "C++ 源文件和头文件应该用什么扩展名？"
        let plain = try await runtime.search(question, in: kb, k: 3)
        #expect(plain.translatedQuery == nil)
        let results = try await runtime.search(question, in: kb, k: 3, translating: true)
        let translated = try #require(results.translatedQuery, "the results held English passages, so the question was translated")
        #expect(QueryTranslator.language(of: translated) == .english, "\(translated)")
        #expect(results.hits.contains { $0.chunk.text.contains(".cc and .hh") }, "top 3: \(results.hits.map(\.chunk.text))")
        // Asked again, the translation comes from memory (no model call: the same text back at once).
        let again = try await runtime.search(question, in: kb, k: 3, translating: true)
        #expect(again.translatedQuery == translated)
    }
}
