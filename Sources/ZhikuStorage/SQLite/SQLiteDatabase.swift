import Foundation
import GRDB
import ZhikuCore

/// The embedded database: one SQLite file in WAL mode, opened once and shared by the store and the indexes.
public final class SQLiteDatabase: Sendable {
    /// The connection pool (one writer, concurrent readers).
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies all migrations.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // Migrating takes the write lock; a database that is up to date (the usual case, and the case while
            // another process is writing) is only read.
            let migrator = try pool.read { try SQLiteMigrations.migrator(for: $0) }
            if try !pool.read({ try migrator.hasCompletedMigrations($0) }) {
                try migrator.migrate(pool)
            }
        } catch {
            throw ZhikuError(.storageFailed, "cannot open the database at \(path): \(error)")
        }
        self.path = path
    }

    /// Copies the database to a new file at `destination` with SQLite's online backup: a consistent snapshot taken
    /// while other connections keep reading and writing.
    public func backup(to destination: String) throws {
        do {
            let target = try DatabaseQueue(path: destination)
            try pool.backup(to: target)
            try target.close()
        } catch {
            throw ZhikuError(.storageFailed, "cannot back up the database to \(destination): \(error)")
        }
    }

    /// Whether a trivial query answers (for readiness checks).
    public func isReachable() async -> Bool {
        (try? await pool.read { try Int.fetchOne($0, sql: "SELECT 1") }) == 1
    }
}
