import Foundation
import GRDB
import ZhikuCore

/// ``Store`` on the embedded SQLite database.
public struct SQLiteStore: Store {
    private let pool: DatabasePool
    public let jobLease: Duration
    /// Who holds the leases this store takes (one value per process).
    private let leaseOwner: String

    private let clock: @Sendable () -> Double

    /// A store on `database` whose claimed jobs are leased for `jobLease`. `clock` (seconds since 1970; default: the
    /// system's) dates rows and leases — tests pass one they can move forward.
    public init(database: SQLiteDatabase, jobLease: Duration = .seconds(60),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        pool = database.pool
        self.jobLease = jobLease
        self.clock = clock
        leaseOwner = UUID().uuidString
    }

    private var now: Double { clock() }

    // MARK: - Knowledge bases

    public func createKnowledgeBase(name: String, description: String, embeddingModel: String?, owner: User.ID?) async throws -> KnowledgeBase {
        let name = try KnowledgeBase.validatedName(name)
        let created = now
        return try await pool.writing("creating knowledge base '\(name)'") { db in
            if try Row.fetchOne(db, SQLRequest(literal: "SELECT 1 FROM knowledge_bases WHERE name = \(name) AND COALESCE(owner_id, 0) = \(owner ?? 0)")) != nil {
                throw ZhikuError(.conflict, Self.taken(name, owner))
            }
            try db.execute(literal: """
                INSERT INTO knowledge_bases (name, description, created_at, embedding_model, owner_id) VALUES (\(name), \(description), \(created), \(embeddingModel), \(owner))
                """)
            return KnowledgeBase(id: db.lastInsertedRowID, name: name, description: description,
                                 createdAt: Date(timeIntervalSince1970: created), embeddingModel: embeddingModel, ownerID: owner)
        }
    }

    /// The conflict message for a name its owner already uses.
    static func taken(_ name: String, _ owner: User.ID?) -> String {
        owner == nil ? "a knowledge base named '\(name)' already exists" : "you already have a knowledge base named '\(name)'"
    }

