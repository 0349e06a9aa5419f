import PostgresNIO
import ZhikuCore

/// One row of a PostgreSQL answer, read by column name: `let id: Int64 = try row["id"]`. A value that cannot be
/// read as the type asked for is an error naming the column, the type and the column's PostgreSQL type.
public struct PostgresRecord: Sendable {
    private let row: PostgresRandomAccessRow

    public init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    /// The value of column `name` (an optional type reads NULL as nil).
    public subscript<T: PostgresDecodable>(_ name: String) -> T {
        get throws { try decoding(name) { try row[name].decode(T.self) } }
    }

    /// The value of column `name`, nil for NULL.
    public func decodeOptional<T: PostgresDecodable>(_ name: String) throws -> T? where T._DecodableType == T {
        try decoding(name) { try row[name].decode(T?.self) }
    }

    private func decoding<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as PostgresDecodingError {
            throw ZhikuError(.storageFailed, "column \(name): cannot read \(error.targetType) from PostgreSQL's \(error.postgresType)")
        }
    }
}
