import Foundation
import ZhikuCore

/// How each of Zhiku's types is read from a row of its table — once, for SQLite and PostgreSQL alike (the schemas
/// name and type the columns the same way; times are seconds since 1970).
enum RowMapping {
    static func date<R: StoredRow>(_ row: R, _ column: String) throws -> Date {
        Date(timeIntervalSince1970: try row.value(column))
    }

    static func optionalDate<R: StoredRow>(_ row: R, _ column: String) throws -> Date? {
        (try row.optional(column) as Double?).map(Date.init(timeIntervalSince1970:))
    }

    static func knowledgeBase<R: StoredRow>(_ row: R) throws -> KnowledgeBase {
        var kb = KnowledgeBase(id: try row.value("id"), name: try row.value("name"), description: try row.value("description"),
                      createdAt: try date(row, "created_at"), embeddingModel: try row.optional("embedding_model"),
                      pendingEmbeddingModel: try row.optional("pending_embedding_model"), ownerID: try row.optional("owner_id"))
        kb.rerank = try row.optional("rerank")
        return kb
    }

    static func fileRecord<R: StoredRow>(_ row: R) throws -> FileRecord {
        var file = FileRecord(id: try row.value("id"), knowledgeBaseID: try row.value("kb_id"), name: try row.value("name"),
                   sha256: try row.value("sha256"),
                   mediaType: MediaType(rawValue: try row.value("media_type")) ?? .octetStream, size: try row.value("size"),
                   status: FileStatus(rawValue: try row.value("status")) ?? .failed, error: try row.optional("error"),
                   pageCount: try row.value("page_count"), chunkCount: try row.value("chunk_count"),
                   createdAt: try date(row, "created_at"), updatedAt: try date(row, "updated_at"),
                   metadata: JSONColumn.value(DocumentMetadata.self, try row.optional("metadata")),
                   tags: JSONColumn.value([String].self, try row.optional("tags")) ?? [])
        file.sourceID = try row.optional("source_id")
        file.path = try row.optional("path")
        return file
    }

    static func source<R: StoredRow>(_ row: R) throws -> KnowledgeSource {
        KnowledgeSource(id: try row.value("id"), knowledgeBaseID: try row.value("kb_id"),
                        kind: KnowledgeSource.Kind(rawValue: try row.value("kind")) ?? .folder, location: try row.value("location"),
                        ignore: JSONColumn.value([String].self, try row.optional("ignore")) ?? [],
                        createdAt: try date(row, "created_at"), lastSyncAt: try optionalDate(row, "last_sync_at"),
                        lastError: try row.optional("last_error"), filesSeen: try row.value("files_seen"),
                        entries: JSONColumn.value([String: KnowledgeSource.EntryState].self, try row.optional("entries")) ?? [:])
    }

    static func job<R: StoredRow>(_ row: R) throws -> Job {
        var job = Job(id: try row.value("id"), knowledgeBaseID: try row.value("kb_id"), fileID: try row.value("file_id"),
                      status: Job.Status(rawValue: try row.value("status")) ?? .failed, pagesDone: try row.value("pages_done"),
                      pagesTotal: try row.value("pages_total"), chunks: try row.value("chunks"),
                      chunksEmbedded: try row.value("chunks_embedded"), error: try row.optional("error"),
                      attempts: try row.value("attempts"),
                      createdAt: try date(row, "created_at"), updatedAt: try date(row, "updated_at"))
        job.pagesOCR = try row.value("pages_ocr")
        return job
    }

    static func chunk<R: StoredRow>(_ row: R) throws -> Chunk {
        var chunk = Chunk(id: try row.value("id"), fileID: try row.value("file_id"), knowledgeBaseID: try row.value("kb_id"),
                          ordinal: try row.value("ordinal"), page: try row.value("page"),
                          start: try row.value("start_offset"), end: try row.value("end_offset"), text: try row.value("text"))
        chunk.startSeconds = try row.optional("start_seconds")
        chunk.endSeconds = try row.optional("end_seconds")
        chunk.section = try row.optional("section")
        chunk.firstRow = try row.optional("first_row")
        chunk.lastRow = try row.optional("last_row")
        return chunk
    }

