/// A change of ``Schema`` that databases made before it must catch up with, named once for both databases and
/// rendered from the description itself. Every step is idempotent (it adds only what is missing), because it also
/// runs on databases made after the change, whose tables already have it.
public struct SchemaUpgrade: Sendable {
    /// A column of ``Schema/tables`` to add where missing. (Both databases add a NOT NULL column only with a
    /// default; SQLite adds no key or UNIQUE column.)
    public struct NewColumn: Sendable {
        public var table: String
        public var column: String

        public init(_ table: String, _ column: String) {
            self.table = table
            self.column = column
        }
    }

    /// Its name in the database's record of applied migrations.
    public var name: String
    /// Names of ``Schema/tables`` to create where missing.
    public var tables: [String]
    public var columns: [NewColumn]
    /// Names of ``Schema/indexes`` to create where missing.
    public var indexes: [String]

    public init(_ name: String, tables: [String] = [], columns: [NewColumn] = [], indexes: [String] = []) {
        self.name = name
        self.tables = tables
        self.columns = columns
        self.indexes = indexes
    }

    /// The statements that apply it in `dialect`, for a database whose tables lack every column it adds.
    public func statements(in dialect: SQLDialect) -> [String] {
        statements(in: dialect, hasColumn: { _, _ in false })
    }

    /// The statements that apply it in `dialect`; `hasColumn` says whether a table already has a column (SQLite
    /// has no `ADD COLUMN IF NOT EXISTS`).
    public func statements(in dialect: SQLDialect, hasColumn: (String, String) throws -> Bool) rethrows -> [String] {
        var statements: [String] = []
        for name in tables {
            guard let table = Schema.tables.first(where: { $0.name == name }) else {
                preconditionFailure("upgrade \(self.name) creates \(name), which the schema does not describe")
            }
            statements.append(dialect.createTable(table, ifNotExists: true))
        }
        for new in columns {
            guard let table = Schema.tables.first(where: { $0.name == new.table }), let column = table.column(new.column) else {
                preconditionFailure("upgrade \(name) adds \(new.table).\(new.column), which the schema does not describe")
            }
            switch dialect {
            case .postgres:
                statements.append("ALTER TABLE \(table.name) ADD COLUMN IF NOT EXISTS \(dialect.definition(of: column, in: table))")
            case .sqlite:
                if try !hasColumn(table.name, column.name) {
                    statements.append("ALTER TABLE \(table.name) ADD COLUMN \(dialect.definition(of: column, in: table))")
                }
            }
        }
        for name in indexes {
            guard let index = Schema.indexes.first(where: { $0.name == name }) else {
                preconditionFailure("upgrade \(self.name) names index \(name), which the schema does not describe")
            }
            statements.append(dialect.createIndex(index, ifNotExists: true))
        }
        return statements
    }
}
