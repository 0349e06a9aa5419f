import Foundation
import Logging
import ZhikuCore
import ZhikuIngest
import ZhikuRetrieval
import ZhikuStorage

/// The wired-up application core that both the HTTP server and the CLI drive: the data folder, the store,
/// the blob store, the keyword and vector indexes, the embedders and the ingest pipeline, plus the operations
/// that span them.
public struct ZhikuRuntime: Sendable {
    public let configuration: ZhikuConfiguration
    public let store: any Store
    public let blobs: DiskBlobStore
    public let keywordIndex: any KeywordIndex
    public let vectorIndex: any VectorIndex
    public let pipeline: IngestPipeline
    public let logger: Logger
    /// Embedding models (built in, or from the configured server), loaded on first use.
    public let embedders: EmbedderCache
    /// Chat models by name (the models file, built in, or the configured server); switchable at run time.
    public let chatModels: ChatModelRegistry
    /// Stored conversations and the audit log.
    public let conversations: any ConversationStore
    /// The answer settings changed at run time (`settings.json` in the data folder).
    public let settings: SettingsRegistry
    /// Users, API keys, sessions and roles.
    public let accounts: any AccountStore
    /// Who may see and change which knowledge base.
    public let access: AccessControl
    /// Speech to text (audio files, voice questions) and text to speech.
    public let speech: SpeechServices
    let loginThrottle = LoginThrottle()
    /// Turns at each chat model, fair between users.
    public let answerQueues: AnswerQueues
    /// The database behind the stores (for backups and readiness).
    public let database: Database
    let rateLimiter: RequestRateLimiter
    private let reembedding = RunningSet<KnowledgeBase.ID>()

    /// Where the metadata, the keyword index and the vectors live.
    public enum Database: Sendable {
        /// The embedded default: `zhiku.sqlite` in the data folder, one server per folder.
        case sqlite(SQLiteDatabase)
        /// `ZHIKU_DATABASE_URL`: PostgreSQL with pgvector, shared by any number of processes.
        case postgres(PostgreSQLDatabase)

        /// Whether a trivial query answers (for readiness checks).
        public func isReachable() async -> Bool {
            switch self {
            case .sqlite(let database): await database.isReachable()
            case .postgres(let database): await database.isReachable()
            }
        }
    }

    /// The stores and indexes of one database.
    private struct Backend {
        var database: Database
        var store: any Store
        var keywordIndex: any KeywordIndex
        var vectorIndex: any VectorIndex
        var conversations: any ConversationStore
        var accounts: any AccountStore

        static func sqlite(_ folder: URL, jobLease: Duration) throws -> Backend {
            let database = try SQLiteDatabase(path: folder.appendingPathComponent("zhiku.sqlite").path)
            return Backend(database: .sqlite(database), store: SQLiteStore(database: database, jobLease: jobLease),
                           keywordIndex: SQLiteKeywordIndex(database: database, tokenizer: MixedScriptTokenizer()),
                           vectorIndex: SQLiteVectorIndex(database: database),
                           conversations: SQLiteConversationStore(database: database),
                           accounts: SQLiteAccountStore(database: database))
        }

        static func postgres(_ url: String, jobLease: Duration, logger: Logger) async throws -> Backend {
            let database = try await PostgreSQLDatabase.open(url: url, logger: logger)
            return Backend(database: .postgres(database), store: PostgresStore(database: database, jobLease: jobLease),
                           keywordIndex: PostgresKeywordIndex(database: database, tokenizer: MixedScriptTokenizer()),
                           vectorIndex: PostgresVectorIndex(database: database),
                           conversations: PostgresConversationStore(database: database),
                           accounts: PostgresAccountStore(database: database))
        }
    }

    /// Opens (creating if needed) the data folder and the SQLite database in it.
    public init(configuration: ZhikuConfiguration, logger: Logger) throws {
        try self.init(configuration: configuration, logger: logger, clock: { Date().timeIntervalSince1970 })
    }

    /// As `init(configuration:logger:)`, with the clock (seconds since 1970) the request rate limit counts by.
    init(configuration: ZhikuConfiguration, logger: Logger, clock: @escaping @Sendable () -> Double) throws {
        try Self.createDataFolder(configuration.dataFolder)
        try self.init(configuration: configuration, backend: .sqlite(configuration.dataFolder, jobLease: configuration.jobLease),
                      logger: logger, clock: clock)
    }

