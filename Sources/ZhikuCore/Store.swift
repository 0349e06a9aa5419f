/// The outcome of adding a file to a knowledge base.
public struct AddedFile: Sendable, Hashable, Codable {
    public var file: FileRecord
    /// The ingest job created for a new file; for a duplicate, the job that ingested the existing file, if any.
    public var job: Job?
    /// True when the same bytes were already in this knowledge base and nothing new was stored.
    public var duplicate: Bool

    public init(file: FileRecord, job: Job?, duplicate: Bool) {
        self.file = file
        self.job = job
        self.duplicate = duplicate
    }
}

/// Metadata storage: knowledge bases, files, extracted pages (shared by sha256), chunks and jobs.
///
/// Every backend (SQLite now, PostgreSQL later) passes the same conformance tests.
public protocol Store: Sendable {
    // MARK: Knowledge bases
    /// Creates a knowledge base searched with `embeddingModel` (nil: keyword search only) in `owner`'s namespace
    /// (`.conflict` when that owner has one of the name already; nil: the namespace of those made without an account).
    func createKnowledgeBase(name: String, description: String, embeddingModel: String?, owner: User.ID?) async throws -> KnowledgeBase
    func knowledgeBases() async throws -> [KnowledgeBase]
    func knowledgeBase(id: KnowledgeBase.ID) async throws -> KnowledgeBase?
    /// Every knowledge base called `name` (one per owner at most), by id.
    func knowledgeBases(named name: String) async throws -> [KnowledgeBase]
    /// Deletes the knowledge base with its files, chunks and jobs. Returns the sha256 of files no other
    /// knowledge base still holds (their bytes may be removed).
    func deleteKnowledgeBase(id: KnowledgeBase.ID) async throws -> [String]
    /// Gives the knowledge base a new name (a conflict when another one of its owner has it) and, when not nil,
    /// description.
    func renameKnowledgeBase(id: KnowledgeBase.ID, to name: String, description: String?) async throws -> KnowledgeBase
    /// Records the model a re-embedding is building (nil: none).
    func setPendingEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws
    /// Sets the knowledge base's own reranking (nil: the server's) and returns it.
    func setRerank(_ method: String?, of kb: KnowledgeBase.ID) async throws -> KnowledgeBase
    /// Makes `model` the one searched with and clears the pending model, in one step.
    func activateEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws

    // MARK: Files
    /// Adds a file and queues its ingest job, unless the same sha256 is already in `kb` (then nothing changes
    /// and the existing record comes back with `duplicate == true`).
    func addFile(_ source: SourceFile, to kb: KnowledgeBase.ID) async throws -> AddedFile
    func files(in kb: KnowledgeBase.ID) async throws -> [FileRecord]
    func file(id: FileRecord.ID) async throws -> FileRecord?
    func setFileStatus(id: FileRecord.ID, _ status: FileStatus, error: String?) async throws
    /// Records what the file's document says about itself (nil: nothing).
    func setFileMetadata(id: FileRecord.ID, _ metadata: DocumentMetadata?) async throws
    /// Replaces the file's tags (already normalized, ``FileRecord/normalizedTags(_:)``) and returns the file;
    /// `.notFound` when it does not exist.
    func setFileTags(id: FileRecord.ID, _ tags: [String]) async throws -> FileRecord
    /// Deletes the file record with its chunks and jobs. Returns true when no file anywhere still has its sha256.
    func deleteFile(id: FileRecord.ID) async throws -> Bool
    /// Whether any file in any knowledge base has the bytes `sha256`.
    func isBlobReferenced(sha256: String) async throws -> Bool

    // MARK: Synced sources
    /// Adds a source to `kb`; `.conflict` when the knowledge base already syncs that location.
    func addSource(kind: KnowledgeSource.Kind, location: String, ignore: [String], to kb: KnowledgeBase.ID) async throws -> KnowledgeSource
    func sources(in kb: KnowledgeBase.ID) async throws -> [KnowledgeSource]
    func source(id: KnowledgeSource.ID) async throws -> KnowledgeSource?
    /// Removes the source (not its files); false when there was none.
    func deleteSource(id: KnowledgeSource.ID) async throws -> Bool
    /// Records a finished sync: the scan's entries and time, or (with `error`) only the time and why it failed.
    func recordSync(of id: KnowledgeSource.ID, entries: [String: KnowledgeSource.EntryState]?, error: String?) async throws
    /// Leases the source to this process for `lease` (so one process syncs it at a time, across processes sharing
    /// the database); false while another process holds an unexpired lease.
    func claimSource(id: KnowledgeSource.ID, for lease: Duration) async throws -> Bool
    /// Gives this process's lease back.
    func releaseSource(id: KnowledgeSource.ID) async throws
    /// Marks the file as the source's file at `path` (its name becomes the path's last component) and returns it.
    func setFileOrigin(id: FileRecord.ID, source: KnowledgeSource.ID?, path: String?) async throws -> FileRecord

