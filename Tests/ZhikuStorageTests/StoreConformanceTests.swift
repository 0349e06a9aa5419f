import Foundation
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

/// The behaviour every ``Store`` backend must show (SQLite and PostgreSQL run the same tests).
@Suite struct StoreConformanceTests {
    func source(_ sha: Character, name: String = "a.txt") -> SourceFile {
        SourceFile(name: name, url: URL(fileURLWithPath: "/nonexistent").appendingPathComponent(name),
                   sha256: String(repeating: sha, count: 64), mediaType: .plainText, size: 10)
    }

    @Test(arguments: StoreBackend.allCases) func knowledgeBasesByNameAndID(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let kb = try await store.createKnowledgeBase(name: "人事制度", description: "HR")
        #expect(try await store.resolveKnowledgeBase("人事制度").id == kb.id)
        #expect(try await store.resolveKnowledgeBase("\(kb.id)").name == "人事制度")
        await #expect(throws: ZhikuError(.conflict, "a knowledge base named '人事制度' already exists")) {
            _ = try await store.createKnowledgeBase(name: "人事制度", description: "")
        }
        await #expect(throws: ZhikuError.self) { _ = try await store.createKnowledgeBase(name: "  ", description: "") }
        await #expect(throws: ZhikuError.self) { _ = try await store.createKnowledgeBase(name: "123", description: "") }
        await #expect(throws: ZhikuError.self) { _ = try await store.resolveKnowledgeBase("nope") }
        #expect(try await store.knowledgeBases().map(\.name) == ["人事制度"])
    }

    @Test(arguments: StoreBackend.allCases) func knowledgeBasesAreRenamedWithoutTakingAnotherOnesName(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let hr = try await store.createKnowledgeBase(name: "hr", description: "HR")
        _ = try await store.createKnowledgeBase(name: "legal", description: "")
        let renamed = try await store.renameKnowledgeBase(id: hr.id, to: "  人事  ", description: nil)
        #expect(renamed.name == "人事" && renamed.description == "HR" && renamed.id == hr.id)
        #expect(try await store.resolveKnowledgeBase("人事").id == hr.id)
        #expect(try await store.knowledgeBase(named: "hr") == nil)
        #expect(try await store.renameKnowledgeBase(id: hr.id, to: "人事", description: "people").description == "people")
        await #expect(throws: ZhikuError(.conflict, "a knowledge base named 'legal' already exists")) {
            _ = try await store.renameKnowledgeBase(id: hr.id, to: "legal", description: nil)
        }
        await #expect(throws: ZhikuError.self) { _ = try await store.renameKnowledgeBase(id: 999, to: "x", description: nil) }
        await #expect(throws: ZhikuError.self) { _ = try await store.renameKnowledgeBase(id: hr.id, to: " ", description: nil) }
    }

    /// Names are unique per owner: two owners may both have "notes"; one owner (or the ownerless namespace) cannot
    /// have two, by creating or renaming.
    @Test(arguments: StoreBackend.allCases) func aKnowledgeBaseKeepsItsOwnReranking(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let kb = try await s.store.createKnowledgeBase(name: "hr", description: "")
        #expect(kb.rerank == nil)
        #expect(try await s.store.setRerank("sentences", of: kb.id).rerank == "sentences")
        #expect(try await s.store.knowledgeBase(id: kb.id)?.rerank == "sentences")
        #expect(try await s.store.setRerank(nil, of: kb.id).rerank == nil)
        await #expect(throws: ZhikuError.self) { _ = try await s.store.setRerank("off", of: 999) }
    }

    @Test(arguments: StoreBackend.allCases) func knowledgeBaseNamesAreUniquePerOwner(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store
        let ana = try await store.createKnowledgeBase(name: "notes", description: "", embeddingModel: nil, owner: 7)
        let bo = try await store.createKnowledgeBase(name: "notes", description: "", embeddingModel: nil, owner: 8)
        let shared = try await store.createKnowledgeBase(name: "notes", description: "")
        #expect(ana.ownerID == 7 && bo.ownerID == 8 && shared.ownerID == nil)
        #expect(try await store.knowledgeBase(id: ana.id)?.ownerID == 7, "the owner is stored")
        #expect(try await store.knowledgeBases(named: "notes").map(\.id) == [ana.id, bo.id, shared.id])
        await #expect(throws: ZhikuError(.conflict, "you already have a knowledge base named 'notes'")) {
            _ = try await store.createKnowledgeBase(name: "notes", description: "", embeddingModel: nil, owner: 7)
        }
        await #expect(throws: ZhikuError(.conflict, "a knowledge base named 'notes' already exists")) {
            _ = try await store.createKnowledgeBase(name: "notes", description: "")
        }
        let other = try await store.createKnowledgeBase(name: "other", description: "", embeddingModel: nil, owner: 7)
        await #expect(throws: ZhikuError(.conflict, "you already have a knowledge base named 'notes'")) {
            _ = try await store.renameKnowledgeBase(id: other.id, to: "notes", description: nil)
        }
        let moved = try await store.createKnowledgeBase(name: "moved", description: "", embeddingModel: nil, owner: 9)
        #expect(try await store.renameKnowledgeBase(id: moved.id, to: "notes", description: nil).name == "notes")
        // By name alone the command line cannot tell them apart: a conflict that names the ids.
        await #expect(throws: ZhikuError.self) { _ = try await store.resolveKnowledgeBase("notes") }
        #expect(try await store.resolveKnowledgeBase("\(bo.id)").ownerID == 8)
        #expect(try await store.resolveKnowledgeBase("other").id == other.id)
    }

    @Test(arguments: StoreBackend.allCases) func sameBytesTwiceInOneKnowledgeBaseAreStoredOnce(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let other = try await store.createKnowledgeBase(name: "b", description: "")
        let first = try await store.addFile(source("1"), to: kb.id)
        #expect(!first.duplicate)
        #expect(first.job?.status == .queued)
        let again = try await store.addFile(source("1", name: "renamed.txt"), to: kb.id)
        #expect(again.duplicate)
        #expect(again.file.id == first.file.id)
        #expect(again.file.name == "a.txt")
        #expect(try await store.files(in: kb.id).count == 1)
        #expect(try await store.jobs(in: kb.id).count == 1)
        // Another knowledge base gets its own record.
        #expect(!(try await store.addFile(source("1"), to: other.id)).duplicate)
        await #expect(throws: ZhikuError.self) { _ = try await store.addFile(source("2"), to: 999) }
    }

    @Test(arguments: StoreBackend.allCases) func deletingAFileRemovesItsChunksAndTellsWhenTheBytesAreOrphaned(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let kb2 = try await store.createKnowledgeBase(name: "b", description: "")
        let one = try await store.addFile(source("3"), to: kb.id).file
        let two = try await store.addFile(source("3"), to: kb2.id).file
        let chunks = try await store.replaceChunks(ofFile: one.id, with: [
            ChunkDraft(ordinal: 0, page: 1, start: 0, end: 5, text: "hello"),
            ChunkDraft(ordinal: 1, page: 2, start: 0, end: 5, text: "world"),
        ], pageCount: 2)
        #expect(chunks.count == 2)
        #expect(try await store.chunkIDs(ofFile: one.id) == chunks.map(\.id))
        #expect(try await store.deleteFile(id: one.id) == false, "kb b still holds the same bytes")
        #expect(try await store.chunkIDs(ofFile: one.id).isEmpty)
        #expect(try await store.jobs(in: kb.id).isEmpty)
        #expect(try await store.deleteFile(id: two.id) == true)
        await #expect(throws: ZhikuError.self) { _ = try await store.deleteFile(id: two.id) }
    }

    @Test(arguments: StoreBackend.allCases) func replacingChunksNeverDuplicates(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let file = try await store.addFile(source("4"), to: kb.id).file
        let drafts = (0..<5).map { ChunkDraft(ordinal: $0, page: 1, start: $0, end: $0 + 1, text: "c\($0)") }
        _ = try await store.replaceChunks(ofFile: file.id, with: drafts, pageCount: 1)
        _ = try await store.replaceChunks(ofFile: file.id, with: drafts, pageCount: 1)
        #expect(try await store.chunkIDs(ofFile: file.id).count == 5)
        #expect(try await store.file(id: file.id)?.chunkCount == 5)
    }

    @Test(arguments: StoreBackend.allCases) func hitsOnlyShowReadyFiles(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let added = try await store.addFile(source("5", name: "policy.txt"), to: kb.id)
        var draft = ChunkDraft(ordinal: 0, page: 3, start: 10, end: 15, text: "hello")
        draft.section = "销售"
        draft.firstRow = 2
        draft.lastRow = 41
        let chunks = try await store.replaceChunks(ofFile: added.file.id, with: [draft], pageCount: 3)
        let scored = [ScoredChunk(chunkID: chunks[0].id, score: 2.5), ScoredChunk(chunkID: 9999, score: 1)]
        #expect(try await store.hits(for: scored).isEmpty, "the file is still pending")
        try await store.finishJob(id: added.job!.id, chunks: 1)
        let hits = try await store.hits(for: scored)
        #expect(hits.count == 1)
        #expect(hits[0].fileName == "policy.txt")
        #expect(hits[0].chunk.page == 3)
        #expect(hits[0].chunk.section == "销售" && hits[0].chunk.firstRow == 2 && hits[0].chunk.lastRow == 41)
        #expect(hits[0].chunk == chunks[0], "a hit's chunk is the chunk as it was written")
        #expect(hits[0].score == 2.5)
        #expect(try await store.file(id: added.file.id)?.status == .ready)
    }

    @Test(arguments: StoreBackend.allCases) func jobsAreClaimedOnceRequeuedAfterACrashAndRetriable(_ backend: StoreBackend) async throws {
        let clock = ManualClock()
        guard let s = try await backend.make(jobLease: .seconds(60), clock: clock) else { return }
        defer { s.close() }
        let store = s.store
        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let a = try await store.addFile(source("6"), to: kb.id).job!
        let b = try await store.addFile(source("7"), to: kb.id).job!
        #expect(try await store.queuedJobCount() == 2)
        let claimed = try await store.claimNextJob()
        #expect(claimed?.id == a.id)
        #expect(claimed?.status == .running)
        #expect(claimed?.attempts == 1)
        #expect(try await store.claimJob(id: a.id) == nil, "already running")
        #expect(try await store.claimNextJob()?.id == b.id)
        #expect(try await store.claimNextJob() == nil)
        #expect(try await store.queuedJobCount() == 0)

        // The process dies: both are running, their leases run out, and on restart they go back to the queue.
        clock.advance(by: 61)
        #expect(try await store.requeueInterruptedJobs() == 2)
        #expect(try await store.job(id: a.id)?.status == .queued)

        let again = try await store.claimNextJob()!
        #expect(again.attempts == 2)
        try await store.failJob(id: again.id, error: "no text found in 'a.txt'")
        #expect(try await store.file(id: again.fileID)?.status == .failed)
        #expect(try await store.file(id: again.fileID)?.error == "no text found in 'a.txt'")
        await #expect(throws: ZhikuError.self) { _ = try await store.retryJob(id: b.id) }  // queued, not failed
        let retried = try await store.retryJob(id: again.id)
        #expect(retried.status == .queued)
        #expect(try await store.file(id: again.fileID)?.status == .pending)
    }

    @Test(arguments: StoreBackend.allCases) func aLeaseKeepsAJobAndAnExpiredOneIsClaimedElsewhere(_ backend: StoreBackend) async throws {
        let clock = ManualClock()
        guard let s = try await backend.make(jobLease: .seconds(60), clock: clock) else { return }
        defer { s.close() }
        let store = s.store, other = s.otherProcess()
        let kb = try await store.createKnowledgeBase(name: "a", description: "")
        let job = try await store.addFile(source("6"), to: kb.id).job!
        #expect(try await store.claimNextJob()?.id == job.id)
        // Renewed every 40 s for 200 s, far past the first lease: never claimable by the other process meanwhile.
        for _ in 0..<5 {
            clock.advance(by: 40)
            #expect(try await store.renewJobLease(id: job.id))
            #expect(try await other.claimNextJob() == nil, "a renewed lease is not taken")
            #expect(try await other.claimJob(id: job.id) == nil)
        }
        #expect(try await other.renewJobLease(id: job.id) == false, "only the holder renews")
        // The holder stops renewing (it died): once the lease runs out the other process claims the job.
        clock.advance(by: 59)
        #expect(try await other.claimNextJob() == nil, "59 s after the last renewal the lease still holds")
        clock.advance(by: 2)
        let reclaimed = try #require(try await other.claimNextJob())
        #expect(reclaimed.id == job.id && reclaimed.status == .running && reclaimed.attempts == 2)
        #expect(try await store.renewJobLease(id: job.id) == false, "the first holder has lost it")
        #expect(try await other.renewJobLease(id: job.id))
        try await other.finishJob(id: job.id, chunks: 0)
        #expect(try await other.renewJobLease(id: job.id) == false, "a finished job has no lease")
        #expect(try await store.claimNextJob() == nil)
    }

    @Test(arguments: StoreBackend.allCases) func manyWorkersClaimEachJobExactlyOnce(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let kb = try await s.store.createKnowledgeBase(name: "a", description: "")
        var expected: Set<Job.ID> = []
        for i in 0..<40 {
            let sha = String(String(format: "%064x", i).suffix(64))
            let added = try await s.store.addFile(SourceFile(name: "f\(i).txt", url: URL(fileURLWithPath: "/nonexistent"), sha256: sha,
                                                             mediaType: .plainText, size: 1), to: kb.id)
            expected.insert(added.job!.id)
        }
        // Eight workers, each its own process's store, claim until the queue is empty.
        let claims = try await withThrowingTaskGroup(of: [Job.ID].self) { group in
            for _ in 0..<8 {
                let worker = s.otherProcess()
                group.addTask {
                    var mine: [Job.ID] = []
                    while let job = try await worker.claimNextJob() { mine.append(job.id) }
                    return mine
                }
            }
            return try await group.reduce(into: [Job.ID]()) { $0 += $1 }
        }
        #expect(claims.count == 40, "every job claimed once: \(claims.count) claims")
        #expect(Set(claims) == expected)
    }

    @Test(arguments: StoreBackend.allCases) func idsOfDeletedRowsAreNeverReused(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let first = try await s.store.createKnowledgeBase(name: "a", description: "")
        _ = try await s.store.deleteKnowledgeBase(id: first.id)
        let second = try await s.store.createKnowledgeBase(name: "a", description: "")
        #expect(second.id != first.id)
    }

    @Test(arguments: StoreBackend.allCases) func extractionsAreSharedBySHA256(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store

        let sha = String(repeating: "8", count: 64)
        #expect(try await store.extraction(sha256: sha) == nil)
        var sheet = ExtractedPage(number: 3, text: "| a |\n| --- |\n| 1 |")
        sheet.rows = [RowMark(offset: 0, number: 4), RowMark(offset: 14, number: 9)]
        let doc = ExtractedDocument(pages: [
            ExtractedPage(number: 1, text: "第一页", headings: [Heading(level: 1, title: "第一页", offset: 0)]),
            ExtractedPage(number: 2, text: "page two"),
            sheet,
        ])
        try await store.saveExtraction(doc, sha256: sha)
        #expect(try await store.extraction(sha256: sha) == doc)
        try await store.pruneExtractions()
        #expect(try await store.extraction(sha256: sha) == nil, "no file refers to it")
    }

    /// What a document says about itself is kept with its extracted text and on its file.
    @Test(arguments: StoreBackend.allCases) func documentMetadataIsKept(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store
        let metadata = DocumentMetadata(title: "安装手册", author: "Ana", created: Date(timeIntervalSince1970: 1_700_000_000),
                                        modified: Date(timeIntervalSince1970: 1_700_000_500))
        let sha = String(repeating: "9", count: 64)
        let doc = ExtractedDocument(pages: [ExtractedPage(number: 1, text: "text")], metadata: metadata)
        try await store.saveExtraction(doc, sha256: sha)
        #expect(try await store.extraction(sha256: sha)?.metadata == metadata)

        let kb = try await store.createKnowledgeBase(name: "m", description: "")
        let source = SourceFile(name: "a.pdf", url: URL(fileURLWithPath: "/dev/null"), sha256: sha, mediaType: .pdf, size: 4)
        let file = try await store.addFile(source, to: kb.id).file
        #expect(file.metadata == nil, "nothing is known before extraction")
        try await store.setFileMetadata(id: file.id, metadata)
        #expect(try await store.file(id: file.id)?.metadata == metadata)
        #expect(try await store.files(in: kb.id).first?.metadata == metadata)
        try await store.setFileMetadata(id: file.id, nil)
        #expect(try await store.file(id: file.id)?.metadata == nil)
    }
}
