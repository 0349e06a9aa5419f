/// An index of one of ``Schema``'s tables. A key is a column name or an SQL expression over the columns
/// (`COALESCE(owner_id, 0)`).
public struct SchemaIndex: Sendable {
    public var name: String
    public var table: String
    public var keys: [String]
    public var unique: Bool

    public init(_ name: String, on table: String, _ keys: [String], unique: Bool = false) {
        self.name = name
        self.table = table
        self.keys = keys
        self.unique = unique
    }
}
