import Foundation
import Logging
import PostgresNIO
import ZhikuCore

/// ``RowTransfer`` on PostgreSQL.
public struct PostgresRowTransfer: RowTransfer {
    public let database: PostgreSQLDatabase

    public init(database: PostgreSQLDatabase) {
        self.database = database
    }

    private static func columnList(_ table: TableSpec, only indexes: [Int]? = nil) -> String {
        (indexes ?? Array(table.columns.indices)).map { "\"\(table.columns[$0].name)\"" }.joined(separator: ", ")
    }

    private static func value(_ cell: PostgresCell, _ kind: TableSpec.Kind) throws -> CellValue {
        if cell.bytes == nil { return .null }
        switch kind {
        case .integer: return .integer(try cell.decode(Int64.self))
        case .real: return .real(try cell.decode(Double.self))
        case .text: return .text(try cell.decode(String.self))
        }
    }

    private static func bind(_ values: [CellValue], into bindings: inout PostgresBindings) {
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let v): bindings.append(v)
            case .real(let v): bindings.append(v)
            case .text(let v): bindings.append(v)
            }
        }
    }

    private func query(_ what: String, _ sql: String, _ values: [CellValue] = []) async throws -> [PostgresRow] {
        var bindings = PostgresBindings()
        Self.bind(values, into: &bindings)
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        return try await database.run(what) {
            var rows: [PostgresRow] = []
            for try await row in try await database.client.query(query, logger: database.logger) { rows.append(row) }
            return rows
        }
    }

    public func rows(of table: TableSpec, after: [CellValue]?, limit: Int) async throws -> [[CellValue]] {
        let keys = Self.columnList(table, only: table.key)
        var sql = "SELECT \(Self.columnList(table)) FROM \(table.name)"
        if let after { sql += " WHERE (\(keys)) > (\((1...after.count).map { "$\($0)" }.joined(separator: ", ")))" }
        sql += " ORDER BY \(keys) LIMIT \(max(0, limit))"
        return try await query("reading \(table.name)", sql, after ?? []).map { row in
            let cells = row.makeRandomAccess()
            return try table.columns.indices.map { try Self.value(cells[$0], table.columns[$0].kind) }
        }
    }

    public func lastKey(of table: TableSpec) async throws -> [CellValue]? {
        let keys = Self.columnList(table, only: table.key)
        let descending = table.key.map { "\"\(table.columns[$0].name)\" DESC" }.joined(separator: ", ")
        return try await query("reading the last key of \(table.name)", "SELECT \(keys) FROM \(table.name) ORDER BY \(descending) LIMIT 1")
            .first.map { row in
                let cells = row.makeRandomAccess()
                return try table.key.enumerated().map { try Self.value(cells[$0.offset], table.columns[$0.element].kind) }
            }
    }

    public func insert(_ rows: [[CellValue]], into table: TableSpec) async throws {
        guard !rows.isEmpty else { return }
        let width = table.columns.count
        // PostgreSQL takes at most 65 535 parameters per statement.
        let perStatement = max(1, 60_000 / width)
        let logger = database.logger
        try await database.transaction("copying \(rows.count) rows into \(table.name)") { connection in
            for start in stride(from: 0, to: rows.count, by: perStatement) {
                let part = rows[start..<min(rows.count, start + perStatement)]
                var bindings = PostgresBindings()
                var tuples: [String] = []
                for (n, row) in part.enumerated() {
                    Self.bind(row, into: &bindings)
                    tuples.append("(" + (1...width).map { "$\(n * width + $0)" }.joined(separator: ", ") + ")")
                }
                try await connection.execute(PostgresQuery(unsafeSQL: """
                    INSERT INTO \(table.name) (\(Self.columnList(table))) VALUES \(tuples.joined(separator: ", ")) ON CONFLICT DO NOTHING
                    """, binds: bindings), logger: logger)
            }
        }
    }

    public func count(of table: TableSpec) async throws -> Int {
        let rows = try await query("counting \(table.name)", "SELECT COUNT(*) FROM \(table.name)")
        return try rows.first.map { try $0.decode(Int.self) } ?? 0
    }

    public func continueIdentity(of table: TableSpec) async throws {
        guard table.hasIdentity else { return }
        _ = try await query("moving the id counter of \(table.name) past the copied ids", """
            SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), COALESCE((SELECT MAX(id) FROM \(table.name)), 1),
                          (SELECT MAX(id) FROM \(table.name)) IS NOT NULL)
            """)
    }
}
