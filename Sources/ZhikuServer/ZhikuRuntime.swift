import Foundation
import Logging
import ZhikuCore
import ZhikuIngest
import ZhikuRetrieval
import ZhikuStorage

/// The wired-up application core that both the HTTP server and the CLI drive: the data folder, the store,
/// the blob store, the keyword index and the ingest pipeline, plus the operations that span them.
public struct ZhikuRuntime: Sendable {
    public let configuration: ZhikuConfiguration
    public let store: any Store
    public let blobs: DiskBlobStore
    public let keywordIndex: any KeywordIndex
    public let pipeline: IngestPipeline
    public let logger: Logger
    /// Built-in embedding models, loaded on first use.
    public let embedders = EmbedderCache()
    private let sqliteStore: SQLiteStore

    /// Opens (creating if needed) the data folder and the SQLite database in it.
    public init(configuration: ZhikuConfiguration, logger: Logger) throws {
        let folder = configuration.dataFolder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw ZhikuError(.storageFailed, "cannot create the data folder \(folder.path): \(error.localizedDescription)")
        }
        let database = try SQLiteDatabase(path: folder.appendingPathComponent("zhiku.sqlite").path)
        let store = SQLiteStore(database: database)
        let blobs = try DiskBlobStore(dataFolder: folder)
        let index = SQLiteKeywordIndex(database: database, tokenizer: MixedScriptTokenizer())
        self.configuration = configuration
        self.sqliteStore = store
        self.store = store
        self.blobs = blobs
        self.keywordIndex = index
        self.logger = logger
        self.pipeline = IngestPipeline(store: store, blobs: blobs, keywordIndex: index,
                                       splitter: IngestPipeline.defaultSplitter(), logger: logger)
    }

    // MARK: - Knowledge bases

    /// Deletes a knowledge base with everything in it, and the bytes no other knowledge base uses.
    public func deleteKnowledgeBase(_ kb: KnowledgeBase) async throws {
        try await keywordIndex.removeAll(from: kb.id)
        let orphans = try await store.deleteKnowledgeBase(id: kb.id)
        try await collect(orphans)
    }

    // MARK: - Files

    /// Registers stored bytes as a file of `kb` (or finds the duplicate) and queues its ingest job.
    public func addFile(_ blob: StoredBlob, name: String, to kb: KnowledgeBase) async throws -> AddedFile {
        let name = try FileRecord.sanitizedName(name)
        let type = MediaTypeSniffer.sniff(head: blob.head, name: name)
        let source = SourceFile(name: name, url: blob.url, sha256: blob.sha256, mediaType: type, size: blob.size)
        return try await store.addFile(source, to: kb.id)
    }

    /// Removes a file, its chunks and postings; its bytes too when nothing else refers to them.
    public func deleteFile(_ file: FileRecord) async throws {
        try await store.setFileStatus(id: file.id, .deleting, error: nil)
        let chunkIDs = try await store.chunkIDs(ofFile: file.id)
        try await keywordIndex.remove(chunkIDs, from: file.knowledgeBaseID)
        if try await store.deleteFile(id: file.id) {
            try await collect([file.sha256])
        }
    }

    /// The file `id` if it belongs to `kb`.
    public func file(_ id: FileRecord.ID, in kb: KnowledgeBase) async throws -> FileRecord {
        guard let file = try await store.file(id: id), file.knowledgeBaseID == kb.id else {
            throw ZhikuError.notFound("file \(id) does not exist in knowledge base '\(kb.name)'")
        }
        return file
    }

    private func collect(_ hashes: [String]) async throws {
        for sha in hashes {
            try? blobs.remove(sha)
        }
        if !hashes.isEmpty { try await sqliteStore.pruneExtractions() }
    }

    // MARK: - Jobs

    /// Runs the jobs `ids` here, up to `configuration.workers` at a time, and reports each finished job (for the
    /// CLI; the server uses ``IngestWorker``). A job that another process (a server on the same data folder)
    /// claimed first is waited for instead, so every job is reported exactly once.
    public func drainJobs(ids: [Job.ID], onFinished: (Job) -> Void = { _ in }) async throws {
        let store = self.store, pipeline = self.pipeline
        try await withThrowingTaskGroup(of: Job?.self) { group in
            var next = 0
            func start() {
                guard next < ids.count else { return }
                let id = ids[next]
                next += 1
                group.addTask {
                    if let job = try await store.claimJob(id: id) { return await pipeline.run(job) }
                    while true {
                        guard let job = try await store.job(id: id) else { return nil }
                        if job.status == .succeeded || job.status == .failed { return job }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
            for _ in 0..<max(1, configuration.workers) { start() }
            while let finished = try await group.next() {
                if let job = finished { onFinished(job) }
                start()
            }
        }
    }

    // MARK: - Search

    /// Keyword (BM25) search in one knowledge base.
    public func search(_ query: String, in kb: KnowledgeBase, k: Int = 10) async throws -> [SearchHit] {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ZhikuError.invalidInput("the query is empty") }
        guard (1...1000).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 1000, got \(k)") }
        // Ask for a few more than k: chunks of files being deleted or re-ingested are dropped when hydrating.
        let scored = try await keywordIndex.search(trimmed, k: k + 10, in: kb.id)
        return Array(try await store.hits(for: scored).prefix(k))
    }
}