    // MARK: Extraction cache (by sha256, shared across knowledge bases)
    func extraction(sha256: String) async throws -> ExtractedDocument?
    func saveExtraction(_ document: ExtractedDocument, sha256: String) async throws
    /// Removes cached extractions that no file references any more.
    func pruneExtractions() async throws

    // MARK: Chunks
    func chunkIDs(ofFile file: FileRecord.ID) async throws -> [Chunk.ID]
    /// The file's chunks in order (by ordinal).
    func chunks(ofFile file: FileRecord.ID) async throws -> [Chunk]
    /// The ids of every chunk of these files of `kb` (files of other knowledge bases contribute none).
    func chunkIDs(ofFiles files: Set<FileRecord.ID>, in kb: KnowledgeBase.ID) async throws -> Set<Chunk.ID>
    /// Replaces all chunks of a file with `drafts` and records its page and chunk counts, in one transaction.
    func replaceChunks(ofFile file: FileRecord.ID, with drafts: [ChunkDraft], pageCount: Int) async throws -> [Chunk]
    /// Chunks of `ready` files with their file names, in the order of `ids` (missing ones are skipped).
    func hits(for scored: [ScoredChunk]) async throws -> [SearchHit]
    /// Up to `limit` chunks of `kb` with ids above `afterID`, by id (to walk a knowledge base in pages).
    func chunks(in kb: KnowledgeBase.ID, afterID: Chunk.ID, limit: Int) async throws -> [Chunk]
    /// Pages of the file's extracted text.
    func pages(ofFile file: FileRecord.ID) async throws -> [ExtractedPage]

    // MARK: Jobs
    func job(id: Job.ID) async throws -> Job?
    func jobs(in kb: KnowledgeBase.ID) async throws -> [Job]
    /// How many jobs wait to be claimed, across knowledge bases.
    func queuedJobCount() async throws -> Int
    /// Atomically takes the oldest claimable job — queued, or running under a lease that ran out (the process
    /// that had it died) — marks it running (attempts + 1) and leases it to this process for ``jobLease``.
    /// Several processes may claim at once: each job goes to exactly one of them.
    func claimNextJob() async throws -> Job?
    /// Claims one job as ``claimNextJob()`` would; nil if it is neither queued nor under an expired lease.
    func claimJob(id: Job.ID) async throws -> Job?
    /// Extends this process's lease on a running job by ``jobLease``. False when the lease is no longer ours (the job
    /// was re-claimed elsewhere after the lease ran out, finished, or was deleted): the work should stop.
    func renewJobLease(id: Job.ID) async throws -> Bool
    /// How long a claimed job stays leased without a renewal (renew well within it, e.g. every third of it).
    var jobLease: Duration { get }
    func updateJobProgress(id: Job.ID, pagesDone: Int, pagesTotal: Int, pagesOCRd: Int) async throws
    func updateJobEmbedding(id: Job.ID, chunksEmbedded: Int, chunks: Int) async throws
    /// Marks the job succeeded and its file ready (searchable).
    func finishJob(id: Job.ID, chunks: Int) async throws
    /// Marks the job and its file failed with a reason a person can read.
    func failJob(id: Job.ID, error: String) async throws
    /// Puts a failed job back in the queue (and its file back to pending). Returns the job.
    func retryJob(id: Job.ID) async throws -> Job
    /// After a restart: jobs left `running` by a process that died go back to `queued`. Returns how many. (SQLite,
    /// one server per data folder: every running job. PostgreSQL, shared by many processes: those whose lease ran
    /// out — a live process's jobs are left alone.)
    func requeueInterruptedJobs() async throws -> Int
}

extension Store {
    /// Creates a keyword-only knowledge base without an owner.
    public func createKnowledgeBase(name: String, description: String) async throws -> KnowledgeBase {
        try await createKnowledgeBase(name: name, description: description, embeddingModel: nil, owner: nil)
    }

    /// Creates a knowledge base without an owner (the command line's).
    public func createKnowledgeBase(name: String, description: String, embeddingModel: String?) async throws -> KnowledgeBase {
        try await createKnowledgeBase(name: name, description: description, embeddingModel: embeddingModel, owner: nil)
    }

    /// The knowledge base called `name`, if there is exactly one; `.conflict` (naming their ids) when several
    /// owners have one of that name.
    public func knowledgeBase(named name: String) async throws -> KnowledgeBase? {
        try KnowledgeBase.single(try await knowledgeBases(named: name), named: name)
    }

    /// Looks a knowledge base up by id (all digits) or by name; throws `.notFound` when there is none and
    /// `.conflict` when the name is ambiguous.
    public func resolveKnowledgeBase(_ reference: String) async throws -> KnowledgeBase {
        let found: KnowledgeBase?
        if let id = KnowledgeBase.ID(reference) {
            found = try await knowledgeBase(id: id)
        } else {
            found = try await knowledgeBase(named: reference)
        }
        guard let kb = found else { throw ZhikuError.notFound("knowledge base '\(reference)' does not exist") }
        return kb
    }
}
