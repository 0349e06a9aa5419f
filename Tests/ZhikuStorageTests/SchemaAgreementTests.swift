import Foundation
import GRDB
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuStorage

/// The schema is described once (``Schema``). A new database is made from the description; a database made before
/// it reaches the same tables through its frozen historic migrations. These tests make a database both ways, in
/// SQLite and in PostgreSQL, and compare everything the database says about its tables (columns, types, NULLs,
/// defaults, keys, foreign keys, unique constraints, indexes, and for SQLite AUTOINCREMENT and WITHOUT ROWID); and
/// check that each database holds the description's columns with the description's kinds.
@Suite struct SchemaAgreementTests {
    /// A column as a database describes it.
    struct Described: Hashable, CustomStringConvertible {
        var name: String
        var kind: String
        var nullable: Bool
        var description: String { "\(name) \(kind)\(nullable ? "" : " NOT NULL")" }
    }

    static func expected(_ table: SchemaTable) -> Set<Described> {
        Set(table.columns.map { column in
            let kind = switch column.type { case .identity, .bigInteger, .integer: "integer"; case .real: "real"; case .text: "text" }
            return Described(name: column.name, kind: kind, nullable: column.nullable && table.primaryKey != [column.name])
        })
    }

    // MARK: SQLite

    /// Everything SQLite says about the tables and indexes of the database at `path`, one line per fact.
    static func sqliteSchema(_ pool: DatabasePool) async throws -> [String] {
        try await pool.read { db in
            var facts: [String] = []
            let tables = try Row.fetchAll(db, sql: """
                SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                """)
            for table in tables {
                let name: String = table["name"], sql: String = table["sql"]
                facts.append("\(name): autoincrement \(sql.uppercased().contains("AUTOINCREMENT")), without rowid \(sql.uppercased().contains("WITHOUT ROWID"))")
                for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))") {
                    facts.append("\(name).\(column["name"] as String): \(column["type"] as String) notnull \(column["notnull"] as Int) default \(column["dflt_value"] as String? ?? "-") pk \(column["pk"] as Int)")
                }
                for key in try Row.fetchAll(db, sql: "PRAGMA foreign_key_list(\(name))") {
                    facts.append("\(name).\(key["from"] as String) → \(key["table"] as String).\(key["to"] as String) on delete \(key["on_delete"] as String)")
                }
                for index in try Row.fetchAll(db, sql: "PRAGMA index_list(\(name))") {
                    let indexName: String = index["name"]
                    let keys = try Row.fetchAll(db, sql: "PRAGMA index_xinfo(\(indexName.quotedDatabaseIdentifier))")
                        .filter { ($0["key"] as Int) == 1 }
                        .map { ($0["name"] as String?) ?? "<expression>" }
                    // SQLite names the indexes of UNIQUE and PRIMARY KEY constraints itself, by position.
                    let shown = indexName.hasPrefix("sqlite_autoindex_") ? "(constraint)" : indexName
                    facts.append("\(name) index \(shown) origin \(index["origin"] as String) unique \(index["unique"] as Int) on \(keys)")
                }
            }
            for index in try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL") {
                let sql = (index["sql"] as String).uppercased().filter { !$0.isWhitespace }.replacingOccurrences(of: "IFNOTEXISTS", with: "")
                facts.append("index \(index["name"] as String): \(sql)")
            }
            return facts.sorted()
        }
    }

    @Test func sqliteDatabasesMadeEitherWayAgree() async throws {
        let folder = TemporaryFolder()
        let upgradedPath = folder.url.appendingPathComponent("upgraded.sqlite").path
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            let pool = try DatabasePool(path: upgradedPath, configuration: configuration)
            try SQLiteMigrations.legacy.migrate(pool)
            try pool.close()
        }
        let upgraded = try SQLiteDatabase(path: upgradedPath)
        let fresh = try SQLiteDatabase(path: folder.url.appendingPathComponent("fresh.sqlite").path)
        let applied = try await fresh.pool.read { try DatabaseMigrator().appliedIdentifiers($0) }
        #expect(applied == Set(["store-schema"] + Schema.upgrades.map(\.name)), "a new database is made from the description")
        let old = try await Self.sqliteSchema(upgraded.pool), new = try await Self.sqliteSchema(fresh.pool)
        #expect(old.count > 100)
        #expect(old.count == new.count && Set(old) == Set(new), "only upgraded: \(Set(old).subtracting(new).sorted()); only new: \(Set(new).subtracting(old).sorted())")
    }

    /// An upgraded database opened again takes the legacy way and finds nothing left to do.
    @Test func anUpgradedSQLiteDatabaseStaysOnItsHistory() async throws {
        let folder = TemporaryFolder()
        let path = folder.url.appendingPathComponent("upgraded.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteMigrations.legacy.migrate(pool, upTo: "v11-audit-user-name")
            try pool.close()
        }
        let database = try SQLiteDatabase(path: path)
        let applied = try await database.pool.read { try DatabaseMigrator().appliedIdentifiers($0) }
        #expect(applied.contains("v1-foundation") && !applied.contains("store-schema"))
        #expect(Set(Schema.upgrades.map(\.name)).isSubset(of: applied), "the upgrades ran on the old database")
        let reopened = try SQLiteDatabase(path: path)
        #expect(try await reopened.pool.read { try SQLiteMigrations.migrator(for: $0).hasCompletedMigrations($0) })
    }

    @Test func sqliteHoldsTheDescribedColumns() async throws {
        let folder = TemporaryFolder()
        let database = try SQLiteDatabase(path: folder.url.appendingPathComponent("z.sqlite").path)
        for table in Schema.tables {
            let described = try await database.pool.read { db in
                try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { row -> Described in
                    let type = (row["type"] as String).uppercased()
                    let kind = type.contains("INT") ? "integer" : type.contains("REAL") || type.contains("DOUB") ? "real" : "text"
                    return Described(name: row["name"], kind: kind, nullable: (row["notnull"] as Int) == 0 && (row["pk"] as Int) == 0)
                }
            }
            #expect(Set(described) == Self.expected(table),
                    "\(table.name): only in SQLite \(Set(described).subtracting(Self.expected(table))), only described \(Self.expected(table).subtracting(described))")
        }
    }

    // MARK: PostgreSQL

    /// Everything PostgreSQL says about the tables, constraints, indexes, sequences and triggers of `database`.
    static func postgresSchema(_ database: PostgreSQLDatabase) async throws -> [String] {
        var facts: [String] = []
        for row in try await database.rows("describing columns", """
            SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '-') AS column_default,
                   is_identity, coalesce(identity_generation, '-') AS identity_generation
            FROM information_schema.columns WHERE table_schema = current_schema() AND table_name != 'zhiku_migrations'
            """) {
            facts.append(try "\(row["table_name"] as String).\(row["column_name"] as String): \(row["data_type"] as String) "
                + "nullable \(row["is_nullable"] as String) default \(row["column_default"] as String) "
                + "identity \(row["is_identity"] as String) \(row["identity_generation"] as String)")
        }
        for row in try await database.rows("describing constraints", """
            SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname = current_schema() AND c.conrelid::regclass::text != 'zhiku_migrations'
            """) {
            facts.append(try "\(row["table_name"] as String) constraint \(row["name"] as String): \(row["definition"] as String)")
        }
        for row in try await database.rows("describing indexes", """
            SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename != 'zhiku_migrations'
            """) {
            facts.append(try "index \(row["indexname"] as String): \(row["indexdef"] as String)")
        }
        for row in try await database.rows("describing sequences and triggers", """
            SELECT 'sequence ' || sequence_name AS fact FROM information_schema.sequences WHERE sequence_schema = current_schema()
            UNION ALL
            SELECT 'trigger ' || trigger_name || ' ' || event_manipulation || ' on ' || event_object_table || ': ' || action_statement
            FROM information_schema.triggers WHERE trigger_schema = current_schema()
            """) {
            facts.append(try row["fact"] as String)
        }
        return facts.sorted()
    }

    @Test func postgresDatabasesMadeEitherWayAgree() async throws {
            let url = try TestPostgres.url(for: "the schema agreement test")
        func empty() async throws -> String {
            let name = "zhiku_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            return try await PostgreSQLDatabase.createDatabase(named: name, besides: url)
        }
        let upgraded = try await PostgreSQLDatabase.open(url: try await empty(), migrations: { _ in
            PostgresMigrations.legacy + PostgresMigrations.upgrades
        })
        defer { upgraded.close() }
        // Opened again the ordinary way, it keeps to its history.
        let reopened = try await PostgreSQLDatabase.open(url: try await upgradedURL(upgraded, base: url))
        reopened.close()
        let fresh = try await PostgreSQLDatabase.open(url: try await empty())
        defer { fresh.close() }
        let applied = try await fresh.rows("reading applied migrations", "SELECT name FROM zhiku_migrations").map { try $0["name"] as String }
        #expect(Set(applied) == Set(["store-schema"] + Schema.upgrades.map(\.name)), "a new database is made from the description")
        let old = try await Self.postgresSchema(upgraded), new = try await Self.postgresSchema(fresh)
        #expect(old.count > 100)
        #expect(old.count == new.count && Set(old) == Set(new), "only upgraded: \(Set(old).subtracting(new).sorted()); only new: \(Set(new).subtracting(old).sorted())")
    }

    /// The URL of `database` (the test made it beside `base`).
    private func upgradedURL(_ database: PostgreSQLDatabase, base: String) async throws -> String {
        let name: String = try await database.rows("naming the database", "SELECT current_database() AS name")[0]["name"]
        var parts = URLComponents(string: base)!
        parts.path = "/" + name
        return parts.string!
    }

    @Test func postgresHoldsTheDescribedColumns() async throws {
        let database = try await VectorIndexConformanceTests.freshPostgres(for: "the schema agreement test")
        defer { database.close() }
        for table in Schema.tables {
            let rows = try await database.rows("describing \(table.name)", """
                SELECT column_name, data_type, is_nullable FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = \(table.name)
                """)
            let described = try rows.map { row -> Described in
                let type: String = try row["data_type"]
                let kind = type.contains("int") ? "integer" : type.contains("double") || type.contains("real") ? "real" : "text"
                return Described(name: try row["column_name"], kind: kind, nullable: try row["is_nullable"] as String == "YES")
            }
            #expect(Set(described) == Self.expected(table),
                    "\(table.name): only in PostgreSQL \(Set(described).subtracting(Self.expected(table))), only described \(Self.expected(table).subtracting(described))")
        }
    }

    /// What `zhiku migrate` copies is the description, less the columns it says are not copied.
    @Test func theCopiedTablesAreTheDescribedOnes() {
        #expect(TableSpec.all.map(\.name) == Schema.tables.map(\.name))
        let jobs = TableSpec.all.first { $0.name == "jobs" }!
        #expect(jobs.notCopied == ["lease_owner", "lease_expires_at"] && !jobs.columns.contains { $0.name == "lease_owner" })
        let pages = TableSpec.all.first { $0.name == "extracted_pages" }!
        #expect(pages.key.map { pages.columns[$0].name } == ["sha256", "page"] && !pages.hasIdentity)
    }
}

