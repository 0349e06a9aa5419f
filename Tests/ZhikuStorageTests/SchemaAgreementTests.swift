import Foundation
import GRDB
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuStorage

/// The schema is written in three places — SQLite's migrations, PostgreSQL's migrations, and ``TableSpec`` (what
/// `zhiku migrate` copies) — and they must say the same: every table of the spec exists in both freshly migrated
/// databases with exactly the spec's columns (names and kinds), apart from the columns the spec names as not copied.
@Suite struct SchemaAgreementTests {
    /// A column as a database describes it.
    struct Described: Hashable, CustomStringConvertible {
        var name: String
        var kind: String
        var description: String { "\(name) \(kind)" }
    }

    static func expected(_ table: TableSpec) -> Set<Described> {
        Set(table.columns.map { column in
            let kind = switch column.kind { case .integer: "integer"; case .real: "real"; case .text: "text" }
            return Described(name: column.name, kind: kind)
        })
    }

    @Test func sqliteMigrationsMatchTheTableSpec() async throws {
        let folder = TemporaryFolder()
        let database = try SQLiteDatabase(path: folder.url.appendingPathComponent("z.sqlite").path)
        for table in TableSpec.all {
            let described = try await database.pool.read { db in
                try Row.fetchAll(db, sql: "PRAGMA table_info(\(table.name))").map { row -> Described in
                    let type = (row["type"] as String).uppercased()
                    let kind = type.contains("INT") ? "integer" : type.contains("REAL") || type.contains("DOUB") ? "real" : "text"
                    return Described(name: row["name"], kind: kind)
                }
            }
            let actual = Set(described).filter { !table.notCopied.contains($0.name) }
            #expect(actual == Self.expected(table),
                    "\(table.name): only in SQLite \(actual.subtracting(Self.expected(table))), only in the spec \(Self.expected(table).subtracting(actual))")
        }
    }

    @Test func postgresMigrationsMatchTheTableSpec() async throws {
        guard let database = try await VectorIndexConformanceTests.freshPostgres(for: "the schema agreement test") else { return }
        defer { database.close() }
        for table in TableSpec.all {
            let rows = try await database.rows("describing \(table.name)", """
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = \(table.name)
                """)
            let described = try rows.map { row -> Described in
                let type: String = try row["data_type"]
                let kind = type.contains("int") ? "integer" : type.contains("double") || type.contains("real") ? "real" : "text"
                return Described(name: try row["column_name"], kind: kind)
            }
            let actual = Set(described).filter { !table.notCopied.contains($0.name) }
            #expect(actual == Self.expected(table),
                    "\(table.name): only in PostgreSQL \(actual.subtracting(Self.expected(table))), only in the spec \(Self.expected(table).subtracting(actual))")
        }
    }
}
