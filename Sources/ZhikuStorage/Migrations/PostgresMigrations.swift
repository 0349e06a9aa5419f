/// PostgreSQL's migrations (``PostgreSQLDatabase`` applies them, each once, in one transaction). A new database is
/// made from ``Schema`` (``current``); one made before the description existed catches up through its frozen
/// history (``legacy``). Both then take ``Schema/upgrades``.
enum PostgresMigrations {
    typealias Migration = (name: String, sql: [String])

    /// The migrations for a database that has applied `applied`: ``legacy`` if its history began with the
    /// historic migrations, ``current`` otherwise (a new database too); then the upgrades.
    static func plan(applied: Set<String>) -> [Migration] {
        (applied.contains("v1-vectors") ? legacy : current) + upgrades
    }

    /// ``Schema/upgrades`` in PostgreSQL's words.
    static var upgrades: [Migration] {
        Schema.upgrades.map { ($0.name, $0.statements(in: .postgres)) }
    }

    /// A new database: the store's tables from ``Schema`` and the indexes' own tables.
    static var current: [Migration] {
        [("store-schema", ["CREATE EXTENSION IF NOT EXISTS vector"] + SQLDialect.postgres.createStore() + indexTables)]
    }

    /// The keyword and vector indexes' tables (``PostgresKeywordIndex``, ``PostgresVectorIndex``), as they are now.
    /// A term's postings are read from the index alone (the key carries tf and the document length); a generation
    /// per knowledge base's keyword index, for the in-memory snapshots each process keeps, comes from one sequence
    /// through a trigger on every write of the stats row, so whatever writes the postings makes the snapshots stale
    /// and no generation is handed out twice.
    static let indexTables: [String] = [
        """
        CREATE TABLE vector_spaces (
            kb_id BIGINT NOT NULL,
            model TEXT NOT NULL,
            dimensions INTEGER NOT NULL,
            PRIMARY KEY (kb_id, model)
        )
        """,
        """
        CREATE TABLE vectors (
            kb_id BIGINT NOT NULL,
            model TEXT NOT NULL,
            chunk_id BIGINT NOT NULL,
            embedding vector NOT NULL,
            PRIMARY KEY (kb_id, model, chunk_id)
        )
        """,
        "CREATE INDEX vectors_by_chunk ON vectors (kb_id, chunk_id)",
        """
        CREATE TABLE bm25_documents (
            kb_id BIGINT NOT NULL,
            chunk_id BIGINT NOT NULL,
            length INTEGER NOT NULL,
            PRIMARY KEY (kb_id, chunk_id)
        )
        """,
        """
        CREATE TABLE bm25_postings (
            kb_id BIGINT NOT NULL,
            term TEXT NOT NULL,
            chunk_id BIGINT NOT NULL,
            tf INTEGER NOT NULL,
            doc_length INTEGER NOT NULL,
            PRIMARY KEY (kb_id, term, chunk_id) INCLUDE (tf, doc_length)
        )
        """,
        "CREATE INDEX bm25_postings_by_chunk ON bm25_postings (kb_id, chunk_id)",
        "CREATE SEQUENCE bm25_generation",
        """
        CREATE TABLE bm25_stats (
            kb_id BIGINT PRIMARY KEY,
            document_count INTEGER NOT NULL,
            total_length BIGINT NOT NULL,
            generation BIGINT NOT NULL DEFAULT nextval('bm25_generation')
        )
        """,
        """
        CREATE FUNCTION bm25_stats_next_generation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.generation := nextval('bm25_generation');
            RETURN NEW;
        END
        $$
        """,
        """
        CREATE TRIGGER bm25_stats_generation BEFORE INSERT OR UPDATE ON bm25_stats
        FOR EACH ROW EXECUTE FUNCTION bm25_stats_next_generation()
        """,
    ]

