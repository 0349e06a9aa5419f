import GRDB
import PostgresNIO

/// A value a column holds in both databases (the types Zhiku's schema uses).
protocol ColumnValue: DatabaseValueConvertible, PostgresDecodable where _DecodableType == Self {}
extension Int: ColumnValue {}
extension Int64: ColumnValue {}
extension Double: ColumnValue {}
extension String: ColumnValue {}
extension Bool: ColumnValue {}

/// One row of a query's answer, from either database, read by column name, so each of Zhiku's types is read
/// from a row by one function (``RowMapping``) whatever the backend.
protocol StoredRow {
    /// The value of `column` (a NULL is an error).
    func value<T: ColumnValue>(_ column: String) throws -> T
    /// The value of `column`, nil for NULL.
    func optional<T: ColumnValue>(_ column: String) throws -> T?
}

extension Row: StoredRow {
    func value<T: ColumnValue>(_ column: String) throws -> T {
        guard let value: T = self[column] else {
            throw DatabaseError(message: "column \(column) is NULL or missing")
        }
        return value
    }

    func optional<T: ColumnValue>(_ column: String) throws -> T? { self[column] }
}

extension PostgresRecord: StoredRow {
    func value<T: ColumnValue>(_ column: String) throws -> T { try self[column] }
    func optional<T: ColumnValue>(_ column: String) throws -> T? { try decodeOptional(column) }
}
