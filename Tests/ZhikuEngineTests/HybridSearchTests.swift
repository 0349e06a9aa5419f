import Foundation
import Logging
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuModels
import ZhikuTestSupport

/// The optional second pass of search (``RetrievalSettings/rerank``), with the real built-in embedding model.
@Suite struct HybridSearchTests {
    func makeRuntime(_ folder: TemporaryFolder, rerank: RetrievalSettings.RerankMethod, weight: Double = 1,
                 server: String? = nil) async throws -> ZhikuRuntime {
        var configuration = ZhikuConfiguration(dataFolder: folder.url)
        configuration.retrieval.rerank = rerank
        configuration.retrieval.rerankWeight = weight
        configuration.rerankServerURL = server
        return try await ZhikuRuntime(configuration: configuration, logger: Logger(label: "t"))
    }

    func fill(_ runtime: ZhikuRuntime) async throws -> KnowledgeBase {
        let kb = try await runtime.createKnowledgeBase(name: "policies")
        let texts = [("leave.txt", "员工年假申请流程：员工需提前三天在系统中提交年假申请，经部门经理批准后生效。"),
                     ("travel.txt", "Travel policy: economy class only. Hotel receipts must be filed within thirty days."),
                     ("security.txt", "Passwords must be rotated every ninety days and never shared with colleagues.")]
        var jobs: [Job.ID] = []
        for (name, text) in texts {
            let writer = try runtime.blobs.makeWriter(limit: 1 << 20)
            try writer.append(Array(text.utf8))
            if let job = try await runtime.addFile(try writer.finish(), name: name, to: kb).job { jobs.append(job.id) }
        }
        try await runtime.drainJobs(ids: jobs) { #expect($0.status == .succeeded) }
        return kb
    }

    @Test func sentencesRerankOrdersByTheRerankersScore() async throws {
        guard (try? ModelLocation.folder(for: "multilingual-e5-small")) != nil else {
            try Skip.now("multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let folder = TemporaryFolder()
        let runtime = try await makeRuntime(folder, rerank: .sentences)
        let kb = try await fill(runtime)
        for mode in [SearchMode.hybrid, .vector, .keyword] {
            let results = try await runtime.search("How long do I have to file hotel receipts?", in: kb, k: 3, mode: mode)
            let scores = results.hits.compactMap(\.rerankScore)
            #expect(scores.count == results.hits.count, "\(mode): every hit carries the reranker's score")
            #expect(scores == scores.sorted(by: >), "\(mode): in the reranker's order")
            if mode != .keyword { #expect(results.hits.first?.fileName == "travel.txt") }
        }
        // Off: no reranker score.
        let other = TemporaryFolder()
        let plain = try await makeRuntime(other, rerank: .off)
        let kb2 = try await fill(plain)
        #expect(try await plain.search("hotel receipts", in: kb2, k: 3).hits.allSatisfy { $0.rerankScore == nil })
    }

    @Test func aFailingRerankServerKeepsTheFirstPassOrder() async throws {
        guard (try? ModelLocation.folder(for: "multilingual-e5-small")) != nil else {
            try Skip.now("multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let folder = TemporaryFolder()
        let runtime = try await makeRuntime(folder, rerank: .server, server: "http://127.0.0.1:9")
        let kb = try await fill(runtime)
        let results = try await runtime.search("hotel receipts", in: kb, k: 3)
        #expect(results.hits.first?.fileName == "travel.txt")
        #expect(results.hits.allSatisfy { $0.rerankScore == nil })
        #expect(results.hits.map(\.score) == results.hits.map(\.score).sorted(by: >))
    }

    @Test func aKnowledgeBasesOwnRerankingOverridesTheServers() async throws {
        guard (try? ModelLocation.folder(for: "multilingual-e5-small")) != nil else {
            try Skip.now("multilingual-e5-small not found (scripts/fetch-models.sh fetches it)")
        }
        let folder = TemporaryFolder()
        let runtime = try await makeRuntime(folder, rerank: .off)
        var kb = try await fill(runtime)
        #expect(try await runtime.search("hotel receipts", in: kb, k: 3).hits.allSatisfy { $0.rerankScore == nil })
        kb = try await runtime.setRerank(of: kb, to: "sentences")
        #expect(kb.rerank == "sentences")
        #expect(try await runtime.search("hotel receipts", in: kb, k: 3).hits.allSatisfy { $0.rerankScore != nil }, "the knowledge base's own pass")
        await #expect(throws: ZhikuError.self) { _ = try await runtime.setRerank(of: kb, to: "server") }  // no ZHIKU_RERANK_URL
        await #expect(throws: ZhikuError.self) { _ = try await runtime.setRerank(of: kb, to: "cross-encoder") }
        kb = try await runtime.setRerank(of: kb, to: "default")
        #expect(kb.rerank == nil)

        // The other way round: the server reranks, this knowledge base does not.
        let other = TemporaryFolder()
        let reranking = try await makeRuntime(other, rerank: .sentences)
        var plain = try await fill(reranking)
        #expect(try await reranking.search("hotel receipts", in: plain, k: 3).hits.allSatisfy { $0.rerankScore != nil })
        plain = try await reranking.setRerank(of: plain, to: "off")
        #expect(try await reranking.search("hotel receipts", in: plain, k: 3).hits.allSatisfy { $0.rerankScore == nil })
    }
}
