import Foundation
import Logging
import PostgresNIO
import ZhikuCore

/// A PostgreSQL database (with the pgvector extension) reached through postgres-nio's connection pool, selected by
/// a URL `postgres://user:password@host:port/database`. Opening it runs Zhiku's migrations, each once, in order,
/// recorded in `zhiku_migrations` under an advisory lock so several processes may start at once.
public final class PostgreSQLDatabase: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    private let runner: Task<Void, Never>

    /// Connects to `url` (the pool runs until ``close()``), checks the server answers, and migrates.
    public static func open(url: String, logger: Logger = Logger(label: "zhiku.postgres"), maximumConnections: Int = 20)
        async throws -> PostgreSQLDatabase {
        var configuration = try configuration(from: url)
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let database = PostgreSQLDatabase(client: client, runner: await start(client), logger: logger)
        do {
            try await database.migrate()
        } catch {
            database.close()
            throw ZhikuError(.storageFailed, "cannot use the PostgreSQL database at \(redacted(url)): \(describe(error))")
        }
        return database
    }

    private init(client: PostgresClient, runner: Task<Void, Never>, logger: Logger) {
        self.client = client
        self.runner = runner
        self.logger = logger
    }

    /// Runs `client`'s pool until the returned task is cancelled, after giving run() a moment to start (a query
    /// before it works but logs a warning).
    private static func start(_ client: PostgresClient) async -> Task<Void, Never> {
        let runner = Task { await client.run() }
        try? await Task.sleep(for: .milliseconds(20))
        return runner
    }

    /// Stops the connection pool.
    public func close() { runner.cancel() }

    /// Runs a statement to its end. (`PostgresClient.query` returns once the server starts answering; a statement
    /// whose answer is never read may still be running when the next one starts on another connection.)
    public func execute(_ query: PostgresQuery) async throws {
        for try await _ in try await client.query(query, logger: logger) {}
    }

    /// Runs `body`, turning database errors into a ``ZhikuError`` that says what was being done (a ``ZhikuError``
    /// thrown by `body` passes unchanged).
    public func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ZhikuError {
            throw error
        } catch {
            throw ZhikuError(.storageFailed, "PostgreSQL failed \(what): \(Self.describe(error))")
        }
    }

    /// ``rows(_:)``, its failure said as what was being done (see ``run(_:_:)``).
    public func rows(_ what: String, _ query: PostgresQuery) async throws -> [PostgresRecord] {
        try await run(what) { try await rows(query) }
    }

    /// ``transaction(_:)``, its failure said as what was being done (see ``run(_:_:)``).
    public func transaction<T: Sendable>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await run(what) { try await transaction(body) }
    }

    /// Runs `body` in a transaction on one connection: committed when it returns (the commit awaited to its end,
    /// so what it wrote is visible to the next statement on any connection), rolled back when it throws.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(beginning: "BEGIN", body)
    }

    /// Runs `body` in a read-only transaction that sees one snapshot of the database throughout (REPEATABLE READ):
    /// several queries read the same state, whatever commits meanwhile. Failures said as what was being done.
    public func consistentRead<T: Sendable>(_ what: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await run(what) { try await transaction(beginning: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body) }
    }

    private func transaction<T: Sendable>(beginning begin: PostgresQuery,
                                          _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        return try await client.withConnection { connection in
            try await connection.execute(begin, logger: logger)
            do {
                let value = try await body(connection)
                try await connection.execute("COMMIT", logger: logger)
                return value
            } catch {
                try? await connection.execute("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Whether a trivial query answers (for readiness checks).
    public func isReachable() async -> Bool {
        (try? await rows("SELECT 1 AS one").first.map { row -> Int in try row["one"] }) == 1
    }

    /// Every row `query` answers, read to the end.
    public func rows(_ query: PostgresQuery) async throws -> [PostgresRecord] {
        var rows: [PostgresRecord] = []
        for try await row in try await client.query(query, logger: logger) { rows.append(PostgresRecord(row)) }
        return rows
    }

    /// The client configuration of a `postgres://` (or `postgresql://`) URL; TLS is off unless `?sslmode=require`.
    public static func configuration(from url: String) throws -> PostgresClient.Configuration {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, !host.isEmpty else {
            throw ZhikuError.invalidInput("not a PostgreSQL URL: \(redacted(url)) (expected postgres://user:password@host:port/database)")
        }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        let tls: PostgresClient.Configuration.TLS = parts.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } == true
            ? .require(.makeClientConfiguration()) : .disable
        return PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: parts.user ?? "postgres",
                                            password: parts.password?.removingPercentEncoding, database: database.isEmpty ? nil : database,
                                            tls: tls)
    }

    /// Creates the empty database `name` on the server of `url` (connecting to `url`'s database to do it) and
    /// returns the URL of the new one.
    public static func createDatabase(named name: String, besides url: String, logger: Logger = Logger(label: "zhiku.postgres")) async throws -> String {
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), var parts = URLComponents(string: url) else {
            throw ZhikuError.invalidInput("cannot create database '\(name)' beside \(redacted(url))")
        }
        let client = PostgresClient(configuration: try configuration(from: url), backgroundLogger: logger)
        let runner = await start(client)
        defer { runner.cancel() }
        do {
            for try await _ in try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger) {}
        } catch {
            throw ZhikuError(.storageFailed, "cannot create database '\(name)' at \(redacted(url)): \(describe(error))")
        }
        parts.path = "/" + name
        return parts.string ?? url
    }

    /// The URL without its password, for messages.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url), parts.password != nil else { return url }
        parts.password = "***"
        return parts.string ?? url
    }

    /// A PostgreSQL error as one readable line (the server's message when there is one).
    public static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError { return describe(inner) }
            if let inner = error.beginError { return describe(inner) }
            if let inner = error.commitError { return describe(inner) }
        }
        if let error = error as? ZhikuError { return error.message }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return "\(error)"
    }

    // MARK: - Migrations

    /// Zhiku's schema, in order. Each runs once, in a transaction.
    static let migrations: [(name: String, sql: [String])] = [
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

    func migrate() async throws {
        try await transaction { connection in
            // One process migrates at a time; the others wait here and then find the work done.
            try await connection.execute("SELECT pg_advisory_xact_lock(7061756)", logger: logger)
            try await connection.execute("""
                CREATE TABLE IF NOT EXISTS zhiku_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM zhiku_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.sql { try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.execute("INSERT INTO zhiku_migrations (name) VALUES (\(migration.name))", logger: logger)
            }
        }
    }
}

extension PostgresConnection {
    /// Runs a statement to its end (see ``PostgreSQLDatabase/execute(_:)``).
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }

    /// Every row `query` answers, read to the end.
    public func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRecord] {
        var rows: [PostgresRecord] = []
        for try await row in try await self.query(query, logger: logger) { rows.append(PostgresRecord(row)) }
        return rows
    }
}
