/// Zhiku's store — knowledge bases, files, extracted pages, chunks, jobs, accounts, conversations, the audit log — as
/// one description that both databases are made from: a new database gets these tables straight from it
/// (``SQLDialect/createStore()``), `zhiku migrate` copies what it lists (``TableSpec``), and a later change is a
/// ``SchemaUpgrade`` rendered from it. Databases created before this description reach the same tables through
/// their frozen historic migrations (``SQLiteMigrations/legacy``, ``PostgresMigrations/legacy``); a test checks
/// that both ways end in the same schema. The keyword and vector indexes' own tables differ by design between the
/// backends and belong to them (``SQLiteMigrations/indexTables``, ``PostgresMigrations/indexTables``).
public enum Schema {
    /// The tables, parents before children (foreign keys hold at every step of a copy).
    public static let tables: [SchemaTable] = {
        typealias C = SchemaTable.Column
        let kb = SchemaTable.Reference("knowledge_bases", onDelete: .cascade)
        let user = SchemaTable.Reference("users", onDelete: .cascade)
        return [
            SchemaTable("knowledge_bases", [
                C("id", .identity), C("name", .text), C("description", .text, default: "''"), C("created_at", .real),
                C("embedding_model", .text, nullable: true), C("pending_embedding_model", .text, nullable: true),
                C("owner_id", .bigInteger, nullable: true), C("rerank", .text, nullable: true),
            ], neverReusesIDs: true),
            SchemaTable("users", [
                C("id", .identity), C("name", .text, unique: true), C("role", .text), C("password_hash", .text),
                C("created_at", .real),
            ], neverReusesIDs: true),
            SchemaTable("files", [
                C("id", .identity), C("kb_id", .bigInteger, references: kb), C("name", .text), C("sha256", .text),
                C("media_type", .text), C("size", .bigInteger), C("status", .text), C("error", .text, nullable: true),
                C("page_count", .integer, default: "0"), C("chunk_count", .integer, default: "0"),
                C("created_at", .real), C("updated_at", .real), C("metadata", .text, nullable: true),
                C("tags", .text, default: "'[]'"),
                C("source_id", .bigInteger, nullable: true), C("path", .text, nullable: true),
            ], uniqueTogether: [["kb_id", "sha256"]], neverReusesIDs: true),
            // Where a knowledge base's files come from besides uploads: a folder kept in sync (by content hash), its
            // last scan (`entries`: path → sha256, size, modification time, as JSON) and the process syncing it.
            SchemaTable("kb_sources", [
                C("id", .identity), C("kb_id", .bigInteger, references: kb), C("kind", .text), C("location", .text),
                C("ignore", .text, default: "'[]'"), C("created_at", .real), C("last_sync_at", .real, nullable: true),
                C("last_error", .text, nullable: true), C("files_seen", .integer, default: "0"),
                C("entries", .text, default: "'{}'"),
                C("lease_owner", .text, nullable: true, copied: false), C("lease_expires_at", .real, nullable: true, copied: false),
            ], neverReusesIDs: true),
            SchemaTable("extracted_documents", primaryKey: ["sha256"], [
                C("sha256", .text), C("page_count", .integer), C("created_at", .real), C("metadata", .text, nullable: true),
            ], withoutRowID: true),
            SchemaTable("extracted_pages", primaryKey: ["sha256", "page"], [
                C("sha256", .text, references: .init("extracted_documents", "sha256", onDelete: .cascade)),
                C("page", .integer), C("text", .text), C("headings", .text, default: "'[]'"),
                C("engine", .text, nullable: true), C("ocr", .text, nullable: true),
                C("start_seconds", .real, nullable: true), C("end_seconds", .real, nullable: true),
                C("row_marks", .text, nullable: true),
            ], withoutRowID: true),
            SchemaTable("chunks", [
                C("id", .identity), C("file_id", .bigInteger, references: .init("files", onDelete: .cascade)),
                C("kb_id", .bigInteger), C("ordinal", .integer), C("page", .integer), C("start_offset", .integer),
                C("end_offset", .integer), C("text", .text), C("start_seconds", .real, nullable: true),
                C("end_seconds", .real, nullable: true), C("section", .text, nullable: true),
                C("first_row", .integer, nullable: true), C("last_row", .integer, nullable: true),
            ], neverReusesIDs: true),
            SchemaTable("jobs", [
                C("id", .identity), C("kb_id", .bigInteger, references: kb),
                C("file_id", .bigInteger, references: .init("files", onDelete: .cascade)),
                C("kind", .text, default: "'ingest'"), C("status", .text), C("pages_done", .integer, default: "0"),
                C("pages_total", .integer, default: "0"), C("pages_ocr", .integer, default: "0"),
                C("chunks", .integer, default: "0"), C("chunks_embedded", .integer, default: "0"),
                C("error", .text, nullable: true), C("attempts", .integer, default: "0"),
                C("lease_owner", .text, nullable: true, copied: false),
                C("lease_expires_at", .real, nullable: true, copied: false),
                C("created_at", .real), C("updated_at", .real),
            ], neverReusesIDs: true),
            SchemaTable("api_keys", [
                C("id", .identity), C("user_id", .bigInteger, references: user), C("name", .text), C("prefix", .text),
                C("hash", .text, unique: true), C("created_at", .real), C("revoked_at", .real, nullable: true),
                C("last_used_at", .real, nullable: true),
            ], neverReusesIDs: true),
            SchemaTable("sessions", primaryKey: ["token_hash"], [
                C("token_hash", .text), C("user_id", .bigInteger, references: user), C("csrf", .text),
                C("expires_at", .real), C("idle_expires_at", .real, nullable: true),
            ]),
            SchemaTable("kb_members", primaryKey: ["kb_id", "user_id"], [
                C("kb_id", .bigInteger, references: kb), C("user_id", .bigInteger, references: user), C("role", .text),
            ]),
            // A conversation outlives its knowledge base (kb_id becomes NULL); its owner is NULL for the
            // sign-in-free local user and the CLI.
            SchemaTable("conversations", [
                C("id", .identity), C("title", .text),
                C("kb_id", .bigInteger, nullable: true, references: .init("knowledge_bases", onDelete: .setNull)),
                C("user_id", .bigInteger, nullable: true, references: user),
                C("created_at", .real), C("updated_at", .real),
            ]),
            SchemaTable("messages", [
                C("id", .identity),
                C("conversation_id", .bigInteger, references: .init("conversations", onDelete: .cascade)),
                C("role", .text), C("content", .text), C("citations", .text, default: "'[]'"),
                C("stats", .text, nullable: true), C("created_at", .real),
                C("audit_id", .bigInteger, nullable: true),
            ]),
            // An audit entry keeps the knowledge base's name and outlives both it and the conversation.
            SchemaTable("audit_log", [
                C("id", .identity), C("at", .real), C("user_name", .text, nullable: true),
                C("kb_id", .bigInteger, nullable: true), C("kb_name", .text, nullable: true),
                C("conversation_id", .bigInteger, nullable: true), C("channel", .text), C("question", .text),
                C("retrieved", .text), C("answer", .text), C("model", .text, nullable: true),
                C("finish_reason", .text), C("latency_ms", .real),
                C("citations", .text, default: "'[]'"), C("feedback", .text, nullable: true),
                C("feedback_comment", .text, nullable: true), C("feedback_at", .real, nullable: true),
            ]),
        ]
    }()

