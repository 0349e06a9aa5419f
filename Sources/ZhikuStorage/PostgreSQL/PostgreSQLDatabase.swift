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
        try await open(url: url, logger: logger, maximumConnections: maximumConnections, migrations: PostgresMigrations.plan)
    }

    /// ``open(url:logger:maximumConnections:)`` with the migrations `plan` picks (tests make databases the way
    /// older versions did).
    static func open(url: String, logger: Logger = Logger(label: "zhiku.postgres"), maximumConnections: Int = 20,
                     migrations plan: @escaping @Sendable (Set<String>) -> [PostgresMigrations.Migration]) async throws -> PostgreSQLDatabase {
        var configuration = try configuration(from: url)
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let database = PostgreSQLDatabase(client: client, runner: await start(client), logger: logger)
        do {
            try await database.migrate(plan)
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

    /// Applies the migrations `plan` picks for what the database has applied (``PostgresMigrations/plan(applied:)``
    /// unless a test says otherwise), in one transaction.
    private func migrate(_ plan: @Sendable (Set<String>) -> [PostgresMigrations.Migration]) async throws {
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
            for migration in plan(applied) where !applied.contains(migration.name) {
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
