import PostgresNIO

/// One row of a PostgreSQL answer, read by column name: `let id: Int64 = try row["id"]`.
public struct PostgresRecord: Sendable {
    private let row: PostgresRandomAccessRow

    public init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    /// The value of column `name` (an optional type reads NULL as nil).
    public subscript<T: PostgresDecodable>(_ name: String) -> T {
        get throws { try row[name].decode(T.self) }
    }
}
