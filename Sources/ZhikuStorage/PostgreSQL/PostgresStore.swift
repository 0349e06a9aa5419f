import Foundation
import Logging
import PostgresNIO
import ZhikuCore

/// ``Store`` on PostgreSQL, shared by any number of Zhiku processes: the same tables and behaviour as
/// ``SQLiteStore``, with the job queue made safe for many workers — jobs are claimed with
/// `SELECT … FOR UPDATE SKIP LOCKED` under a lease kept by the database's clock, so each job goes to exactly one
/// process and a dead process's job is claimed again once its lease runs out.
public struct PostgresStore: Store {
    public let database: PostgreSQLDatabase
    public let jobLease: Duration
    /// Who holds the leases this store takes (one value per process).
    private let leaseOwner: String
    private var logger: Logger { database.logger }

    /// Dates rows; leases too when set (else the database's clock does: one clock for every host).
    private let clock: (@Sendable () -> Double)?

    /// A store on `database` whose claimed jobs are leased for `jobLease`. `clock` (seconds since 1970) replaces the
    /// database's clock for leases and the system's for dates — tests pass one they can move forward.
    public init(database: PostgreSQLDatabase, jobLease: Duration = .seconds(60), clock: (@Sendable () -> Double)? = nil) {
        self.database = database
        self.jobLease = jobLease
        self.clock = clock
        leaseOwner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    private var now: Double { clock?() ?? Date().timeIntervalSince1970 }
    /// The lease clock's time to bind (NULL: the database's clock, see ``databaseNow``).
    private var leaseNow: Double? { clock?() }

    // MARK: - Knowledge bases

    public func createKnowledgeBase(name: String, description: String, embeddingModel: String?, owner: User.ID?) async throws -> KnowledgeBase {
        let name = try KnowledgeBase.validatedName(name)
        let created = now
        guard let row = try await database.rows("creating knowledge base '\(name)'", """
            INSERT INTO knowledge_bases (name, description, created_at, embedding_model, owner_id)
            VALUES (\(name), \(description), \(created), \(embeddingModel), \(owner))
            ON CONFLICT ((COALESCE(owner_id, 0)), name) DO NOTHING RETURNING *
            """).first else {
            throw ZhikuError(.conflict, SQLiteStore.taken(name, owner))
        }
        return try RowMapping.knowledgeBase(row)
    }

    public func knowledgeBases() async throws -> [KnowledgeBase] {
        try await database.rows("listing knowledge bases", "SELECT * FROM knowledge_bases ORDER BY id").map(RowMapping.knowledgeBase)
    }

    public func knowledgeBase(id: KnowledgeBase.ID) async throws -> KnowledgeBase? {
        try await database.rows("reading knowledge base \(id)", "SELECT * FROM knowledge_bases WHERE id = \(id)").first.map(RowMapping.knowledgeBase)
    }

    public func knowledgeBases(named name: String) async throws -> [KnowledgeBase] {
        try await database.rows("reading knowledge base '\(name)'", "SELECT * FROM knowledge_bases WHERE name = \(name) ORDER BY id")
            .map(RowMapping.knowledgeBase)
    }

    public func deleteKnowledgeBase(id: KnowledgeBase.ID) async throws -> [String] {
        let logger = self.logger
        return try await database.transaction("deleting knowledge base \(id)") { connection in
            let hashes: [String] = try await connection.rows("SELECT DISTINCT sha256 FROM files WHERE kb_id = \(id)", logger: logger)
                .map { try $0["sha256"] }
            try await connection.execute("DELETE FROM chunks WHERE kb_id = \(id)", logger: logger)
            guard try await !connection.rows("DELETE FROM knowledge_bases WHERE id = \(id) RETURNING id", logger: logger).isEmpty else {
                throw ZhikuError.notFound("knowledge base \(id) does not exist")
            }
            return try await Self.unreferenced(hashes, connection, logger: logger)
        }
    }

    public func setRerank(_ method: String?, of kb: KnowledgeBase.ID) async throws -> KnowledgeBase {
        guard let row = try await database.rows("setting the reranking of knowledge base \(kb)",
                                                "UPDATE knowledge_bases SET rerank = \(method) WHERE id = \(kb) RETURNING *").first
        else { throw ZhikuError.notFound("knowledge base \(kb) does not exist") }
        return try RowMapping.knowledgeBase(row)
    }

    public func renameKnowledgeBase(id: KnowledgeBase.ID, to name: String, description: String?) async throws -> KnowledgeBase {
        let name = try KnowledgeBase.validatedName(name)
        do {
            guard let row = try await database.rows("renaming knowledge base \(id) to '\(name)'", """
                UPDATE knowledge_bases SET name = \(name), description = COALESCE(\(description), description) WHERE id = \(id) RETURNING *
                """).first else {
                throw ZhikuError.notFound("knowledge base \(id) does not exist")
            }
            return try RowMapping.knowledgeBase(row)
        } catch let error as ZhikuError where "\(error)".contains("knowledge_bases_owner_name") {
            let owner = try await knowledgeBase(id: id)?.ownerID
            throw ZhikuError(.conflict, SQLiteStore.taken(name, owner))
        }
    }

    public func setPendingEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws {
        guard try await !database.rows("recording the embedding model of knowledge base \(kb)", """
            UPDATE knowledge_bases SET pending_embedding_model = \(model) WHERE id = \(kb) RETURNING id
            """).isEmpty else { throw ZhikuError.notFound("knowledge base \(kb) does not exist") }
    }

    public func activateEmbeddingModel(_ model: String?, of kb: KnowledgeBase.ID) async throws {
        guard try await !database.rows("switching the embedding model of knowledge base \(kb)", """
            UPDATE knowledge_bases SET embedding_model = \(model), pending_embedding_model = NULL WHERE id = \(kb) RETURNING id
            """).isEmpty else { throw ZhikuError.notFound("knowledge base \(kb) does not exist") }
    }

    // MARK: - Files

    public func addFile(_ source: SourceFile, to kb: KnowledgeBase.ID) async throws -> AddedFile {
        let time = now, logger = self.logger, tags = try JSONColumn.text(source.tags)
        return try await database.transaction("adding '\(source.name)'") { connection in
            guard try await !connection.rows("SELECT 1 FROM knowledge_bases WHERE id = \(kb) FOR SHARE", logger: logger).isEmpty else {
                throw ZhikuError.notFound("knowledge base \(kb) does not exist")
            }
            // Two processes adding the same bytes at once: the second waits for the first's row and finds it.
            let inserted = try await connection.rows("""
                INSERT INTO files (kb_id, name, sha256, media_type, size, status, created_at, updated_at, source_id, path, tags)
                VALUES (\(kb), \(source.name), \(source.sha256), \(source.mediaType.rawValue), \(source.size), 'pending', \(time), \(time),
                        \(source.sourceID), \(source.path), \(tags))
                ON CONFLICT (kb_id, sha256) DO NOTHING RETURNING *
                """, logger: logger)
            guard let fileRow = inserted.first else {
                let existing = try await connection.rows("""
                    SELECT * FROM files WHERE kb_id = \(kb) AND sha256 = \(source.sha256)
                    """, logger: logger)
                guard let row = existing.first else { throw ZhikuError(.conflict, "'\(source.name)' is being deleted; try again") }
                let file = try RowMapping.fileRecord(row)
                let job = try await connection.rows("SELECT * FROM jobs WHERE file_id = \(file.id) ORDER BY id DESC LIMIT 1",
                                                    logger: logger).first.map(RowMapping.job)
                return AddedFile(file: file, job: job, duplicate: true)
            }
            let file = try RowMapping.fileRecord(fileRow)
            let job = try await connection.rows("""
                INSERT INTO jobs (kb_id, file_id, status, created_at, updated_at) VALUES (\(kb), \(file.id), 'queued', \(time), \(time))
                RETURNING *
                """, logger: logger).first.map(RowMapping.job)
            return AddedFile(file: file, job: job, duplicate: false)
        }
    }

    public func files(in kb: KnowledgeBase.ID) async throws -> [FileRecord] {
        try await database.rows("listing files", "SELECT * FROM files WHERE kb_id = \(kb) ORDER BY id").map(RowMapping.fileRecord)
    }

    public func file(id: FileRecord.ID) async throws -> FileRecord? {
        try await database.rows("reading file \(id)", "SELECT * FROM files WHERE id = \(id)").first.map(RowMapping.fileRecord)
    }

    public func setFileMetadata(id: FileRecord.ID, _ metadata: DocumentMetadata?) async throws {
        let text = try metadata.map(JSONColumn.text)
        try await database.run("recording the metadata of file \(id)") {
            try await database.execute("UPDATE files SET metadata = \(text) WHERE id = \(id)")
        }
    }

    public func setFileTags(id: FileRecord.ID, _ tags: [String]) async throws -> FileRecord {
        let text = try JSONColumn.text(tags), time = now
        guard let row = try await database.rows("tagging file \(id)", "UPDATE files SET tags = \(text), updated_at = \(time) WHERE id = \(id) RETURNING *").first
        else { throw ZhikuError.notFound("file \(id) does not exist") }
        return try RowMapping.fileRecord(row)
    }

    // MARK: - Synced sources

    public func addSource(kind: KnowledgeSource.Kind, location: String, ignore: [String], to kb: KnowledgeBase.ID) async throws -> KnowledgeSource {
        let patterns = try JSONColumn.text(ignore), time = now, logger = self.logger
        return try await database.transaction("adding a source to knowledge base \(kb)") { connection in
            // One source per location: the knowledge base's row is locked so two adds cannot both pass the check.
            _ = try await connection.rows("SELECT id FROM knowledge_bases WHERE id = \(kb) FOR UPDATE", logger: logger)
            guard try await connection.rows("SELECT 1 FROM kb_sources WHERE kb_id = \(kb) AND location = \(location)", logger: logger).isEmpty else {
                throw ZhikuError(.conflict, "the knowledge base already syncs \(location)")
            }
            let rows = try await connection.rows("""
                INSERT INTO kb_sources (kb_id, kind, location, ignore, created_at) VALUES (\(kb), \(kind.rawValue), \(location), \(patterns), \(time))
                RETURNING *
                """, logger: logger)
            return try RowMapping.source(rows[0])
        }
    }

    public func sources(in kb: KnowledgeBase.ID) async throws -> [KnowledgeSource] {
        try await database.rows("listing sources", "SELECT * FROM kb_sources WHERE kb_id = \(kb) ORDER BY id").map(RowMapping.source)
    }

    public func source(id: KnowledgeSource.ID) async throws -> KnowledgeSource? {
        try await database.rows("reading source \(id)", "SELECT * FROM kb_sources WHERE id = \(id)").first.map(RowMapping.source)
    }

    public func deleteSource(id: KnowledgeSource.ID) async throws -> Bool {
        try await !database.rows("removing source \(id)", "DELETE FROM kb_sources WHERE id = \(id) RETURNING id").isEmpty
    }

    public func recordSync(of id: KnowledgeSource.ID, entries: [String: KnowledgeSource.EntryState]?, error: String?) async throws {
        let time = now, text = try entries.map(JSONColumn.text), count = entries?.count
        _ = try await database.rows("recording a sync of source \(id)", """
            UPDATE kb_sources SET entries = COALESCE(\(text), entries), files_seen = COALESCE(\(count), files_seen),
                                  last_sync_at = \(time), last_error = \(error)
            WHERE id = \(id) RETURNING id
            """)
    }

    public func claimSource(id: KnowledgeSource.ID, for lease: Duration) async throws -> Bool {
        // Leases run on the database's clock (one clock for every host), as jobs' do, unless a test set one.
        let owner = leaseOwner, seconds = lease.seconds, time = clock?()
        return try await !database.rows("claiming source \(id)", """
            UPDATE kb_sources SET lease_owner = \(owner),
                   lease_expires_at = COALESCE(\(time)::float8, EXTRACT(EPOCH FROM clock_timestamp())::float8) + \(seconds)::float8
            WHERE id = \(id) AND (lease_owner IS NULL OR lease_owner = \(owner)
                   OR lease_expires_at < COALESCE(\(time)::float8, EXTRACT(EPOCH FROM clock_timestamp())::float8))
            RETURNING id
            """).isEmpty
    }

    public func releaseSource(id: KnowledgeSource.ID) async throws {
        let owner = leaseOwner
        _ = try await database.rows("releasing source \(id)", """
            UPDATE kb_sources SET lease_owner = NULL, lease_expires_at = NULL WHERE id = \(id) AND lease_owner = \(owner) RETURNING id
            """)
    }

    public func setFileOrigin(id: FileRecord.ID, source: KnowledgeSource.ID?, path: String?) async throws -> FileRecord {
        let name = path.map { String($0.split(separator: "/").last ?? Substring($0)) }, time = now
        guard let row = try await database.rows("moving file \(id)", """
            UPDATE files SET source_id = \(source), path = \(path), name = COALESCE(\(name), name), updated_at = \(time)
            WHERE id = \(id) RETURNING *
            """).first else { throw ZhikuError.notFound("file \(id) does not exist") }
        return try RowMapping.fileRecord(row)
    }

    public func setFileStatus(id: FileRecord.ID, _ status: FileStatus, error: String?) async throws {
        _ = try await database.rows("updating file \(id)", """
            UPDATE files SET status = \(status.rawValue), error = \(error), updated_at = \(now) WHERE id = \(id)
            """)
    }

    public func deleteFile(id: FileRecord.ID) async throws -> Bool {
        let logger = self.logger
        return try await database.transaction("deleting file \(id)") { connection in
            guard let row = try await connection.rows("DELETE FROM files WHERE id = \(id) RETURNING sha256", logger: logger).first else {
                throw ZhikuError.notFound("file \(id) does not exist")
            }
            return try await !Self.unreferenced([try row["sha256"]], connection, logger: logger).isEmpty
        }
    }

    public func isBlobReferenced(sha256: String) async throws -> Bool {
        try await !database.rows("looking for files with bytes \(sha256.prefix(12))",
                                 "SELECT 1 FROM files WHERE sha256 = \(sha256) LIMIT 1").isEmpty
    }

    /// Of `hashes`, those no file refers to any more.
    private static func unreferenced(_ hashes: [String], _ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        guard !hashes.isEmpty else { return [] }
        let used: Set<String> = Set(try await connection.rows("""
            SELECT DISTINCT sha256 FROM files WHERE sha256 = ANY(\(hashes)::text[])
            """, logger: logger).map { try $0["sha256"] })
        return hashes.filter { !used.contains($0) }
    }

    // MARK: - Extraction cache

    public func extraction(sha256: String) async throws -> ExtractedDocument? {
        let logger = self.logger
        return try await database.run("reading extracted text") {
            try await database.client.withConnection { connection in
                guard let row = try await connection.rows("SELECT metadata FROM extracted_documents WHERE sha256 = \(sha256)",
                                                          logger: logger).first
                else { return nil }
                return ExtractedDocument(pages: try await Self.pages(connection, sha256: sha256, logger: logger),
                                         metadata: JSONColumn.value(DocumentMetadata.self, try row.optional("metadata")))
            }
        }
    }

    public func saveExtraction(_ document: ExtractedDocument, sha256: String) async throws {
        let time = now, logger = self.logger
        let columns = try document.pages.map(ExtractedPageColumns.init)
        let metadata = try document.metadata.map(JSONColumn.text)
        let pages = document.pages
        // Arrays cannot carry NULLs here: '' and NaN stand for them and are turned back into NULL by the insert.
        let numbers = pages.map(\.number), texts = pages.map(\.text), headings = columns.map(\.headings)
        let engines = pages.map { $0.engine ?? "" }, ocr = columns.map { $0.ocr ?? "" }
        let starts = pages.map { $0.startSeconds ?? .nan }, ends = pages.map { $0.endSeconds ?? .nan }
        let rows = columns.map { $0.rows ?? "" }
        try await database.transaction("saving extracted text") { connection in
            try await connection.execute("DELETE FROM extracted_documents WHERE sha256 = \(sha256)", logger: logger)
            try await connection.execute("""
                INSERT INTO extracted_documents (sha256, page_count, created_at, metadata)
                VALUES (\(sha256), \(pages.count), \(time), \(metadata))
                """, logger: logger)
            guard !pages.isEmpty else { return }
            try await connection.execute("""
                INSERT INTO extracted_pages (sha256, page, text, headings, engine, ocr, start_seconds, end_seconds, row_marks)
                SELECT \(sha256), page, text, headings, NULLIF(engine, ''), NULLIF(ocr, ''), NULLIF(s, 'NaN'::float8), NULLIF(e, 'NaN'::float8),
                       NULLIF(r, '')
                FROM unnest(\(numbers)::integer[], \(texts)::text[], \(headings)::text[], \(engines)::text[], \(ocr)::text[],
                            \(starts)::float8[], \(ends)::float8[], \(rows)::text[]) AS p(page, text, headings, engine, ocr, s, e, r)
                """, logger: logger)
        }
    }

    /// Removes cached extractions that no file references any more.
    public func pruneExtractions() async throws {
        _ = try await database.rows("pruning extracted text", """
            DELETE FROM extracted_documents d WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = d.sha256)
            """)
    }

    private static func pages(_ connection: PostgresConnection, sha256: String, logger: Logger) async throws -> [ExtractedPage] {
        try await connection.rows("""
            SELECT page, text, headings, engine, ocr, start_seconds, end_seconds, row_marks FROM extracted_pages WHERE sha256 = \(sha256) ORDER BY page
            """, logger: logger).map(RowMapping.page)
    }

    // MARK: - Chunks

    public func chunkIDs(ofFile file: FileRecord.ID) async throws -> [Chunk.ID] {
        try await database.rows("listing chunks", "SELECT id FROM chunks WHERE file_id = \(file) ORDER BY ordinal").map { try $0["id"] }
    }

    public func chunkIDs(ofFiles files: Set<FileRecord.ID>, in kb: KnowledgeBase.ID) async throws -> Set<Chunk.ID> {
        guard !files.isEmpty else { return [] }
        let list = Array(files)
        return Set(try await database.rows("listing the chunks of \(files.count) files", """
            SELECT id FROM chunks WHERE kb_id = \(kb) AND file_id = ANY(\(list)::bigint[])
            """).map { try $0["id"] as Chunk.ID })
    }

    public func replaceChunks(ofFile file: FileRecord.ID, with drafts: [ChunkDraft], pageCount: Int) async throws -> [Chunk] {
        let time = now, logger = self.logger
        return try await database.transaction("writing chunks") { connection in
            guard let row = try await connection.rows("SELECT kb_id FROM files WHERE id = \(file) FOR UPDATE", logger: logger).first
            else { throw ZhikuError.notFound("file \(file) was deleted") }
            let kb: KnowledgeBase.ID = try row["kb_id"]
            try await connection.execute("DELETE FROM chunks WHERE file_id = \(file)", logger: logger)
            var ids: [Int: Chunk.ID] = [:]
            for start in stride(from: 0, to: drafts.count, by: 5_000) {
                let part = drafts[start..<min(drafts.count, start + 5_000)]
                let ordinals = part.map(\.ordinal), pages = part.map(\.page), starts = part.map(\.start), ends = part.map(\.end)
                let texts = part.map(\.text), from = part.map { $0.startSeconds ?? .nan }, to = part.map { $0.endSeconds ?? .nan }
                let sections = part.map { $0.section ?? "" }
                let firstRows = part.map { $0.firstRow ?? -1 }, lastRows = part.map { $0.lastRow ?? -1 }
                for row in try await connection.rows("""
                    INSERT INTO chunks (file_id, kb_id, ordinal, page, start_offset, end_offset, text, start_seconds, end_seconds, section,
                                        first_row, last_row)
                    SELECT \(file), \(kb), o, p, s, e, t, NULLIF(a, 'NaN'::float8), NULLIF(b, 'NaN'::float8), NULLIF(c, ''),
                           NULLIF(fr, -1), NULLIF(lr, -1)
                    FROM unnest(\(ordinals)::integer[], \(pages)::integer[], \(starts)::integer[], \(ends)::integer[], \(texts)::text[],
                                \(from)::float8[], \(to)::float8[], \(sections)::text[], \(firstRows)::integer[], \(lastRows)::integer[])
                                WITH ORDINALITY AS d(o, p, s, e, t, a, b, c, fr, lr, n)
                    ORDER BY n RETURNING id, ordinal
                    """, logger: logger) {
                    ids[try row["ordinal"]] = try row["id"]
                }
            }
            try await connection.execute("""
                UPDATE files SET page_count = \(pageCount), chunk_count = \(drafts.count), updated_at = \(time) WHERE id = \(file)
                """, logger: logger)
            return try drafts.map { d in
                guard let id = ids[d.ordinal] else { throw ZhikuError(.storageFailed, "chunk \(d.ordinal) of file \(file) was not stored") }
                var chunk = Chunk(id: id, fileID: file, knowledgeBaseID: kb, ordinal: d.ordinal, page: d.page, start: d.start,
                                  end: d.end, text: d.text)
                chunk.startSeconds = d.startSeconds
                chunk.endSeconds = d.endSeconds
                chunk.section = d.section
                chunk.firstRow = d.firstRow
                chunk.lastRow = d.lastRow
                return chunk
            }
        }
    }

    public func hits(for scored: [ScoredChunk]) async throws -> [SearchHit] {
        guard !scored.isEmpty else { return [] }
        let ids = scored.map(\.chunkID)
        var byID: [Chunk.ID: (Chunk, String)] = [:]
        for row in try await database.rows("reading search hits", """
            SELECT c.*, f.name AS file_name FROM chunks c JOIN files f ON f.id = c.file_id
            WHERE c.id = ANY(\(ids)::bigint[]) AND f.status = 'ready'
            """) {
            let chunk = try RowMapping.chunk(row)
            byID[chunk.id] = (chunk, try row["file_name"])
        }
        return scored.compactMap { s in byID[s.chunkID].map { SearchHit(chunk: $0.0, fileName: $0.1, score: s.score) } }
    }

    public func chunks(ofFile file: FileRecord.ID) async throws -> [Chunk] {
        try await database.rows("reading the chunks of file \(file)", "SELECT * FROM chunks WHERE file_id = \(file) ORDER BY ordinal")
            .map(RowMapping.chunk)
    }

    public func chunks(in kb: KnowledgeBase.ID, afterID: Chunk.ID, limit: Int) async throws -> [Chunk] {
        try await database.rows("reading chunks of knowledge base \(kb)", """
            SELECT * FROM chunks WHERE kb_id = \(kb) AND id > \(afterID) ORDER BY id LIMIT \(limit)
            """).map(RowMapping.chunk)
    }

    public func pages(ofFile file: FileRecord.ID) async throws -> [ExtractedPage] {
        let logger = self.logger
        return try await database.run("reading pages") {
            try await database.client.withConnection { connection in
                guard let row = try await connection.rows("SELECT sha256 FROM files WHERE id = \(file)", logger: logger).first else {
                    throw ZhikuError.notFound("file \(file) does not exist")
                }
                return try await Self.pages(connection, sha256: try row["sha256"], logger: logger)
            }
        }
    }

    // MARK: - Jobs

    public func job(id: Job.ID) async throws -> Job? {
        try await database.rows("reading job \(id)", "SELECT * FROM jobs WHERE id = \(id)").first.map(RowMapping.job)
    }

    public func jobs(in kb: KnowledgeBase.ID) async throws -> [Job] {
        try await database.rows("listing jobs", "SELECT * FROM jobs WHERE kb_id = \(kb) ORDER BY id").map(RowMapping.job)
    }

    /// How many jobs wait to be claimed, across knowledge bases.
    public func queuedJobCount() async throws -> Int {
        try await database.rows("counting queued jobs", "SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'").first.map { try $0["n"] } ?? 0
    }

    /// The lease clock in seconds since 1970, given the parameter holding ``leaseNow``: the database's clock unless
    /// the store was given one, so leases are compared with one clock whichever host claims.
    private static func databaseNow(_ parameter: Int) -> String {
        "COALESCE($\(parameter)::float8, extract(epoch FROM clock_timestamp()))"
    }

    public func claimNextJob() async throws -> Job? {
        let lease = jobLease.seconds
        return try await database.rows("claiming a job", PostgresQuery(unsafeSQL: """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, error = NULL, updated_at = $1,
                            lease_owner = $2, lease_expires_at = \(Self.databaseNow(4)) + $3
            WHERE id = (SELECT id FROM jobs
                        WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < \(Self.databaseNow(4)))
                        ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING *
            """, binds: try Self.binds(now, leaseOwner, lease, leaseNow))).first.map(RowMapping.job)
    }

    public func claimJob(id: Job.ID) async throws -> Job? {
        let lease = jobLease.seconds
        return try await database.rows("claiming job \(id)", PostgresQuery(unsafeSQL: """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, error = NULL, updated_at = $1,
                            lease_owner = $2, lease_expires_at = \(Self.databaseNow(5)) + $3
            WHERE id = (SELECT id FROM jobs
                        WHERE id = $4 AND (status = 'queued' OR (status = 'running' AND lease_expires_at < \(Self.databaseNow(5))))
                        FOR UPDATE SKIP LOCKED)
            RETURNING *
            """, binds: try Self.binds(now, leaseOwner, lease, id, leaseNow))).first.map(RowMapping.job)
    }

    public func renewJobLease(id: Job.ID) async throws -> Bool {
        try await !database.rows("renewing the lease on job \(id)", PostgresQuery(unsafeSQL: """
            UPDATE jobs SET lease_expires_at = \(Self.databaseNow(4)) + $1 WHERE id = $2 AND status = 'running' AND lease_owner = $3
            RETURNING id
            """, binds: try Self.binds(jobLease.seconds, id, leaseOwner, leaseNow))).isEmpty
    }

    public func updateJobProgress(id: Job.ID, pagesDone: Int, pagesTotal: Int, pagesOCRd: Int) async throws {
        _ = try await database.rows("updating job \(id)", """
            UPDATE jobs SET pages_done = \(pagesDone), pages_total = \(pagesTotal), pages_ocr = \(pagesOCRd), updated_at = \(now)
            WHERE id = \(id)
            """)
    }

    public func updateJobEmbedding(id: Job.ID, chunksEmbedded: Int, chunks: Int) async throws {
        _ = try await database.rows("updating job \(id)", """
            UPDATE jobs SET chunks_embedded = \(chunksEmbedded), chunks = \(chunks), updated_at = \(now) WHERE id = \(id)
            """)
    }

    public func finishJob(id: Job.ID, chunks: Int) async throws {
        let time = now, logger = self.logger
        try await database.transaction("finishing job \(id)") { connection in
            try await connection.execute("""
                UPDATE jobs SET status = 'succeeded', chunks = \(chunks), error = NULL, updated_at = \(time), lease_owner = NULL,
                                lease_expires_at = NULL WHERE id = \(id)
                """, logger: logger)
            try await connection.execute("""
                UPDATE files SET status = 'ready', error = NULL, updated_at = \(time) WHERE id = (SELECT file_id FROM jobs WHERE id = \(id))
                """, logger: logger)
        }
    }

    public func failJob(id: Job.ID, error: String) async throws {
        let time = now, logger = self.logger
        try await database.transaction("failing job \(id)") { connection in
            try await connection.execute("""
                UPDATE jobs SET status = 'failed', error = \(error), updated_at = \(time), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(id)
                """, logger: logger)
            try await connection.execute("""
                UPDATE files SET status = 'failed', error = \(error), updated_at = \(time) WHERE id = (SELECT file_id FROM jobs WHERE id = \(id))
                """, logger: logger)
        }
    }

    public func retryJob(id: Job.ID) async throws -> Job {
        let time = now, logger = self.logger
        return try await database.transaction("retrying job \(id)") { connection in
            guard let job = try await connection.rows("SELECT * FROM jobs WHERE id = \(id) FOR UPDATE", logger: logger).first.map(RowMapping.job)
            else { throw ZhikuError.notFound("job \(id) does not exist") }
            guard job.status == .failed else {
                throw ZhikuError(.conflict, "job \(id) is \(job.status.rawValue); only a failed job can be retried")
            }
            let row = try await connection.rows("""
                UPDATE jobs SET status = 'queued', error = NULL, pages_done = 0, chunks_embedded = 0, updated_at = \(time)
                WHERE id = \(id) RETURNING *
                """, logger: logger)
            try await connection.execute("""
                UPDATE files SET status = 'pending', error = NULL, updated_at = \(time) WHERE id = \(job.fileID)
                """, logger: logger)
            return try RowMapping.job(row[0])
        }
    }

    public func requeueInterruptedJobs() async throws -> Int {
        try await database.rows("requeueing interrupted jobs", PostgresQuery(unsafeSQL: """
            UPDATE jobs SET status = 'queued', updated_at = $1, lease_owner = NULL, lease_expires_at = NULL
            WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < \(Self.databaseNow(2)))
            RETURNING id
            """, binds: try Self.binds(now, leaseNow))).count
    }

    private static func binds(_ values: (any PostgresEncodable & Sendable)?...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values {
            if let value { try bindings.append(value) } else { bindings.appendNull() }
        }
        return bindings
    }
}