/// An upgrade is written from the description and adds only what is missing.
@Suite struct SchemaUpgradeTests {
    @Test func anUpgradeRendersTheDescribedColumnAndIndexForBothDatabases() throws {
        let upgrade = SchemaUpgrade("test", columns: [.init("chunks", "end_seconds")], indexes: ["jobs_by_kb"])
        #expect(upgrade.statements(in: .postgres) == [
            "ALTER TABLE chunks ADD COLUMN IF NOT EXISTS end_seconds DOUBLE PRECISION",
            "CREATE INDEX IF NOT EXISTS jobs_by_kb ON jobs (kb_id, id)",
        ])
        #expect(upgrade.statements(in: .sqlite, hasColumn: { _, _ in false }) == [
            "ALTER TABLE chunks ADD COLUMN end_seconds REAL",
            "CREATE INDEX IF NOT EXISTS jobs_by_kb ON jobs (kb_id, id)",
        ])
        #expect(upgrade.statements(in: .sqlite, hasColumn: { $0 == "chunks" && $1 == "end_seconds" }) == [
            "CREATE INDEX IF NOT EXISTS jobs_by_kb ON jobs (kb_id, id)",
        ], "a column SQLite already has is not added again")
        #expect(SQLDialect.postgres.createIndex(Schema.indexes[0]) ==
                "CREATE UNIQUE INDEX knowledge_bases_owner_name ON knowledge_bases ((COALESCE(owner_id, 0)), name)")
    }

    /// Every upgrade names only described columns and indexes (a typo would stop every database from opening).
    @Test func everyUpgradeNamesDescribedThings() {
        for upgrade in Schema.upgrades {
            for new in upgrade.columns {
                #expect(Schema.tables.first { $0.name == new.table }?.column(new.column) != nil, "\(upgrade.name): \(new.table).\(new.column)")
            }
            for name in upgrade.indexes { #expect(Schema.indexes.contains { $0.name == name }, "\(upgrade.name): \(name)") }
        }
    }
}
