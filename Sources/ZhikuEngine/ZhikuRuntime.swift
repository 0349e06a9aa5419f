import Foundation
import Logging
import ZhikuCore
import ZhikuIngest
import ZhikuProviders
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
    package let loginThrottle = LoginThrottle()
    /// Turns at each chat model, fair between users.
    public let answerQueues: AnswerQueues
    /// The database behind the stores (for backups and readiness).
    public let database: Database
    package let rateLimiter: RequestRateLimiter
    /// Hybrid, keyword and vector search over one knowledge base.
    public let searcher: HybridSearch
    /// Translates questions for cross-language search (``search(_:in:k:mode:translating:)``).
    public let translator: QueryTranslator
    /// Moves knowledge bases from one embedding model to another.
    public let embeddingSwitch: EmbeddingModelSwitch

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

        static func postgres(_ url: String, jobLease: Duration, hnsw: HNSWSettings, logger: Logger) async throws -> Backend {
            let database = try await PostgreSQLDatabase.open(url: url, logger: logger)
            return Backend(database: .postgres(database), store: PostgresStore(database: database, jobLease: jobLease),
                           keywordIndex: PostgresKeywordIndex(database: database, tokenizer: MixedScriptTokenizer()),
                           vectorIndex: PostgresVectorIndex(database: database, hnsw: hnsw),
                           conversations: PostgresConversationStore(database: database),
                           accounts: PostgresAccountStore(database: database))
        }
    }

    /// Opens (creating if needed) the data folder and the configured database: PostgreSQL when
    /// `configuration.databaseURL` is set (`ZHIKU_DATABASE_URL`; migrated on first use), else `zhiku.sqlite` in
    /// the data folder.
    public init(configuration: ZhikuConfiguration, logger: Logger) async throws {
        try await self.init(configuration: configuration, logger: logger, clock: { Date().timeIntervalSince1970 })
    }

    /// As `init(configuration:logger:)`, with the clock (seconds since 1970) the request rate limit counts by.
    package init(configuration: ZhikuConfiguration, logger: Logger, clock: @escaping @Sendable () -> Double) async throws {
        try Self.createDataFolder(configuration.dataFolder)
        let backend: Backend
        if let url = configuration.databaseURL {
            backend = try await .postgres(url, jobLease: configuration.jobLease, hnsw: configuration.hnsw, logger: logger)
        } else {
            backend = try .sqlite(configuration.dataFolder, jobLease: configuration.jobLease)
        }
        try self.init(configuration: configuration, backend: backend, logger: logger, clock: clock)
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
        translator = QueryTranslator(modelName: configuration.translationModel, models: chatModels, logger: logger)
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
        let extractors = ExtractorRegistry.standard(ocr: try configuration.ocrEngine.engine(languages: configuration.ocrLanguages),
                                                    ocrLanguages: configuration.ocrLanguages,
                                                    imageDecoder: LeptonicaImageDecoder(maxPixels: configuration.maxImagePixels),
                                                    maxPDFPages: configuration.maxPDFPages, speech: speech,
                                                    tables: OCRChoice.tableReader())
        searcher = HybridSearch(store: store, keywordIndex: backend.keywordIndex, vectorIndex: backend.vectorIndex,
                                embedders: embedders, settings: configuration.retrieval,
                                rerankServer: configuration.rerankServerURL.map {
                                    HTTPReranker(.init(baseURL: $0, model: configuration.rerankModel, apiKey: configuration.rerankAPIKey), logger: logger)
                                }, logger: logger)
        embeddingSwitch = EmbeddingModelSwitch(store: store, vectorIndex: backend.vectorIndex, embedders: embedders, logger: logger)
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

    /// Creates a knowledge base in `owner`'s namespace of names (nil: the one of those made without an account),
    /// with the embedding model `embeddingModel` chooses; a named model is checked (loaded) first, so a typo fails
    /// here and not at the first upload.
    public func createKnowledgeBase(name: String, description: String = "",
                                    embeddingModel: EmbeddingChoice = .configuredDefault, owner: User.ID? = nil) async throws -> KnowledgeBase {
        let model: String?
        switch embeddingModel {
        case .configuredDefault: model = configuration.embeddingModel
        case .keywordOnly: model = nil
        case .model(let name): model = name
        }
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

    /// Registers stored bytes as a file of `kb` (or finds the duplicate) and queues its ingest job. `tags` and a
    /// synced folder's `origin` (source, path) are recorded in the same step as a new file; an upload's tags are
    /// added to those a duplicate already has (a synced folder leaves a file it did not add alone).
    public func addFile(_ blob: StoredBlob, name: String, to kb: KnowledgeBase, tags: [String] = [],
                        origin: (source: KnowledgeSource.ID, path: String)? = nil) async throws -> AddedFile {
        let name = try FileRecord.sanitizedName(name)
        let type = MediaTypeSniffer.sniff(head: blob.head, name: name, url: blob.url)
        var source = SourceFile(name: name, url: blob.url, sha256: blob.sha256, mediaType: type, size: blob.size)
        source.sourceID = origin?.source
        source.path = origin?.path
        source.tags = try FileRecord.normalizedTags(tags)
        var added = try await store.addFile(source, to: kb.id)
        if added.duplicate, origin == nil, !tags.isEmpty {
            added.file = try await store.setFileTags(id: added.file.id, try FileRecord.normalizedTags(added.file.tags + tags))
        }
        return added
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

    /// Searches one knowledge base (``HybridSearch/search(_:in:k:mode:within:)``). With `translating`, when the first
    /// ``QueryTranslator/depth`` results include passages in the other language (Chinese ↔ English), the question's
    /// translation is searched too and its passages in that other language are fused in
    /// (``QueryTranslator/fuse(_:_:question:)``); `translatedQuery` says so. A `filter` applies to both searches.
    public func search(_ query: String, in kb: KnowledgeBase, k: Int = 10, mode: SearchMode = .hybrid,
                       translating: Bool = false, filter: SearchFilter? = nil) async throws -> SearchResults {
        let scope = try await searcher.scope(of: filter, in: kb)  // resolved once for both searches
        guard translating, translator.isEnabled else { return try await searcher.search(query, in: kb, k: k, mode: mode, within: scope) }
        var first = try await searcher.search(query, in: kb, k: max(k, QueryTranslator.depth), mode: mode, within: scope)
        guard QueryTranslator.needsTranslation(query, hits: first.hits), let translated = await translator.translation(of: query) else {
            first.hits = Array(first.hits.prefix(k))
            return first
        }
        let second = try await searcher.search(translated, in: kb, k: max(k, QueryTranslator.depth), mode: mode, within: scope)
        var fused = first
        fused.hits = Array(QueryTranslator.fuse(first.hits, second.hits, question: query).prefix(k))
        fused.translatedQuery = translated
        return fused
    }

    // MARK: - Reranking per knowledge base

    /// Gives `kb` its own second search pass: `off`, `sentences` (needs an embedding model) or `server` (needs
    /// `ZHIKU_RERANK_URL`); `default` or nil: the server's (`ZHIKU_RERANK`).
    public func setRerank(of kb: KnowledgeBase, to method: String?) async throws -> KnowledgeBase {
        let value = method?.trimmingCharacters(in: .whitespaces).lowercased()
        let stored: String?
        switch value {
        case nil, "", "default": stored = nil
        case let name? where RetrievalSettings.RerankMethod(rawValue: name) != nil: stored = name
        case let name?: throw ZhikuError.invalidInput("rerank must be off, sentences, server or default, got '\(name)'")
        }
        if stored == "sentences", kb.embeddingModel == nil {
            throw ZhikuError.invalidInput("'\(kb.name)' has no embedding model for the sentence pass (rerank sentences)")
        }
        if stored == "server", searcher.rerankServer == nil {
            throw ZhikuError.invalidInput("no rerank server is configured (ZHIKU_RERANK_URL)")
        }
        return try await store.setRerank(stored, of: kb.id)
    }

    // MARK: - Embedding models

    /// Switches a knowledge base to another embedding model (``EmbeddingModelSwitch/change(_:to:wait:)``).
    public func changeEmbeddingModel(of kb: KnowledgeBase, to model: String?, wait: Bool = true) async throws -> KnowledgeBase {
        try await embeddingSwitch.change(kb, to: model, wait: wait)
    }

    /// Finishes re-embeddings a stopped process left unfinished.
    public func resumeReembedding() async throws {
        try await embeddingSwitch.resume()
    }
}
