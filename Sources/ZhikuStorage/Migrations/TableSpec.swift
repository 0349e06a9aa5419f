import ZhikuCore

/// One table of Zhiku's schema as `zhiku migrate` copies it: its columns with their kinds, and the columns of its
/// key (rows are read and copied in key order, so a copy interrupted half-way resumes after the last key copied).
/// The same tables, with the same column names, exist in SQLite and PostgreSQL.
public struct TableSpec: Sendable {
    public enum Kind: Sendable { case integer, real, text }

    public struct Column: Sendable {
        public var name: String
        public var kind: Kind

        init(_ name: String, _ kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    public var name: String
    public var columns: [Column]
    /// Indexes into `columns` of the key.
    public var key: [Int]
    /// Whether `id` is an identity column whose counter must continue after the copied ids.
    public var hasIdentity: Bool

    /// Columns the table has in both databases that are not copied (a job's lease belongs to the process that
    /// held it, not to the data); `SchemaAgreementTests` checks everything else matches both migrations.
    public var notCopied: Set<String>

    init(_ name: String, key: [String] = ["id"], _ columns: [Column], notCopied: Set<String> = []) {
        self.name = name
        self.columns = columns
        self.notCopied = notCopied
        self.key = key.map { k in columns.firstIndex { $0.name == k }! }
        hasIdentity = key == ["id"]
    }

    /// Every table the stores hold, parents before children (foreign keys hold at every step). The indexes
    /// (BM25 postings, vectors) are not here: they are copied through their seams.
    public static let all: [TableSpec] = {
        let i = Kind.integer, r = Kind.real, t = Kind.text
        return [
            TableSpec("knowledge_bases", [.init("id", i), .init("name", t), .init("description", t), .init("created_at", r),
                                          .init("embedding_model", t), .init("pending_embedding_model", t), .init("owner_id", i)]),
            TableSpec("users", [.init("id", i), .init("name", t), .init("role", t), .init("password_hash", t), .init("created_at", r)]),
            TableSpec("files", [.init("id", i), .init("kb_id", i), .init("name", t), .init("sha256", t), .init("media_type", t),
                                .init("size", i), .init("status", t), .init("error", t), .init("page_count", i),
                                .init("chunk_count", i), .init("created_at", r), .init("updated_at", r)]),
            TableSpec("extracted_documents", key: ["sha256"], [.init("sha256", t), .init("page_count", i), .init("created_at", r)]),
            TableSpec("extracted_pages", key: ["sha256", "page"], [.init("sha256", t), .init("page", i), .init("text", t),
                                                                   .init("headings", t), .init("engine", t), .init("ocr", t),
                                                                   .init("start_seconds", r), .init("end_seconds", r)]),
            TableSpec("chunks", [.init("id", i), .init("file_id", i), .init("kb_id", i), .init("ordinal", i), .init("page", i),
                                 .init("start_offset", i), .init("end_offset", i), .init("text", t), .init("start_seconds", r),
                                 .init("end_seconds", r)]),
            TableSpec("jobs", [.init("id", i), .init("kb_id", i), .init("file_id", i), .init("kind", t), .init("status", t),
                               .init("pages_done", i), .init("pages_total", i), .init("pages_ocr", i), .init("chunks", i),
                               .init("chunks_embedded", i), .init("error", t), .init("attempts", i), .init("created_at", r),
                               .init("updated_at", r)], notCopied: ["lease_owner", "lease_expires_at"]),
            TableSpec("api_keys", [.init("id", i), .init("user_id", i), .init("name", t), .init("prefix", t), .init("hash", t),
                                   .init("created_at", r), .init("revoked_at", r), .init("last_used_at", r)]),
            TableSpec("sessions", key: ["token_hash"], [.init("token_hash", t), .init("user_id", i), .init("csrf", t),
                                                        .init("expires_at", r), .init("idle_expires_at", r)]),
            TableSpec("kb_members", key: ["kb_id", "user_id"], [.init("kb_id", i), .init("user_id", i), .init("role", t)]),
            TableSpec("conversations", [.init("id", i), .init("title", t), .init("kb_id", i), .init("user_id", i),
                                        .init("created_at", r), .init("updated_at", r)]),
            TableSpec("messages", [.init("id", i), .init("conversation_id", i), .init("role", t), .init("content", t),
                                   .init("citations", t), .init("stats", t), .init("created_at", r)]),
            TableSpec("audit_log", [.init("id", i), .init("at", r), .init("user_name", t), .init("kb_id", i),
                                    .init("kb_name", t), .init("conversation_id", i), .init("channel", t), .init("question", t),
                                    .init("retrieved", t), .init("answer", t), .init("model", t), .init("finish_reason", t),
                                    .init("latency_ms", r)]),
        ]
    }()
}