    public func knowledgeBases() async throws -> [KnowledgeBase] {
        try await pool.reading("listing knowledge bases") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM knowledge_bases ORDER BY id").map(RowMapping.knowledgeBase)
        }
    }

    public func knowledgeBase(id: KnowledgeBase.ID) async throws -> KnowledgeBase? {
        try await pool.reading("reading knowledge base \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM knowledge_bases WHERE id = \(id)")).map(RowMapping.knowledgeBase)
        }
    }

    public func knowledgeBases(named name: String) async throws -> [KnowledgeBase] {
        try await pool.reading("reading knowledge base '\(name)'") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM knowledge_bases WHERE name = \(name) ORDER BY id"))
                .map(RowMapping.knowledgeBase)
        }
    }

    public func deleteKnowledgeBase(id: KnowledgeBase.ID) async throws -> [String] {
        try await pool.writing("deleting knowledge base \(id)") { db in
            let hashes = try String.fetchAll(db, SQLRequest(literal: "SELECT DISTINCT sha256 FROM files WHERE kb_id = \(id)"))
            try db.execute(literal: "DELETE FROM chunks WHERE kb_id = \(id)")
            try db.execute(literal: "DELETE FROM knowledge_bases WHERE id = \(id)")
            guard db.changesCount > 0 else { throw ZhikuError.notFound("knowledge base \(id) does not exist") }
            return try hashes.filter { try !Self.isReferenced(db, sha256: $0) }
        }
    }

    public func setRerank(_ method: String?, of kb: KnowledgeBase.ID) async throws -> KnowledgeBase {
        try await pool.writing("setting the reranking of knowledge base \(kb)") { db in
            try db.execute(literal: "UPDATE knowledge_bases SET rerank = \(method) WHERE id = \(kb)")
            guard db.changesCount > 0, let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM knowledge_bases WHERE id = \(kb)")) else {
                throw ZhikuError.notFound("knowledge base \(kb) does not exist")
            }
            return try RowMapping.knowledgeBase(row)
        }
    }

    public func renameKnowledgeBase(id: KnowledgeBase.ID, to name: String, description: String?) async throws
        -> KnowledgeBase {
        let name = try KnowledgeBase.validatedName(name)
        return try await pool.writing("renaming knowledge base \(id) to '\(name)'") { db in
            let owner = try Int64?.fetchOne(db, SQLRequest(literal: "SELECT owner_id FROM knowledge_bases WHERE id = \(id)")) ?? nil
            if try Row.fetchOne(db, SQLRequest(literal: """
                SELECT 1 FROM knowledge_bases WHERE name = \(name) AND id <> \(id) AND COALESCE(owner_id, 0) = COALESCE(\(owner), 0)
                """)) != nil {
                throw ZhikuError(.conflict, Self.taken(name, owner))
            }
            try db.execute(literal: "UPDATE knowledge_bases SET name = \(name), description = COALESCE(\(description), description) WHERE id = \(id)")
            guard db.changesCount > 0,
                  let kb = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM knowledge_bases WHERE id = \(id)"))
                      .map(RowMapping.knowledgeBase) else {
                throw ZhikuError.notFound("knowledge base \(id) does not exist")
            }
            return kb
        }
    }

    public func setPendingEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws {
        try await pool.writing("recording the embedding model of knowledge base \(kb)") { db in
            try db.execute(literal: "UPDATE knowledge_bases SET pending_embedding_model = \(model) WHERE id = \(kb)")
            guard db.changesCount > 0 else { throw ZhikuError.notFound("knowledge base \(kb) does not exist") }
        }
    }

    public func activateEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws {
        try await pool.writing("switching the embedding model of knowledge base \(kb)") { db in
            try db.execute(literal: "UPDATE knowledge_bases SET embedding_model = \(model), pending_embedding_model = NULL WHERE id = \(kb)")
            guard db.changesCount > 0 else { throw ZhikuError.notFound("knowledge base \(kb) does not exist") }
        }
    }

    // MARK: - Files

    public func addFile(_ source: SourceFile, to kb: KnowledgeBase.ID) async throws -> AddedFile {
        let time = now, tags = try JSONColumn.text(source.tags)
        return try await pool.writing("adding '\(source.name)'") { db in
            guard try Row.fetchOne(db, SQLRequest(literal: "SELECT 1 FROM knowledge_bases WHERE id = \(kb)")) != nil else {
                throw ZhikuError.notFound("knowledge base \(kb) does not exist")
            }
            if let existing = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM files WHERE kb_id = \(kb) AND sha256 = \(source.sha256)")).map(RowMapping.fileRecord) {
                let job = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM jobs WHERE file_id = \(existing.id) ORDER BY id DESC LIMIT 1")).map(RowMapping.job)
                return AddedFile(file: existing, job: job, duplicate: true)
            }
            try db.execute(literal: """
                INSERT INTO files (kb_id, name, sha256, media_type, size, status, created_at, updated_at, source_id, path, tags)
                VALUES (\(kb), \(source.name), \(source.sha256), \(source.mediaType.rawValue), \(source.size), 'pending', \(time), \(time),
                        \(source.sourceID), \(source.path), \(tags))
                """)
            let fileID = db.lastInsertedRowID
            try db.execute(literal: """
                INSERT INTO jobs (kb_id, file_id, status, created_at, updated_at) VALUES (\(kb), \(fileID), 'queued', \(time), \(time))
                """)
            let jobID = db.lastInsertedRowID
            let file = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM files WHERE id = \(fileID)")).map(RowMapping.fileRecord)!
            let job = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM jobs WHERE id = \(jobID)")).map(RowMapping.job)
            return AddedFile(file: file, job: job, duplicate: false)
        }
    }

    public func files(in kb: KnowledgeBase.ID) async throws -> [FileRecord] {
        try await pool.reading("listing files") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM files WHERE kb_id = \(kb) ORDER BY id")).map(RowMapping.fileRecord)
        }
    }

    public func file(id: FileRecord.ID) async throws -> FileRecord? {
        try await pool.reading("reading file \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM files WHERE id = \(id)")).map(RowMapping.fileRecord)
        }
    }

    public func setFileMetadata(id: FileRecord.ID, _ metadata: DocumentMetadata?) async throws {
        let text = try metadata.map(JSONColumn.text)
        try await pool.writing("recording the metadata of file \(id)") { db in
            try db.execute(literal: "UPDATE files SET metadata = \(text) WHERE id = \(id)")
        }
    }

    public func setFileTags(id: FileRecord.ID, _ tags: [String]) async throws -> FileRecord {
        let text = try JSONColumn.text(tags), time = now
        return try await pool.writing("tagging file \(id)") { db in
            try db.execute(literal: "UPDATE files SET tags = \(text), updated_at = \(time) WHERE id = \(id)")
            guard let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM files WHERE id = \(id)")) else {
                throw ZhikuError.notFound("file \(id) does not exist")
            }
            return try RowMapping.fileRecord(row)
        }
    }

    // MARK: - Synced sources

    public func addSource(kind: KnowledgeSource.Kind, location: String, ignore: [String], to kb: KnowledgeBase.ID) async throws -> KnowledgeSource {
        let patterns = try JSONColumn.text(ignore), time = now
        return try await pool.writing("adding a source to knowledge base \(kb)") { db in
            if try Row.fetchOne(db, SQLRequest(literal: "SELECT 1 FROM kb_sources WHERE kb_id = \(kb) AND location = \(location)")) != nil {
                throw ZhikuError(.conflict, "the knowledge base already syncs \(location)")
            }
            try db.execute(literal: """
                INSERT INTO kb_sources (kb_id, kind, location, ignore, created_at) VALUES (\(kb), \(kind.rawValue), \(location), \(patterns), \(time))
                """)
            let id = db.lastInsertedRowID
            return try RowMapping.source(try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM kb_sources WHERE id = \(id)"))!)
        }
    }

    public func sources(in kb: KnowledgeBase.ID) async throws -> [KnowledgeSource] {
        try await pool.reading("listing sources") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM kb_sources WHERE kb_id = \(kb) ORDER BY id")).map(RowMapping.source)
        }
    }

    public func source(id: KnowledgeSource.ID) async throws -> KnowledgeSource? {
        try await pool.reading("reading source \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM kb_sources WHERE id = \(id)")).map(RowMapping.source)
        }
    }

    public func deleteSource(id: KnowledgeSource.ID) async throws -> Bool {
        try await pool.writing("removing source \(id)") { db in
            try db.execute(literal: "DELETE FROM kb_sources WHERE id = \(id)")
            return db.changesCount > 0
        }
    }

    public func recordSync(of id: KnowledgeSource.ID, entries: [String: KnowledgeSource.EntryState]?, error: String?) async throws {
        let time = now, text = try entries.map(JSONColumn.text)
        try await pool.writing("recording a sync of source \(id)") { db in
            if let text, let entries {
                try db.execute(literal: """
                    UPDATE kb_sources SET entries = \(text), files_seen = \(entries.count), last_sync_at = \(time), last_error = \(error) WHERE id = \(id)
                    """)
            } else {
                try db.execute(literal: "UPDATE kb_sources SET last_sync_at = \(time), last_error = \(error) WHERE id = \(id)")
            }
        }
    }

    public func claimSource(id: KnowledgeSource.ID, for lease: Duration) async throws -> Bool {
        let time = now, owner = leaseOwner, until = now + lease.seconds
        return try await pool.writing("claiming source \(id)") { db in
            try db.execute(literal: """
                UPDATE kb_sources SET lease_owner = \(owner), lease_expires_at = \(until)
                WHERE id = \(id) AND (lease_owner IS NULL OR lease_owner = \(owner) OR lease_expires_at < \(time))
                """)
            return db.changesCount > 0
        }
    }

    public func releaseSource(id: KnowledgeSource.ID) async throws {
        let owner = leaseOwner
        try await pool.writing("releasing source \(id)") { db in
            try db.execute(literal: "UPDATE kb_sources SET lease_owner = NULL, lease_expires_at = NULL WHERE id = \(id) AND lease_owner = \(owner)")
        }
    }

    public func setFileOrigin(id: FileRecord.ID, source: KnowledgeSource.ID?, path: String?) async throws -> FileRecord {
        let name = path.map { String($0.split(separator: "/").last ?? Substring($0)) }, time = now
        return try await pool.writing("moving file \(id)") { db in
            try db.execute(literal: """
                UPDATE files SET source_id = \(source), path = \(path), name = COALESCE(\(name), name), updated_at = \(time) WHERE id = \(id)
                """)
            guard let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM files WHERE id = \(id)")) else {
                throw ZhikuError.notFound("file \(id) does not exist")
            }
            return try RowMapping.fileRecord(row)
        }
    }

    public func setFileStatus(id: FileRecord.ID, _ status: FileStatus, error: String?) async throws {
        let time = now
        try await pool.writing("updating file \(id)") { db in
            try db.execute(literal: "UPDATE files SET status = \(status.rawValue), error = \(error), updated_at = \(time) WHERE id = \(id)")
        }
    }

    public func deleteFile(id: FileRecord.ID) async throws -> Bool {
        try await pool.writing("deleting file \(id)") { db in
            guard let sha = try String.fetchOne(db, SQLRequest(literal: "SELECT sha256 FROM files WHERE id = \(id)")) else {
                throw ZhikuError.notFound("file \(id) does not exist")
            }
            try db.execute(literal: "DELETE FROM files WHERE id = \(id)")
            return try !Self.isReferenced(db, sha256: sha)
        }
    }

    public func isBlobReferenced(sha256: String) async throws -> Bool {
        try await pool.reading("looking for files with bytes \(sha256.prefix(12))") { db in try Self.isReferenced(db, sha256: sha256) }
    }

    private static func isReferenced(_ db: Database, sha256: String) throws -> Bool {
        try Row.fetchOne(db, SQLRequest(literal: "SELECT 1 FROM files WHERE sha256 = \(sha256) LIMIT 1")) != nil
    }

    // MARK: - Extraction cache

    public func extraction(sha256: String) async throws -> ExtractedDocument? {
        try await pool.reading("reading extracted text") { db in
            guard let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT metadata FROM extracted_documents WHERE sha256 = \(sha256)"))
            else { return nil }
            return ExtractedDocument(pages: try Self.pages(db, sha256: sha256),
                                     metadata: JSONColumn.value(DocumentMetadata.self, row["metadata"]))
        }
    }

    public func saveExtraction(_ document: ExtractedDocument, sha256: String) async throws {
        let time = now
        let columns = try document.pages.map(ExtractedPageColumns.init)
        let metadata = try document.metadata.map(JSONColumn.text)
        try await pool.writing("saving extracted text") { db in
            try db.execute(literal: "DELETE FROM extracted_documents WHERE sha256 = \(sha256)")
            try db.execute(literal: """
                INSERT INTO extracted_documents (sha256, page_count, created_at, metadata)
                VALUES (\(sha256), \(document.pages.count), \(time), \(metadata))
                """)
            for (page, stored) in zip(document.pages, columns) {
                try db.execute(literal: """
                    INSERT INTO extracted_pages (sha256, page, text, headings, engine, ocr, start_seconds, end_seconds, row_marks)
                    VALUES (\(sha256), \(page.number), \(page.text), \(stored.headings), \(page.engine), \(stored.ocr), \(page.startSeconds), \(page.endSeconds), \(stored.rows))
                    """)
            }
        }
    }

    /// Removes cached extractions that no file references any more.
    public func pruneExtractions() async throws {
        try await pool.writing("pruning extracted text") { db in
            try db.execute(sql: """
                DELETE FROM extracted_documents WHERE sha256 NOT IN (SELECT sha256 FROM files)
                """)
        }
    }

    private static func pages(_ db: Database, sha256: String) throws -> [ExtractedPage] {
        try Row.fetchAll(db, SQLRequest(literal: "SELECT page, text, headings, engine, ocr, start_seconds, end_seconds, row_marks FROM extracted_pages WHERE sha256 = \(sha256) ORDER BY page")).map(RowMapping.page)
    }

    // MARK: - Chunks

    public func chunkIDs(ofFile file: FileRecord.ID) async throws -> [Chunk.ID] {
        try await pool.reading("listing chunks") { db in
            try Chunk.ID.fetchAll(db, SQLRequest(literal: "SELECT id FROM chunks WHERE file_id = \(file) ORDER BY ordinal"))
        }
    }

    public func chunkIDs(ofFiles files: Set<FileRecord.ID>, in kb: KnowledgeBase.ID) async throws -> Set<Chunk.ID> {
        guard !files.isEmpty else { return [] }
        return try await pool.reading("listing the chunks of \(files.count) files") { db in
            // A short list is looked up file by file (the chunks_by_file index); a long one reads the knowledge
            // base's chunks once.
            if files.count <= 500 {
                return Set(try Chunk.ID.fetchAll(db, SQLRequest(literal: "SELECT id FROM chunks WHERE kb_id = \(kb) AND file_id IN \(Array(files))")))
            }
            var ids: Set<Chunk.ID> = []
            let rows = try Row.fetchCursor(db, SQLRequest(literal: "SELECT id, file_id FROM chunks WHERE kb_id = \(kb)"))
            while let row = try rows.next() {
                if files.contains(row["file_id"]) { ids.insert(row["id"]) }
            }
            return ids
        }
    }

    public func replaceChunks(ofFile file: FileRecord.ID, with drafts: [ChunkDraft], pageCount: Int) async throws
        -> [Chunk] {
        let time = now
        return try await pool.writing("writing chunks") { db in
            guard let kb = try KnowledgeBase.ID.fetchOne(db, SQLRequest(literal: "SELECT kb_id FROM files WHERE id = \(file)"))
            else { throw ZhikuError.notFound("file \(file) was deleted") }
            try db.execute(literal: "DELETE FROM chunks WHERE file_id = \(file)")
            let insert = try db.makeStatement(sql: """
                INSERT INTO chunks (file_id, kb_id, ordinal, page, start_offset, end_offset, text, start_seconds, end_seconds, section,
                                    first_row, last_row)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var chunks: [Chunk] = []
            chunks.reserveCapacity(drafts.count)
            for d in drafts {
                try insert.execute(arguments: [file, kb, d.ordinal, d.page, d.start, d.end, d.text, d.startSeconds, d.endSeconds, d.section,
                                                  d.firstRow, d.lastRow])
                var chunk = Chunk(id: db.lastInsertedRowID, fileID: file, knowledgeBaseID: kb, ordinal: d.ordinal,
                                  page: d.page, start: d.start, end: d.end, text: d.text)
                chunk.startSeconds = d.startSeconds
                chunk.endSeconds = d.endSeconds
                chunk.section = d.section
                chunk.firstRow = d.firstRow
                chunk.lastRow = d.lastRow
                chunks.append(chunk)
            }
            try db.execute(literal: "UPDATE files SET page_count = \(pageCount), chunk_count = \(drafts.count), updated_at = \(time) WHERE id = \(file)")
            return chunks
        }
    }

    public func hits(for scored: [ScoredChunk]) async throws -> [SearchHit] {
        guard !scored.isEmpty else { return [] }
        return try await pool.reading("reading search hits") { db in
            let ids = scored.map(\.chunkID)
            let rows = try Row.fetchAll(db, SQLRequest(literal: """
                SELECT c.*, f.name AS file_name FROM chunks c JOIN files f ON f.id = c.file_id
                WHERE c.id IN \(ids) AND f.status = 'ready'
                """))
            var byID: [Chunk.ID: (Chunk, String)] = [:]
            for row in rows { byID[row["id"]] = (try RowMapping.chunk(row), row["file_name"]) }
            return scored.compactMap { s in
                byID[s.chunkID].map { SearchHit(chunk: $0.0, fileName: $0.1, score: s.score) }
            }
        }
    }

    public func chunks(ofFile file: FileRecord.ID) async throws -> [Chunk] {
        try await pool.reading("reading the chunks of file \(file)") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM chunks WHERE file_id = \(file) ORDER BY ordinal")).map(RowMapping.chunk)
        }
    }

    public func chunks(in kb: KnowledgeBase.ID, afterID: Chunk.ID, limit: Int) async throws -> [Chunk] {
        try await pool.reading("reading chunks of knowledge base \(kb)") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM chunks WHERE kb_id = \(kb) AND id > \(afterID) ORDER BY id LIMIT \(limit)")).map(RowMapping.chunk)
        }
    }

    public func pages(ofFile file: FileRecord.ID) async throws -> [ExtractedPage] {
        try await pool.reading("reading pages") { db in
            guard let sha = try String.fetchOne(db, SQLRequest(literal: "SELECT sha256 FROM files WHERE id = \(file)")) else {
                throw ZhikuError.notFound("file \(file) does not exist")
            }
            return try Self.pages(db, sha256: sha)
        }
    }

    // MARK: - Jobs

    public func job(id: Job.ID) async throws -> Job? {
        try await pool.reading("reading job \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM jobs WHERE id = \(id)")).map(RowMapping.job)
        }
    }

    public func jobs(in kb: KnowledgeBase.ID) async throws -> [Job] {
        try await pool.reading("listing jobs") { db in
            try Row.fetchAll(db, SQLRequest(literal: "SELECT * FROM jobs WHERE kb_id = \(kb) ORDER BY id")).map(RowMapping.job)
        }
    }

    /// How many jobs wait to be claimed, across knowledge bases.
    public func queuedJobCount() async throws -> Int {
        try await pool.reading("counting queued jobs") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE status = 'queued'") ?? 0
        }
    }

    public func claimNextJob() async throws -> Job? {
        let time = now, owner = leaseOwner, until = now + jobLease.seconds
        return try await pool.writing("claiming a job") { db in
            try Row.fetchOne(db, SQLRequest(literal: """
                UPDATE jobs SET status = 'running', attempts = attempts + 1, error = NULL, updated_at = \(time),
                                lease_owner = \(owner), lease_expires_at = \(until)
                WHERE id = (SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < \(time))
                            ORDER BY id LIMIT 1)
                RETURNING *
                """)).map(RowMapping.job)
        }
    }

    public func claimJob(id: Job.ID) async throws -> Job? {
        let time = now, owner = leaseOwner, until = now + jobLease.seconds
        return try await pool.writing("claiming job \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: """
                UPDATE jobs SET status = 'running', attempts = attempts + 1, error = NULL, updated_at = \(time),
                                lease_owner = \(owner), lease_expires_at = \(until)
                WHERE id = \(id) AND (status = 'queued' OR (status = 'running' AND lease_expires_at < \(time))) RETURNING *
                """)).map(RowMapping.job)
        }
    }

    public func renewJobLease(id: Job.ID) async throws -> Bool {
        let owner = leaseOwner, until = now + jobLease.seconds
        return try await pool.writing("renewing the lease on job \(id)") { db in
            try db.execute(literal: """
                UPDATE jobs SET lease_expires_at = \(until) WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner)
                """)
            return db.changesCount > 0
        }
    }

    public func updateJobEmbedding(id: Job.ID, chunksEmbedded: Int, chunks: Int) async throws {
        let time = now
        try await pool.writing("updating job \(id)") { db in
            try db.execute(literal: "UPDATE jobs SET chunks_embedded = \(chunksEmbedded), chunks = \(chunks), updated_at = \(time) WHERE id = \(id)")
        }
    }

    public func updateJobProgress(id: Job.ID, pagesDone: Int, pagesTotal: Int, pagesOCRd: Int) async throws {
        let time = now
        try await pool.writing("updating job \(id)") { db in
            try db.execute(literal: "UPDATE jobs SET pages_done = \(pagesDone), pages_total = \(pagesTotal), pages_ocr = \(pagesOCRd), updated_at = \(time) WHERE id = \(id)")
        }
    }

    public func finishJob(id: Job.ID, chunks: Int) async throws {
        let time = now
        try await pool.writing("finishing job \(id)") { db in
            try db.execute(literal: """
                UPDATE jobs SET status = 'succeeded', chunks = \(chunks), error = NULL, updated_at = \(time), lease_owner = NULL,
                                lease_expires_at = NULL WHERE id = \(id)
                """)
            try db.execute(literal: """
                UPDATE files SET status = 'ready', error = NULL, updated_at = \(time)
                WHERE id = (SELECT file_id FROM jobs WHERE id = \(id))
                """)
        }
    }

    public func failJob(id: Job.ID, error: String) async throws {
        let time = now
        try await pool.writing("failing job \(id)") { db in
            try db.execute(literal: """
                UPDATE jobs SET status = 'failed', error = \(error), updated_at = \(time), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(id)
                """)
            try db.execute(literal: """
                UPDATE files SET status = 'failed', error = \(error), updated_at = \(time)
                WHERE id = (SELECT file_id FROM jobs WHERE id = \(id))
                """)
        }
    }

    public func retryJob(id: Job.ID) async throws -> Job {
        let time = now
        return try await pool.writing("retrying job \(id)") { db in
            guard let job = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM jobs WHERE id = \(id)")).map(RowMapping.job) else {
                throw ZhikuError.notFound("job \(id) does not exist")
            }
            guard job.status == .failed else {
                throw ZhikuError(.conflict, "job \(id) is \(job.status.rawValue); only a failed job can be retried")
            }
            try db.execute(literal: """
                UPDATE jobs SET status = 'queued', error = NULL, pages_done = 0, chunks_embedded = 0, updated_at = \(time) WHERE id = \(id)
                """)
            try db.execute(literal: "UPDATE files SET status = 'pending', error = NULL, updated_at = \(time) WHERE id = \(job.fileID)")
            return try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM jobs WHERE id = \(id)")).map(RowMapping.job)!
        }
    }

    public func requeueInterruptedJobs() async throws -> Int {
        let time = now
        return try await pool.writing("requeueing interrupted jobs") { db in
            try db.execute(literal: """
                UPDATE jobs SET status = 'queued', updated_at = \(time), lease_owner = NULL, lease_expires_at = NULL
                WHERE status = 'running'
                """)
            return db.changesCount
        }
    }
}