    /// The historic migrations of databases made before ``Schema`` existed. Frozen: these steps are what such
    /// databases went through, and are never edited (`SchemaAgreementTests` checks they end in the same schema as
    /// ``current``).
    static let legacy: [Migration] = [
        ("v1-vectors", [
            "CREATE EXTENSION IF NOT EXISTS vector",
            """
            CREATE TABLE vector_spaces (
                kb_id BIGINT NOT NULL,
                model TEXT NOT NULL,
                dimensions INTEGER NOT NULL,
                PRIMARY KEY (kb_id, model)
            )
            """,
            """
            CREATE TABLE vectors (
                kb_id BIGINT NOT NULL,
                model TEXT NOT NULL,
                chunk_id BIGINT NOT NULL,
                embedding vector NOT NULL,
                PRIMARY KEY (kb_id, model, chunk_id)
            )
            """,
            "CREATE INDEX vectors_by_chunk ON vectors (kb_id, chunk_id)",
        ]),
        ("v2-keywords", [
            """
            CREATE TABLE bm25_documents (
                kb_id BIGINT NOT NULL,
                chunk_id BIGINT NOT NULL,
                length INTEGER NOT NULL,
                PRIMARY KEY (kb_id, chunk_id)
            )
            """,
            """
            CREATE TABLE bm25_postings (
                kb_id BIGINT NOT NULL,
                term TEXT NOT NULL,
                chunk_id BIGINT NOT NULL,
                tf INTEGER NOT NULL,
                doc_length INTEGER NOT NULL,
                PRIMARY KEY (kb_id, term, chunk_id)
            )
            """,
            "CREATE INDEX bm25_postings_by_chunk ON bm25_postings (kb_id, chunk_id)",
            "CREATE TABLE bm25_stats (kb_id BIGINT PRIMARY KEY, document_count INTEGER NOT NULL, total_length BIGINT NOT NULL)",
        ]),
        // Everything the SQLite store holds, in the same shape: times as seconds since 1970 (DOUBLE PRECISION), JSON
        // as text, ids from identity columns that are never handed out again (BY DEFAULT, so `zhiku migrate` can
        // keep a copied row's id). Jobs carry a lease: the process that claimed one renews it while it works, and a
        // job whose lease ran out (its process died) can be claimed again.
        ("v3-store", [
            """
            CREATE TABLE knowledge_bases (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                description TEXT NOT NULL DEFAULT '',
                created_at DOUBLE PRECISION NOT NULL,
                embedding_model TEXT,
                pending_embedding_model TEXT
            )
            """,
            """
            CREATE TABLE files (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                kb_id BIGINT NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                media_type TEXT NOT NULL,
                size BIGINT NOT NULL,
                status TEXT NOT NULL,
                error TEXT,
                page_count INTEGER NOT NULL DEFAULT 0,
                chunk_count INTEGER NOT NULL DEFAULT 0,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                UNIQUE (kb_id, sha256)
            )
            """,
            "CREATE INDEX files_by_sha256 ON files (sha256)",
            """
            CREATE TABLE extracted_documents (
                sha256 TEXT PRIMARY KEY,
                page_count INTEGER NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE extracted_pages (
                sha256 TEXT NOT NULL REFERENCES extracted_documents(sha256) ON DELETE CASCADE,
                page INTEGER NOT NULL,
                text TEXT NOT NULL,
                headings TEXT NOT NULL DEFAULT '[]',
                engine TEXT,
                ocr TEXT,
                start_seconds DOUBLE PRECISION,
                end_seconds DOUBLE PRECISION,
                PRIMARY KEY (sha256, page)
            )
            """,
            """
            CREATE TABLE chunks (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
                kb_id BIGINT NOT NULL,
                ordinal INTEGER NOT NULL,
                page INTEGER NOT NULL,
                start_offset INTEGER NOT NULL,
                end_offset INTEGER NOT NULL,
                text TEXT NOT NULL,
                start_seconds DOUBLE PRECISION,
                end_seconds DOUBLE PRECISION
            )
            """,
            "CREATE INDEX chunks_by_file ON chunks (file_id, ordinal)",
            "CREATE INDEX chunks_by_kb ON chunks (kb_id, id)",
            """
            CREATE TABLE jobs (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                kb_id BIGINT NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                file_id BIGINT NOT NULL REFERENCES files(id) ON DELETE CASCADE,
                kind TEXT NOT NULL DEFAULT 'ingest',
                status TEXT NOT NULL,
                pages_done INTEGER NOT NULL DEFAULT 0,
                pages_total INTEGER NOT NULL DEFAULT 0,
                pages_ocr INTEGER NOT NULL DEFAULT 0,
                chunks INTEGER NOT NULL DEFAULT 0,
                chunks_embedded INTEGER NOT NULL DEFAULT 0,
                error TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                lease_owner TEXT,
                lease_expires_at DOUBLE PRECISION,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX jobs_by_status ON jobs (status, id)",
            "CREATE INDEX jobs_by_file ON jobs (file_id)",
            "CREATE INDEX jobs_by_kb ON jobs (kb_id, id)",
            """
            CREATE TABLE users (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                role TEXT NOT NULL,
                password_hash TEXT NOT NULL,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE api_keys (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                prefix TEXT NOT NULL,
                hash TEXT NOT NULL UNIQUE,
                created_at DOUBLE PRECISION NOT NULL,
                revoked_at DOUBLE PRECISION,
                last_used_at DOUBLE PRECISION
            )
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                csrf TEXT NOT NULL,
                expires_at DOUBLE PRECISION NOT NULL
            )
            """,
            """
            CREATE TABLE kb_members (
                kb_id BIGINT NOT NULL REFERENCES knowledge_bases(id) ON DELETE CASCADE,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                PRIMARY KEY (kb_id, user_id)
            )
            """,
            "CREATE INDEX kb_members_by_user ON kb_members (user_id)",
            """
            CREATE TABLE conversations (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                title TEXT NOT NULL,
                kb_id BIGINT REFERENCES knowledge_bases(id) ON DELETE SET NULL,
                user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
                created_at DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX conversations_by_user ON conversations (user_id, updated_at)",
            """
            CREATE TABLE messages (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                citations TEXT NOT NULL DEFAULT '[]',
                stats TEXT,
                created_at DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX messages_by_conversation ON messages (conversation_id, id)",
            """
            CREATE TABLE audit_log (
                id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                user_name TEXT,
                kb_id BIGINT,
                kb_name TEXT,
                conversation_id BIGINT,
                channel TEXT NOT NULL,
                question TEXT NOT NULL,
                retrieved TEXT NOT NULL,
                answer TEXT NOT NULL,
                model TEXT,
                finish_reason TEXT NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL
            )
            """,
            "CREATE INDEX audit_by_time ON audit_log (at)",
            "CREATE INDEX audit_by_kb ON audit_log (kb_id, at)",
        ]),
        // A query term's postings read from the index alone (an index-only scan): the key carries tf and the document
        // length, so scoring no longer visits one heap page per posting (EXPLAIN ANALYZE of a seven-term query at
        // 58 000 chunks, cold cache: 166 ms → 55 ms).
        ("v4-covering-postings", [
            "ALTER TABLE bm25_postings DROP CONSTRAINT bm25_postings_pkey",
            "ALTER TABLE bm25_postings ADD PRIMARY KEY (kb_id, term, chunk_id) INCLUDE (tf, doc_length)",
        ]),
        // A generation per knowledge base's keyword index, for the in-memory snapshots each process keeps: a
        // trigger takes a fresh value from one sequence on every insert or update of the stats row, so whatever
        // writes the postings (any process, any version of Zhiku) makes the snapshots of it stale, and a
        // generation is never handed out twice, not even after the row was deleted and inserted again.
        ("v5-bm25-generation", [
            "CREATE SEQUENCE bm25_generation",
            "ALTER TABLE bm25_stats ADD COLUMN generation BIGINT NOT NULL DEFAULT nextval('bm25_generation')",
            """
            CREATE FUNCTION bm25_stats_next_generation() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.generation := nextval('bm25_generation');
                RETURN NEW;
            END
            $$
            """,
            """
            CREATE TRIGGER bm25_stats_generation BEFORE INSERT OR UPDATE ON bm25_stats
            FOR EACH ROW EXECUTE FUNCTION bm25_stats_next_generation()
            """,
        ]),
        // Sessions end after a time unused as well as at their fixed end (NULL: a session from before, no idle limit).
        ("v6-session-idle", ["ALTER TABLE sessions ADD COLUMN idle_expires_at DOUBLE PRECISION"]),
        // Knowledge base names unique per owner instead of server-wide (a taken name told a member that a knowledge
        // base they cannot see exists); existing ones belong to their first owner member, if any.
        ("v7-kb-owners", [
            "ALTER TABLE knowledge_bases ADD COLUMN owner_id BIGINT",
            """
            UPDATE knowledge_bases kb SET owner_id = (SELECT m.user_id FROM kb_members m
                WHERE m.kb_id = kb.id AND m.role = 'owner' ORDER BY m.user_id LIMIT 1)
            """,
            "ALTER TABLE knowledge_bases DROP CONSTRAINT knowledge_bases_name_key",
            "CREATE UNIQUE INDEX knowledge_bases_owner_name ON knowledge_bases ((COALESCE(owner_id, 0)), name)",
        ]),
    ]
}