    /// Opens the data folder and the configured database: PostgreSQL when `configuration.databaseURL` is set
    /// (migrated on first use), else the SQLite database in the data folder.
    public static func open(configuration: ZhikuConfiguration, logger: Logger) async throws -> ZhikuRuntime {
        guard let url = configuration.databaseURL else { return try ZhikuRuntime(configuration: configuration, logger: logger) }
        try createDataFolder(configuration.dataFolder)
        return try ZhikuRuntime(configuration: configuration,
                                backend: await .postgres(url, jobLease: configuration.jobLease, logger: logger), logger: logger)
    }

    /// Creates the data folder readable by its owner only (0700), and makes every file the process creates from
    /// now on private too (umask 077: the database, uploads, extractions and settings hold the team's documents
    /// and password hashes). A folder that exists already is narrowed to 0700.
    private static func createDataFolder(_ folder: URL) throws {
        umask(0o077)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)
        } catch {
            throw ZhikuError(.storageFailed, "cannot create the data folder \(folder.path): \(error.localizedDescription)")
        }
    }

    private init(configuration: ZhikuConfiguration, backend: Backend, logger: Logger,
                 clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        let folder = configuration.dataFolder
        let store = backend.store
        let blobs = try DiskBlobStore(dataFolder: folder)
        let embedders = EmbedderCache(serverURL: configuration.embeddingServerURL,
                                      apiKey: configuration.embeddingServerAPIKey, logger: logger)
        self.configuration = configuration
        self.database = backend.database
        self.rateLimiter = RequestRateLimiter(perMinute: configuration.requestsPerMinute, clock: clock)
        self.store = store
        self.blobs = blobs
        self.keywordIndex = backend.keywordIndex
        self.vectorIndex = backend.vectorIndex
        self.embedders = embedders
        answerQueues = AnswerQueues(remoteSlots: configuration.modelServerAnswers)
        self.chatModels = try ChatModelRegistry(
            file: configuration.modelsFile ?? folder.appendingPathComponent("models.json"),
            defaultModel: configuration.chatModel, serverURL: configuration.chatServerURL,
            apiKey: configuration.chatServerAPIKey, promptTokenBudget: configuration.promptTokens, logger: logger)
        self.conversations = backend.conversations
        let accounts = backend.accounts
        self.accounts = accounts
        self.access = AccessControl(store: store, accounts: accounts)
        self.settings = try SettingsRegistry(
            file: folder.appendingPathComponent("settings.json"),
            defaults: AnswerSettings(noAnswerThreshold: configuration.retrieval.noAnswerThreshold))
        self.logger = logger
        let speech = SpeechServices(configuration: configuration, logger: logger)
        self.speech = speech
        let extractors = ExtractorRegistry.standard(ocr: TesseractOCR(), ocrLanguages: configuration.ocrLanguages,
                                                    imageDecoder: LeptonicaImageDecoder(maxPixels: configuration.maxImagePixels),
                                                    maxPDFPages: configuration.maxPDFPages, speech: speech)
        self.pipeline = IngestPipeline(store: store, blobs: blobs, keywordIndex: backend.keywordIndex,
                                       vectorIndex: backend.vectorIndex, embedders: embedders, extractors: extractors,
                                       splitter: IngestPipeline.defaultSplitter(), logger: logger)
    }

    /// Ingest jobs waiting for a worker.
    public func queueDepth() async throws -> Int { try await store.queuedJobCount() }

    // MARK: - Accounts

    /// With sign-in on and no users yet: creates the admin `admin` with a random password and returns the password
    /// (to be shown once). Nil otherwise.
    public func createFirstAdmin() async throws -> String? {
        guard configuration.auth, try await accounts.userCount() == 0 else { return nil }
        let password = Secret.password()
        let hash = try await ComputeThreads.shared.run { Secret.passwordHash(password) }
        _ = try await accounts.createUser(name: "admin", role: .admin, passwordHash: hash)
        return password
    }

    /// Makes an API key for `user`: returns the key (shown once) and its stored record.
    public func createAPIKey(for user: User, name: String) async throws -> (String, APIKey) {
        let key = Secret.token(prefix: "zk_")
        let record = try await accounts.createAPIKey(user: user.id, name: name, prefix: String(key.prefix(10)),
                                                     hash: Secret.tokenHash(key))
        return (key, record)
    }

    // MARK: - Knowledge bases

    /// Creates a knowledge base. `embeddingModel`: `.none` takes the configured default, `.some(nil)` makes it
    /// keyword-only; a named model is checked (loaded) first, so a typo fails here and not at the first upload.
    /// Creates a knowledge base in `owner`'s namespace of names (nil: the one of those made without an account).
    public func createKnowledgeBase(name: String, description: String = "",
                                    embeddingModel: String?? = .none, owner: User.ID? = nil) async throws -> KnowledgeBase {
        let model = embeddingModel ?? configuration.embeddingModel
        if let model { try await embedders.validate(model) }
        return try await store.createKnowledgeBase(name: name, description: description, embeddingModel: model, owner: owner)
    }

    /// Deletes a knowledge base with everything in it, and the bytes no other knowledge base uses.
    public func deleteKnowledgeBase(_ kb: KnowledgeBase) async throws {
        try await keywordIndex.removeAll(from: kb.id)
        try await vectorIndex.removeAll(from: kb.id)
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
        try await vectorIndex.remove(chunkIDs, from: file.knowledgeBaseID)
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

    /// Removes bytes an upload stored that no file came to use (a refused form, a file that could not be
    /// registered): only bytes this upload was the first to store, and only if no file refers to them by now.
    public func discardUnregistered(_ stored: [StoredBlob]) async {
        for blob in stored where blob.isNew {
            do {
                if try await !store.isBlobReferenced(sha256: blob.sha256) { try blobs.remove(blob.sha256) }
            } catch {
                logger.warning("could not remove the unused upload \(blob.sha256): \(error)")
            }
        }
    }

    private func collect(_ hashes: [String]) async throws {
        for sha in hashes {
            try? blobs.remove(sha)
        }
        if !hashes.isEmpty { try await store.pruneExtractions() }
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

    /// Searches one knowledge base. Hybrid (the default) fuses BM25 and vector results with Reciprocal Rank
    /// Fusion and falls back to keyword search in a knowledge base without an embedding model; vector mode
    /// there is an error. Each hit says what each retriever contributed.
    public func search(_ query: String, in kb: KnowledgeBase, k: Int = 10, mode: SearchMode = .hybrid) async throws
        -> SearchResults {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ZhikuError.invalidInput("the query is empty") }
        guard (1...1000).contains(k) else { throw ZhikuError.invalidInput("k must be between 1 and 1000, got \(k)") }
        var mode = mode
        if kb.embeddingModel == nil {
            if mode == .vector {
                throw ZhikuError.invalidInput("knowledge base '\(kb.name)' has no embedding model; search it with mode=keyword")
            }
            mode = .keyword
        }
        // Ask for a few more than k: chunks of files being deleted or re-ingested are dropped when hydrating.
        let depth = k + 10
        switch mode {
        case .keyword:
            let scored = try await keywordIndex.search(trimmed, k: depth, in: kb.id)
            let hits = try await store.hits(for: scored).enumerated().map { i, hit in
                var hit = hit
                hit.keywordRank = i + 1
                hit.keywordScore = hit.score
                return hit
            }
            return SearchResults(mode: mode, hits: Array(hits.prefix(k)))
        case .vector:
            let (scored, model) = try await nearest(trimmed, k: depth, in: kb)
            let hits = try await store.hits(for: scored).enumerated().map { i, hit in
                var hit = hit
                hit.vectorRank = i + 1
                hit.vectorScore = hit.score
                return hit
            }
            return SearchResults(mode: mode, hits: Array(hits.prefix(k)), embeddingModel: model)
        case .hybrid:
            let candidates = max(depth, configuration.retrieval.candidates)
            async let keyword = keywordIndex.search(trimmed, k: candidates, in: kb.id)
            async let vector = nearest(trimmed, k: candidates, in: kb)
            let (keywordList, (vectorList, model)) = try await (keyword, vector)
            let fused = configuration.retrieval.fusion.fuse(keyword: keywordList, vector: vectorList)
            let byID = Dictionary(uniqueKeysWithValues: fused.map { ($0.chunkID, $0) })
            let hits = try await store.hits(for: fused.prefix(depth).map { ScoredChunk(chunkID: $0.chunkID, score: $0.score) })
                .map { hit in
                    var hit = hit
                    let f = byID[hit.chunk.id]
                    hit.keywordRank = f?.keywordRank
                    hit.keywordScore = f?.keywordScore
                    hit.vectorRank = f?.vectorRank
                    hit.vectorScore = f?.vectorScore
                    return hit
                }
            return SearchResults(mode: mode, hits: Array(hits.prefix(k)), embeddingModel: model)
        }
    }

    /// The chunks nearest to the query's embedding in the knowledge base's active vector space.
    private func nearest(_ query: String, k: Int, in kb: KnowledgeBase) async throws -> ([ScoredChunk], String?) {
        guard let model = kb.embeddingModel else { return ([], nil) }
        let embedder = try await embedders.embedder(model)
        guard let vector = try await embedder.embed([query], as: .query).first else { return ([], model) }
        return (try await vectorIndex.nearest(to: vector, k: k, in: VectorSpace(kb.id, model: model)), model)
    }

    // MARK: - Embedding models

    /// Switches a knowledge base to another embedding model (nil: keyword only). The chunks are embedded into a
    /// new vector space while searches keep using the old one; when every chunk has a vector the knowledge base
    /// switches in one step and the old space is dropped. `wait: false` returns at once and embeds in the
    /// background (the server); an interrupted switch resumes at the next start (``resumeReembedding()``).
    public func changeEmbeddingModel(of kb: KnowledgeBase, to model: String?, wait: Bool = true) async throws -> KnowledgeBase {
        guard let model else {
            try await store.activateEmbeddingModel(nil, of: kb.id)
            try await vectorIndex.removeAll(from: kb.id)
            return try await refreshed(kb)
        }
        try await embedders.validate(model)
        if model == kb.embeddingModel {
            if kb.pendingEmbeddingModel != nil { try await store.setPendingEmbeddingModel(nil, of: kb.id) }
            return try await refreshed(kb)
        }
        try await store.setPendingEmbeddingModel(model, of: kb.id)
        if wait {
            try await reembed(kb.id)
        } else {
            let runtime = self
            Task {
                do { try await runtime.reembed(kb.id) } catch {
                    runtime.logger.error("re-embedding knowledge base \(kb.id) with '\(model)' failed: \(error)")
                }
            }
        }
        return try await refreshed(kb)
    }

    /// Finishes re-embeddings a stopped process left unfinished.
    public func resumeReembedding() async throws {
        for kb in try await store.knowledgeBases() where kb.pendingEmbeddingModel != nil {
            logger.info("resuming the switch of '\(kb.name)' to \(kb.pendingEmbeddingModel!)")
            try await reembed(kb.id)
        }
    }

    /// Embeds every chunk of `kb` that has no vector in the pending model's space, then activates that model.
    private func reembed(_ id: KnowledgeBase.ID) async throws {
        guard await reembedding.insert(id) else { return }  // already running in this process
        do {
            try await reembedPasses(id)
        } catch {
            await reembedding.remove(id)
            throw error
        }
        await reembedding.remove(id)
    }

    private func reembedPasses(_ id: KnowledgeBase.ID) async throws {
        guard let kb = try await store.knowledgeBase(id: id), let model = kb.pendingEmbeddingModel else { return }
        let embedder = try await embedders.embedder(model)
        let space = VectorSpace(kb.id, model: model)
        // Passes repeat until one finds nothing missing: files ingested meanwhile embed into both spaces, but a
        // job that read the knowledge base before the switch began may have embedded into the old one only.
        var total = 0
        while true {
            let have = try await vectorIndex.chunkIDs(in: space)
            var missing = 0, after: Chunk.ID = 0
            while true {
                try Task.checkCancellation()
                let page = try await store.chunks(in: kb.id, afterID: after, limit: 256)
                guard let last = page.last else { break }
                after = last.id
                let todo = page.filter { !have.contains($0.id) }
                for start in stride(from: 0, to: todo.count, by: 32) {
                    let batch = Array(todo[start..<min(todo.count, start + 32)])
                    let vectors = try await embedder.embed(batch.map(\.text), as: .passage)
                    try await vectorIndex.upsert(zip(batch, vectors).map { ChunkVector(id: $0.id, vector: $1) }, in: space)
                }
                missing += todo.count
            }
            total += missing
            if missing == 0 { break }
        }
        guard try await store.knowledgeBase(id: id)?.pendingEmbeddingModel == model else { return }  // changed again
        try await store.activateEmbeddingModel(model, of: kb.id)
        for old in try await vectorIndex.spaces(of: kb.id) where old.model != model {
            try await vectorIndex.drop(old)
        }
        logger.info("knowledge base '\(kb.name)' now searches with \(model) (\(total) chunks embedded)")
    }

    private func refreshed(_ kb: KnowledgeBase) async throws -> KnowledgeBase {
        guard let fresh = try await store.knowledgeBase(id: kb.id) else {
            throw ZhikuError.notFound("knowledge base '\(kb.name)' does not exist")
        }
        return fresh
    }
}