    /// The indexes of ``tables``.
    public static let indexes: [SchemaIndex] = [
        // Knowledge base names are unique per owner (NULL: the sign-in-free local user).
        SchemaIndex("knowledge_bases_owner_name", on: "knowledge_bases", ["COALESCE(owner_id, 0)", "name"], unique: true),
        SchemaIndex("files_by_sha256", on: "files", ["sha256"]),
        SchemaIndex("sources_by_kb", on: "kb_sources", ["kb_id"]),
        SchemaIndex("chunks_by_file", on: "chunks", ["file_id", "ordinal"]),
        SchemaIndex("chunks_by_kb", on: "chunks", ["kb_id", "id"]),
        SchemaIndex("jobs_by_status", on: "jobs", ["status", "id"]),
        SchemaIndex("jobs_by_file", on: "jobs", ["file_id"]),
        SchemaIndex("jobs_by_kb", on: "jobs", ["kb_id", "id"]),
        SchemaIndex("kb_members_by_user", on: "kb_members", ["user_id"]),
        SchemaIndex("conversations_by_update", on: "conversations", ["updated_at"]),
        SchemaIndex("conversations_by_user", on: "conversations", ["user_id", "updated_at"]),
        SchemaIndex("messages_by_conversation", on: "messages", ["conversation_id", "id"]),
        SchemaIndex("audit_by_time", on: "audit_log", ["at"]),
        SchemaIndex("audit_by_kb", on: "audit_log", ["kb_id", "at"]),
    ]

    /// Changes since the description was first written, oldest first; each runs once on every database.
    public static let upgrades: [SchemaUpgrade] = [
        // The historic migrations had drifted: jobs by knowledge base were indexed only in PostgreSQL, conversations
        // by last update only in SQLite.
        SchemaUpgrade("s1-jobs-and-conversations-indexes", indexes: ["jobs_by_kb", "conversations_by_update"]),
        // A document's title, author and dates (JSON), with its extracted text and on each file of it; the heading
        // path each chunk sits under.
        SchemaUpgrade("s2-document-structure", columns: [.init("extracted_documents", "metadata"), .init("files", "metadata"),
                                                         .init("chunks", "section")]),
        // Worksheets and CSV: where each source row starts on a page (JSON), and the rows each chunk holds.
        SchemaUpgrade("s3-table-rows", columns: [.init("extracted_pages", "row_marks"), .init("chunks", "first_row"),
                                                 .init("chunks", "last_row")]),
        // Labels on files (a JSON array of strings), for filtering searches.
        SchemaUpgrade("s4-file-tags", columns: [.init("files", "tags")]),
        // 👍/👎 and a comment on an answer's audit entry, with the sources it was given; the conversation message
        // of an answer points at its entry.
        SchemaUpgrade("s5-answer-feedback", columns: [.init("audit_log", "citations"), .init("audit_log", "feedback"),
                                                      .init("audit_log", "feedback_comment"), .init("audit_log", "feedback_at"),
                                                      .init("messages", "audit_id")]),
        // Synced folders: the sources, and each file's source and path within it.
        SchemaUpgrade("s6-sources", tables: ["kb_sources"], columns: [.init("files", "source_id"), .init("files", "path")],
                      indexes: ["sources_by_kb"]),
        // A knowledge base's own reranking (NULL: the server's).
        SchemaUpgrade("s7-kb-rerank", columns: [.init("knowledge_bases", "rerank")]),
    ]
}
