import GRDB

/// SQLite's migrations. A new database is made from ``Schema`` (``current``); one made before the description
/// existed catches up through its frozen history (``legacy``). Both then take ``Schema/upgrades``.
enum SQLiteMigrations {
    /// The migrator for the database `db` is in: ``legacy`` if its history began with the historic migrations,
    /// ``current`` otherwise (a new database too).
    static func migrator(for db: Database) throws -> DatabaseMigrator {
        try DatabaseMigrator().appliedIdentifiers(db).contains("v1-foundation") ? legacy : current
    }

    /// A new database: the store's tables from ``Schema``, the indexes' own tables, then the upgrades.
    static var current: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("store-schema") { db in
            for statement in SQLDialect.sqlite.createStore() { try db.execute(sql: statement) }
            try db.execute(sql: indexTables)
        }
        return upgraded(migrator)
    }

    /// The keyword and vector indexes' tables (``SQLiteKeywordIndex``, ``SQLiteVectorIndex``), as they are now.
    static let indexTables = """
        CREATE TABLE bm25_postings (
            kb_id INTEGER NOT NULL,
            term TEXT NOT NULL,
            chunk_id INTEGER NOT NULL,
            tf INTEGER NOT NULL,
            doc_length INTEGER NOT NULL,
            PRIMARY KEY (kb_id, term, chunk_id)
        ) WITHOUT ROWID;
        CREATE TABLE bm25_documents (
            chunk_id INTEGER PRIMARY KEY,
            kb_id INTEGER NOT NULL,
            length INTEGER NOT NULL,
            terms TEXT NOT NULL
        );
        CREATE INDEX bm25_documents_by_kb ON bm25_documents(kb_id);
        CREATE TABLE bm25_stats (
            kb_id INTEGER PRIMARY KEY,
            document_count INTEGER NOT NULL,
            total_length INTEGER NOT NULL,
            generation INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE vector_spaces (
            kb_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            dimensions INTEGER NOT NULL,
            generation INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (kb_id, model)
        ) WITHOUT ROWID;
        CREATE TABLE vectors (
            kb_id INTEGER NOT NULL,
            model TEXT NOT NULL,
            chunk_id INTEGER NOT NULL,
            embedding BLOB NOT NULL,
            PRIMARY KEY (kb_id, model, chunk_id)
        ) WITHOUT ROWID;
        CREATE INDEX vectors_by_chunk ON vectors(chunk_id);
        """

    /// `migrator` followed by ``Schema/upgrades``.
    private static func upgraded(_ migrator: DatabaseMigrator) -> DatabaseMigrator {
        var migrator = migrator
        for upgrade in Schema.upgrades {
            migrator.registerMigration(upgrade.name) { db in
                let statements = try upgrade.statements(in: .sqlite) { table, column in
                    try db.columns(in: table).contains { $0.name == column }
                }
                for statement in statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }

    /// The historic migrations of databases made before ``Schema`` existed, then the upgrades. Frozen: these steps
    /// are what such databases went through, and are never edited (`SchemaAgreementTests` checks they end in the
    /// same schema as ``current``).
    static var legacy: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: """
                CREATE TABLE knowledge_bases (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    description TEXT NOT NULL DEFAULT '',
                    created_at REAL NOT NULL
                );
                CREATE TABLE files (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kb_id INTEGER NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    media_type TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    error TEXT,
                    page_count INTEGER NOT NULL DEFAULT 0,
                    chunk_count INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    UNIQUE (kb_id, sha256)
                );
                CREATE INDEX files_by_sha256 ON files(sha256);
                CREATE TABLE extracted_documents (
                    sha256 TEXT PRIMARY KEY,
                    page_count INTEGER NOT NULL,
                    created_at REAL NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE extracted_pages (
                    sha256 TEXT NOT NULL REFERENCES extracted_documents(sha256) ON DELETE CASCADE,
                    page INTEGER NOT NULL,
                    text TEXT NOT NULL,
                    headings TEXT NOT NULL DEFAULT '[]',
                    PRIMARY KEY (sha256, page)
                ) WITHOUT ROWID;
                CREATE TABLE chunks (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
                    kb_id INTEGER NOT NULL,
                    ordinal INTEGER NOT NULL,
                    page INTEGER NOT NULL,
                    start_offset INTEGER NOT NULL,
                    end_offset INTEGER NOT NULL,
                    text TEXT NOT NULL
                );
                CREATE INDEX chunks_by_file ON chunks(file_id, ordinal);
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kb_id INTEGER NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL DEFAULT 'ingest',
                    status TEXT NOT NULL,
                    pages_done INTEGER NOT NULL DEFAULT 0,
                    pages_total INTEGER NOT NULL DEFAULT 0,
                    chunks INTEGER NOT NULL DEFAULT 0,
                    error TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX jobs_by_status ON jobs(status, id);
                CREATE INDEX jobs_by_file ON jobs(file_id);
                CREATE TABLE bm25_postings (
                    kb_id INTEGER NOT NULL,
                    term TEXT NOT NULL,
                    chunk_id INTEGER NOT NULL,
                    tf INTEGER NOT NULL,
                    doc_length INTEGER NOT NULL,
                    PRIMARY KEY (kb_id, term, chunk_id)
                ) WITHOUT ROWID;
                CREATE TABLE bm25_documents (
                    chunk_id INTEGER PRIMARY KEY,
                    kb_id INTEGER NOT NULL,
                    length INTEGER NOT NULL,
                    terms TEXT NOT NULL
                );
                CREATE INDEX bm25_documents_by_kb ON bm25_documents(kb_id);
                CREATE TABLE bm25_stats (
                    kb_id INTEGER PRIMARY KEY,
                    document_count INTEGER NOT NULL,
                    total_length INTEGER NOT NULL,
                    generation INTEGER NOT NULL DEFAULT 0
                );
                """)
        }
        migrator.registerMigration("v2-vectors") { db in
            try db.execute(sql: """
                CREATE TABLE vector_spaces (
                    kb_id INTEGER PRIMARY KEY,
                    dimensions INTEGER NOT NULL,
                    generation INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE vectors (
                    chunk_id INTEGER PRIMARY KEY,
                    kb_id INTEGER NOT NULL,
                    embedding BLOB NOT NULL
                );
                CREATE INDEX vectors_by_kb ON vectors(kb_id);
                """)
        }
        // Vector spaces per (knowledge base, model), so a model change builds beside the old index; each knowledge
        // base records the model it searches with and the one being built. v2's tables were never written.
        migrator.registerMigration("v3-embedding-models") { db in
            try db.execute(sql: """
                DROP TABLE vectors;
                DROP TABLE vector_spaces;
                CREATE TABLE vector_spaces (
                    kb_id INTEGER NOT NULL,
                    model TEXT NOT NULL,
                    dimensions INTEGER NOT NULL,
                    generation INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (kb_id, model)
                ) WITHOUT ROWID;
                CREATE TABLE vectors (
                    kb_id INTEGER NOT NULL,
                    model TEXT NOT NULL,
                    chunk_id INTEGER NOT NULL,
                    embedding BLOB NOT NULL,
                    PRIMARY KEY (kb_id, model, chunk_id)
                ) WITHOUT ROWID;
                CREATE INDEX vectors_by_chunk ON vectors(chunk_id);
                CREATE INDEX chunks_by_kb ON chunks(kb_id, id);
                ALTER TABLE knowledge_bases ADD COLUMN embedding_model TEXT;
                ALTER TABLE knowledge_bases ADD COLUMN pending_embedding_model TEXT;
                ALTER TABLE jobs ADD COLUMN chunks_embedded INTEGER NOT NULL DEFAULT 0;
                """)
        }
        // Stored conversations and the audit log. A conversation outlives its knowledge base (kb_id becomes NULL);
        // an audit entry keeps the base's name and outlives both.
        migrator.registerMigration("v4-conversations") { db in
            try db.execute(sql: """
                CREATE TABLE conversations (
                    id INTEGER PRIMARY KEY,
                    title TEXT NOT NULL,
                    kb_id INTEGER REFERENCES knowledge_bases(id) ON DELETE SET NULL,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE INDEX conversations_by_update ON conversations(updated_at);
                CREATE TABLE messages (
                    id INTEGER PRIMARY KEY,
                    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    content TEXT NOT NULL,
                    citations TEXT NOT NULL DEFAULT '[]',
                    stats TEXT,
                    created_at REAL NOT NULL
                );
                CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    user TEXT,
                    kb_id INTEGER,
                    kb_name TEXT,
                    conversation_id INTEGER,
                    channel TEXT NOT NULL,
                    question TEXT NOT NULL,
                    retrieved TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    model TEXT,
                    finish_reason TEXT NOT NULL,
                    latency_ms REAL NOT NULL
                );
                CREATE INDEX audit_by_time ON audit_log(at);
                CREATE INDEX audit_by_kb ON audit_log(kb_id, at);
                """)
        }
        // Which OCR engine read a page (NULL: its text layer) with its confidence and word boxes (JSON), and how many
        // pages of a job went to OCR.
        migrator.registerMigration("v5-ocr") { db in
            try db.execute(sql: "ALTER TABLE extracted_pages ADD COLUMN engine TEXT")
            try db.execute(sql: "ALTER TABLE extracted_pages ADD COLUMN ocr TEXT")
            try db.execute(sql: "ALTER TABLE jobs ADD COLUMN pages_ocr INTEGER NOT NULL DEFAULT 0")
        }
        // Accounts: users, API keys and sessions (both by the SHA-256 of their token), roles per knowledge base, and
        // the owner of each conversation (NULL: the sign-in-free local user, or the CLI).
        migrator.registerMigration("v6-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    created_at REAL NOT NULL
                );
                CREATE TABLE api_keys (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    prefix TEXT NOT NULL,
                    hash TEXT NOT NULL UNIQUE,
                    created_at REAL NOT NULL,
                    revoked_at REAL,
                    last_used_at REAL
                );
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    csrf TEXT NOT NULL,
                    expires_at REAL NOT NULL
                );
                CREATE TABLE kb_members (
                    kb_id INTEGER NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    PRIMARY KEY (kb_id, user_id)
                );
                CREATE INDEX kb_members_by_user ON kb_members(user_id);
                ALTER TABLE conversations ADD COLUMN user_id INTEGER REFERENCES users(id) ON DELETE CASCADE;
                CREATE INDEX conversations_by_user ON conversations(user_id, updated_at);
                """)
        }
        // Transcribed audio: when each page (a stretch of the recording) and each chunk was spoken.
        migrator.registerMigration("v7-audio") { db in
            try db.execute(sql: """
                ALTER TABLE extracted_pages ADD COLUMN start_seconds REAL;
                ALTER TABLE extracted_pages ADD COLUMN end_seconds REAL;
                ALTER TABLE chunks ADD COLUMN start_seconds REAL;
                ALTER TABLE chunks ADD COLUMN end_seconds REAL;
                """)
        }
        // Leases on running jobs (see ``Store/claimNextJob()``): who holds one and until when.
        migrator.registerMigration("v8-job-leases") { db in
            try db.execute(sql: """
                ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
                ALTER TABLE jobs ADD COLUMN lease_expires_at REAL;
                """)
        }
        // Sessions end after a time unused as well as at their fixed end (NULL: a session from before, no idle limit).
        migrator.registerMigration("v9-session-idle") { db in
            try db.execute(sql: "ALTER TABLE sessions ADD COLUMN idle_expires_at REAL")
        }
        // Knowledge base names unique per owner instead of server-wide (a taken name told a member that a knowledge
        // base they cannot see exists). SQLite cannot drop a UNIQUE constraint: the table is rebuilt (foreign keys
        // are off during migrations and checked at the end).
        migrator.registerMigration("v10-kb-owners") { db in
            try db.execute(sql: """
                CREATE TABLE knowledge_bases_new (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    created_at REAL NOT NULL,
                    embedding_model TEXT,
                    pending_embedding_model TEXT,
                    owner_id INTEGER
                );
                INSERT INTO knowledge_bases_new (id, name, description, created_at, embedding_model, pending_embedding_model, owner_id)
                    SELECT kb.id, kb.name, kb.description, kb.created_at, kb.embedding_model, kb.pending_embedding_model,
                           (SELECT m.user_id FROM kb_members m WHERE m.kb_id = kb.id AND m.role = 'owner' ORDER BY m.user_id LIMIT 1)
                    FROM knowledge_bases kb;
                DROP TABLE knowledge_bases;
                ALTER TABLE knowledge_bases_new RENAME TO knowledge_bases;
                CREATE UNIQUE INDEX knowledge_bases_owner_name ON knowledge_bases (COALESCE(owner_id, 0), name);
                """)
        }
        // The audit log's asker column had another name here than in PostgreSQL (`user`, a keyword there).
        migrator.registerMigration("v11-audit-user-name") { db in
            try db.execute(sql: "ALTER TABLE audit_log RENAME COLUMN user TO user_name")
        }
        return upgraded(migrator)
    }
}
