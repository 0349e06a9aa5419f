import Foundation

/// Values kept as JSON text in a column (citations, answer statistics, page headings, OCR details), the same way on
/// SQLite and PostgreSQL.
enum JSONColumn {
    private static let encoder = JSONEncoder()
    private static let decoder = JSONDecoder()

    /// `value` as JSON text.
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The value in `text`, or nil when there is none or it does not decode as `type`.
    static func value<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? decoder.decode(type, from: Data(text.utf8))
    }
}
