import Foundation
import Logging
import ZhikuCore

/// Runs one ingest job: extract (or reuse the text extracted earlier from the same bytes), split, store the
/// chunks, index them for keyword search, embed them with the knowledge base's model(s), mark the file ready.
///
/// Every step can be repeated: a job interrupted anywhere (crash, kill, power loss) runs again from the start
/// on the next attempt and ends with exactly one set of chunks and postings.
public struct IngestPipeline: Sendable {
    public let store: any Store
    public let blobs: any BlobStore
    public let keywordIndex: any KeywordIndex
    public let extractors: ExtractorRegistry
    public let splitter: any TextSplitter
    /// Where chunk vectors go; nil: keyword indexing only.
    public let vectorIndex: (any VectorIndex)?
    public let embedders: (any EmbedderSource)?
    public let logger: Logger
    /// Chunks per embedding call (progress is recorded after each).
    public var embeddingBatchSize = 32

    public init(store: any Store, blobs: any BlobStore, keywordIndex: any KeywordIndex,
                vectorIndex: (any VectorIndex)? = nil, embedders: (any EmbedderSource)? = nil,
                extractors: ExtractorRegistry = .standard(), splitter: any TextSplitter, logger: Logger) {
        self.store = store
        self.blobs = blobs
        self.keywordIndex = keywordIndex
        self.vectorIndex = vectorIndex
        self.embedders = embedders
        self.extractors = extractors
        self.splitter = splitter
        self.logger = logger
    }

    /// The splitter used for ingestion by default: 500 code points, 50 overlap, Chinese-aware separators kept at
    /// the end of the sentence they close; Markdown tables (those of documents, sheets, slides and CSV files)
    /// kept whole or cut between rows with their header repeated.
    public static func defaultSplitter() -> TableAwareSplitter {
        let text = try! RecursiveCharacterTextSplitter(chunkSize: 500, chunkOverlap: 50,
                                                       separators: RecursiveCharacterTextSplitter.chineseSeparators,
                                                       placement: .end)
        return TableAwareSplitter(inner: text, chunkSize: text.chunkSize)
    }

