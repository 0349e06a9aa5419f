import Foundation
import GRDB
import ZhikuCore

/// ``RowTransfer`` on the embedded SQLite database.
public struct SQLiteRowTransfer: RowTransfer {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) {
        pool = database.pool
    }

    private static func quoted(_ name: String) -> String { "\"\(name)\"" }

    private static func columnList(_ table: TableSpec, only indexes: [Int]? = nil) -> String {
        (indexes ?? Array(table.columns.indices)).map { quoted(table.columns[$0].name) }.joined(separator: ", ")
    }

    private static func value(_ stored: DatabaseValue, _ kind: TableSpec.Kind) -> CellValue {
        if stored.isNull { return .null }
        switch kind {
        case .integer: return Int64.fromDatabaseValue(stored).map(CellValue.integer) ?? .null
        case .real: return Double.fromDatabaseValue(stored).map(CellValue.real) ?? .null
        case .text: return String.fromDatabaseValue(stored).map(CellValue.text) ?? .null
        }
    }

    private static func argument(_ value: CellValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let v): v.databaseValue
        case .real(let v): v.databaseValue
        case .text(let v): v.databaseValue
        }
    }

    public func rows(of table: TableSpec, after: [CellValue]?, limit: Int) async throws -> [[CellValue]] {
        let keys = Self.columnList(table, only: table.key)
        var sql = "SELECT \(Self.columnList(table)) FROM \(table.name)"
        if let after { sql += " WHERE (\(keys)) > (\(Array(repeating: "?", count: after.count).joined(separator: ", ")))" }
        sql += " ORDER BY \(keys) LIMIT \(max(0, limit))"
        let arguments = StatementArguments((after ?? []).map(Self.argument)), query = sql
        return try await pool.reading("reading \(table.name)") { db in
            try Row.fetchAll(db, sql: query, arguments: arguments).map { row in
                table.columns.indices.map { Self.value(row[$0], table.columns[$0].kind) }
            }
        }
    }

    public func lastKey(of table: TableSpec) async throws -> [CellValue]? {
        let keys = Self.columnList(table, only: table.key)
        let descending = table.key.map { Self.quoted(table.columns[$0].name) + " DESC" }.joined(separator: ", ")
        return try await pool.reading("reading the last key of \(table.name)") { db in
            try Row.fetchOne(db, sql: "SELECT \(keys) FROM \(table.name) ORDER BY \(descending) LIMIT 1").map { row in
                table.key.enumerated().map { Self.value(row[$0.offset], table.columns[$0.element].kind) }
            }
        }
    }

    public func insert(_ rows: [[CellValue]], into table: TableSpec) async throws {
        guard !rows.isEmpty else { return }
        let sql = "INSERT OR IGNORE INTO \(table.name) (\(Self.columnList(table))) VALUES (\(Array(repeating: "?", count: table.columns.count).joined(separator: ", ")))"
        try await pool.writing("copying \(rows.count) rows into \(table.name)") { db in
            let statement = try db.makeStatement(sql: sql)
            for row in rows { try statement.execute(arguments: StatementArguments(row.map(Self.argument))) }
        }
    }

    public func count(of table: TableSpec) async throws -> Int {
        try await pool.reading("counting \(table.name)") { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.name)") ?? 0 }
    }

    /// SQLite needs nothing: an AUTOINCREMENT table remembers the largest id ever inserted, explicit ones included,
    /// and the others continue after the largest id present.
    public func continueIdentity(of table: TableSpec) async throws {}
}