    static func user<R: StoredRow>(_ row: R) throws -> User {
        User(id: try row.value("id"), name: try row.value("name"), role: User.Role(rawValue: try row.value("role")) ?? .member,
             createdAt: try date(row, "created_at"))
    }

    static func apiKey<R: StoredRow>(_ row: R) throws -> APIKey {
        APIKey(id: try row.value("id"), userID: try row.value("user_id"), name: try row.value("name"),
               prefix: try row.value("prefix"), createdAt: try date(row, "created_at"),
               revokedAt: try optionalDate(row, "revoked_at"), lastUsedAt: try optionalDate(row, "last_used_at"))
    }

    static func conversation<R: StoredRow>(_ row: R) throws -> Conversation {
        Conversation(id: try row.value("id"), title: try row.value("title"), kbID: try row.optional("kb_id"),
                     createdAt: try date(row, "created_at"), updatedAt: try date(row, "updated_at"),
                     messageCount: try row.value("message_count"), userID: try row.optional("user_id"))
    }

    /// The feedback columns of an audit row (or of a message row joined with its audit entry).
    static func feedback<R: StoredRow>(_ row: R) throws -> AnswerFeedback? {
        guard let raw: String = try row.optional("feedback"), let rating = AnswerFeedback.Rating(rawValue: raw) else { return nil }
        return AnswerFeedback(rating: rating, comment: try row.optional("feedback_comment"),
                              at: try optionalDate(row, "feedback_at") ?? Date(timeIntervalSince1970: 0))
    }

    /// A message row joined with its audit entry's feedback columns (``messageQuery``).
    static func message<R: StoredRow>(_ row: R) throws -> ConversationMessage {
        var message = ConversationMessage(id: try row.value("id"), conversationID: try row.value("conversation_id"),
                            role: ChatRole(rawValue: try row.value("role")) ?? .user, content: try row.value("content"),
                            citations: JSONColumn.value([Citation].self, try row.optional("citations")) ?? [],
                            stats: JSONColumn.value(AnswerStats.self, try row.optional("stats")),
                            createdAt: try date(row, "created_at"))
        message.auditID = try row.optional("audit_id")
        message.feedback = try feedback(row)
        return message
    }

    /// Selects messages with their answers' feedback; append a WHERE clause.
    static let messageQuery = """
        SELECT m.*, a.feedback, a.feedback_comment, a.feedback_at FROM messages m LEFT JOIN audit_log a ON a.id = m.audit_id
        """

    static func auditEntry<R: StoredRow>(_ row: R) throws -> AuditEntry {
        var entry = AuditEntry(id: try row.value("id"), at: try date(row, "at"), user: try row.optional("user_name"),
                   kbID: try row.optional("kb_id"), kbName: try row.optional("kb_name"),
                   conversationID: try row.optional("conversation_id"),
                   channel: AnswerChannel(rawValue: try row.value("channel")) ?? .api, question: try row.value("question"),
                   retrieved: JSONColumn.value([AuditEntry.RetrievedChunk].self, try row.optional("retrieved")) ?? [],
                   answer: try row.value("answer"), model: try row.optional("model"),
                   finishReason: FinishReason(reading: try row.value("finish_reason")), latencyMs: try row.value("latency_ms"))
        entry.citations = JSONColumn.value([Citation].self, try row.optional("citations")) ?? []
        entry.feedback = try feedback(row)
        return entry
    }

    static func page<R: StoredRow>(_ row: R) throws -> ExtractedPage {
        ExtractedPageColumns.page(number: try row.value("page"), text: try row.value("text"), headings: try row.value("headings"),
                                  engine: try row.optional("engine"), ocr: try row.optional("ocr"),
                                  startSeconds: try row.optional("start_seconds"), endSeconds: try row.optional("end_seconds"),
                                  rows: try row.optional("row_marks"))
    }
}
