import Foundation
import Logging
import ServiceLifecycle
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuIngest
import ZhikuRetrieval
import ZhikuTestSupport
@testable import ZhikuServer

@Suite struct IngestWorkerTests {
    func runtime(_ folder: TemporaryFolder) async throws -> ZhikuRuntime {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return try await ZhikuRuntime(configuration: ZhikuConfiguration(dataFolder: folder.url, workers: 2), logger: logger)
    }

    /// A process dies in the middle of writing chunks; the next start finishes the job with exactly one set of
    /// chunks and an index whose statistics count every chunk once.
    @Test func interruptedJobResumesOnRestartWithoutDuplicates() async throws {
        let folder = TemporaryFolder()
        let text = (1...60).map { "第\($0)条：员工年假申请流程与审批规则，请提前三天提交申请。Rule \($0) covers annual leave." }
            .joined(separator: "\n\n")
        let file = folder.write("handbook.txt", text)

        // First life: the file is accepted, its job claimed, half the chunks written and indexed — then a crash.
        do {
            let first = try await runtime(folder)
            let kb = try await first.store.createKnowledgeBase(name: "hr", description: "")
            let blob = try first.blobs.importFile(at: file, limit: 1 << 30)
            let added = try await first.addFile(blob, name: "handbook.txt", to: kb)
            let job = try await first.store.claimNextJob()
            #expect(job?.id == added.job?.id)
            let drafts = first.pipeline.splitter.split(ExtractedDocument(pages: [ExtractedPage(number: 1, text: text)]))
            let partial = try await first.store.replaceChunks(ofFile: added.file.id, with: Array(drafts.prefix(drafts.count / 2)),
                                                              pageCount: 1)
            try await first.keywordIndex.add(partial.map { IndexableChunk(id: $0.id, text: $0.text) }, to: kb.id)
            #expect(try await first.store.job(id: job!.id)?.status == .running)
        }

        // Second life: the worker service requeues and finishes the job.
        let second = try await runtime(folder)
        let kb = try await second.store.resolveKnowledgeBase("hr")
        let group = ServiceGroup(configuration: .init(services: [IngestWorker(runtime: second)], logger: second.logger))
        let running = Task { try await group.run() }
        let fileRecord = try await second.store.files(in: kb.id)[0]
        var job = try await second.store.jobs(in: kb.id)[0]
        let deadline = ContinuousClock.now + .seconds(600)  // waits for work, however loaded the machine
        while job.status != .succeeded && job.status != .failed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            job = try await second.store.jobs(in: kb.id)[0]
        }
        await group.triggerGracefulShutdown()
        try await running.value

        #expect(job.status == .succeeded)
        #expect(job.attempts == 2)
        let expected = second.pipeline.splitter.split(ExtractedDocument(pages: [ExtractedPage(number: 1, text: text)]))
        let chunkIDs = try await second.store.chunkIDs(ofFile: fileRecord.id)
        #expect(chunkIDs.count == expected.count)
        #expect(try await second.store.file(id: fileRecord.id)?.chunkCount == expected.count)

        // The persisted index scores exactly like a fresh in-memory index over the final chunks: no stale
        // postings, N and average length counted once.
        let reference = MemoryKeywordIndex(tokenizer: MixedScriptTokenizer())
        let hits = try await second.store.hits(for: chunkIDs.map { ScoredChunk(chunkID: $0, score: 0) })
        await reference.add(hits.map { IndexableChunk(id: $0.chunk.id, text: $0.chunk.text) }, to: kb.id)
        for query in ["年假申请", "annual leave rule 7", "审批"] {
            let a = try await reference.search(query, k: 5, in: kb.id)
            let b = try await second.keywordIndex.search(query, k: 5, in: kb.id)
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-9, "\(query)") }
        }
    }

    /// Parsing is keyed by sha256: the same bytes in a second knowledge base reuse the extracted text.
    @Test func extractionIsReusedAcrossKnowledgeBases() async throws {
        let folder = TemporaryFolder()
        let zhiku = try await runtime(folder)
        let pdf = folder.write("a.pdf", TestDocuments.pdf(pages: [["alpha page"], ["beta page"]]))
        let one = try await zhiku.store.createKnowledgeBase(name: "one", description: "")
        let two = try await zhiku.store.createKnowledgeBase(name: "two", description: "")
        let blob = try zhiku.blobs.importFile(at: pdf, limit: 1 << 30)
        let first = try await zhiku.addFile(blob, name: "a.pdf", to: one)
        try await zhiku.drainJobs(ids: [first.job!.id])
        // Remove the bytes: the second ingest can only succeed from the cached extraction.
        try FileManager.default.removeItem(at: blob.url)
        let second = try await zhiku.addFile(blob, name: "a.pdf", to: two)
        #expect(!second.duplicate)
        try await zhiku.drainJobs(ids: [second.job!.id])
        #expect(try await zhiku.store.job(id: second.job!.id)?.status == .succeeded)
        #expect(try await zhiku.search("beta", in: two).hits.first?.chunk.page == 2)
    }
}