    /// Runs a job this process claimed, renewing its lease every third of ``Store/jobLease`` until it ends. Never
    /// throws: a failure is recorded on the job and the file. Returns the finished job (nil if it vanished, e.g. its
    /// file was deleted meanwhile, or if the lease was lost — another process has the job now — and the work stopped).
    @discardableResult
    public func run(_ job: Job) async -> Job? {
        enum Outcome: Sendable { case finished(Job?), leaseLost, stopped }
        let store = self.store, logger = self.logger
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask { .finished(await attempt(job)) }
            group.addTask {
                while true {
                    try? await Task.sleep(for: store.jobLease / 3)
                    if Task.isCancelled { return .stopped }
                    do {
                        if try await !store.renewJobLease(id: job.id) {
                            logger.warning("the lease on job \(job.id) was lost (another process claimed it); stopping here")
                            return .leaseLost
                        }
                    } catch {
                        logger.warning("renewing the lease on job \(job.id) failed: \(error)")
                    }
                }
            }
            var finished: Job?
            for await outcome in group {
                switch outcome {
                case .finished(let job):
                    finished = job
                    group.cancelAll()
                case .leaseLost:
                    group.cancelAll()
                case .stopped:
                    break
                }
            }
            return finished
        }
    }

    /// One attempt at a job (see ``run(_:)``).
    private func attempt(_ job: Job) async -> Job? {
        var logger = self.logger
        logger[metadataKey: "job"] = "\(job.id)"
        logger[metadataKey: "file"] = "\(job.fileID)"
        do {
            let chunks = try await process(job, logger: logger)
            try await store.finishJob(id: job.id, chunks: chunks)
            logger.info("ingested", metadata: ["chunks": "\(chunks)"])
        } catch is CancellationError {
            logger.info("ingest cancelled; the job resumes on the next start")
            return nil
        } catch where Task.isCancelled {
            logger.info("ingest interrupted by shutdown; the job resumes on the next start")
            return nil
        } catch {
            let reason = (error as? ZhikuError)?.message ?? "\(error)"
            logger.warning("ingest failed: \(error)")
            try? await store.failJob(id: job.id, error: reason)
        }
        return try? await store.job(id: job.id)
    }

    private func process(_ job: Job, logger: Logger) async throws -> Int {
        guard let file = try await store.file(id: job.fileID) else {
            throw ZhikuError.notFound("file \(job.fileID) was deleted before it was ingested")
        }
        let clock = ContinuousClock()
        var mark = clock.now
        func lap(_ stage: String) {
            let now = clock.now
            logger.debug("stage done", metadata: ["stage": "\(stage)", "elapsed": "\(now - mark)"])
            mark = now
        }
        let document = try await extractedDocument(of: file, job: job)
        if document.metadata != file.metadata { try await store.setFileMetadata(id: file.id, document.metadata) }
        lap("extract")
        FaultInjection.point("after-extract")
        guard !document.isBlank else {
            let hint = file.mediaType == .pdf ? " (the pages have no text layer; scanned pages need OCR)" : ""
            throw ZhikuError.extractionFailed("no text found in '\(file.name)'\(hint)")
        }
        var drafts = splitter.split(document)
        let sections = SectionPaths(document)
        for i in drafts.indices { drafts[i].section = sections.path(page: drafts[i].page, offset: drafts[i].start) }
        // Chunks of worksheets and CSV files carry the rows they hold.
        let rowRanges = RowRanges(document)
        if !rowRanges.isEmpty {
            for i in drafts.indices {
                guard let rows = rowRanges.rows(page: drafts[i].page, start: drafts[i].start, end: drafts[i].end) else { continue }
                drafts[i].firstRow = rows.first
                drafts[i].lastRow = rows.last
            }
        }
        // Chunks of transcribed audio carry the time range of the stretch they come from.
        let times = Dictionary(document.pages.compactMap { page in page.startSeconds.map { (page.number, ($0, page.endSeconds ?? $0)) } },
                               uniquingKeysWith: { first, _ in first })
        if !times.isEmpty {
            for i in drafts.indices {
                guard let (start, end) = times[drafts[i].page] else { continue }
                drafts[i].startSeconds = start
                drafts[i].endSeconds = end
            }
        }
        lap("split")

        // Idempotent replace: drop whatever an interrupted attempt left, then write and index afresh.
        let previous = try await store.chunkIDs(ofFile: file.id)
        try await keywordIndex.remove(previous, from: file.knowledgeBaseID)
        try await vectorIndex?.remove(previous, from: file.knowledgeBaseID)
        let chunks = try await store.replaceChunks(ofFile: file.id, with: drafts, pageCount: document.pages.count)
        lap("store")
        FaultInjection.point("after-store")
        try await keywordIndex.add(chunks.map { IndexableChunk(id: $0.id, text: $0.keywordText) }, to: file.knowledgeBaseID)
        lap("index")
        FaultInjection.point("after-index")
        try await embed(chunks, of: file, job: job)
        lap("embed")
        return chunks.count
    }

    /// Embeds the chunks with every model the knowledge base needs (its active one, and the one a re-embedding
    /// is building), batch by batch, recording progress.
    private func embed(_ chunks: [Chunk], of file: FileRecord, job: Job) async throws {
        guard let vectorIndex, let embedders,
              let kb = try await store.knowledgeBase(id: file.knowledgeBaseID), !kb.embeddingModels.isEmpty else { return }
        let total = chunks.count * kb.embeddingModels.count
        var done = 0
        try await store.updateJobEmbedding(id: job.id, chunksEmbedded: 0, chunks: chunks.count)
        for model in kb.embeddingModels {
            let embedder = try await embedders.embedder(model)
            let space = VectorSpace(kb.id, model: model)
            for start in stride(from: 0, to: chunks.count, by: max(1, embeddingBatchSize)) {
                try Task.checkCancellation()
                let batch = chunks[start..<min(chunks.count, start + max(1, embeddingBatchSize))]
                let vectors: [[Float]]
                do {
                    vectors = try await embedder.embed(batch.map(\.text), as: .passage)
                } catch let error as ZhikuError {
                    throw ZhikuError(error.code, "embedding with '\(model)' failed: \(error.message)")
                }
                try await vectorIndex.upsert(zip(batch, vectors).map { ChunkVector(id: $0.id, vector: $1) }, in: space)
                done += batch.count
                try await store.updateJobEmbedding(id: job.id, chunksEmbedded: done * chunks.count / max(1, total),
                                                   chunks: chunks.count)
                FaultInjection.point("embedding-midway")
            }
        }
    }

    private func extractedDocument(of file: FileRecord, job: Job) async throws -> ExtractedDocument {
        if let cached = try await store.extraction(sha256: file.sha256) {
            try await store.updateJobProgress(id: job.id, pagesDone: cached.pages.count, pagesTotal: cached.pages.count,
                                              pagesOCRd: cached.pages.filter { $0.engine != nil }.count)
            return cached
        }
        guard let url = blobs.url(for: file.sha256) else {
            throw ZhikuError(.storageFailed, "the bytes of '\(file.name)' are missing from the data folder")
        }
        let source = SourceFile(name: file.name, url: url, sha256: file.sha256, mediaType: file.mediaType, size: file.size)
        let extractor = try extractors.extractor(for: file.mediaType, fileName: file.name)

        // Progress flows through a stream so the store sees updates in order, without blocking the extractor.
        let (updates, continuation) = AsyncStream.makeStream(of: ExtractionProgress.self,
                                                             bufferingPolicy: .bufferingNewest(1))
        let store = self.store
        let reporter = Task {
            for await p in updates {
                try? await store.updateJobProgress(id: job.id, pagesDone: p.pagesDone, pagesTotal: p.pagesTotal,
                                                   pagesOCRd: p.pagesOCRd)
            }
        }
        let document: ExtractedDocument
        do {
            document = try await extractor.extract(source) { continuation.yield($0) }
            continuation.finish()
            await reporter.value
        } catch {
            continuation.finish()
            await reporter.value
            throw error
        }
        try await store.saveExtraction(document, sha256: file.sha256)
        return document
    }
}
