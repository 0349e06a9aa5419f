import ZhikuCore

/// One table of ``Schema`` as `zhiku migrate` copies it: its copied columns with their kinds, and the columns of its
/// key (rows are read and copied in key order, so a copy interrupted half-way resumes after the last key copied).
public struct TableSpec: Sendable {
    public enum Kind: Sendable { case integer, real, text }

    public struct Column: Sendable {
        public var name: String
        public var kind: Kind

        init(_ name: String, _ kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    public var name: String
    public var columns: [Column]
    /// Indexes into `columns` of the key.
    public var key: [Int]
    /// Whether `id` is an identity column whose counter must continue after the copied ids.
    public var hasIdentity: Bool

    /// Columns the table has in both databases that are not copied (a job's lease belongs to the process that
    /// held it, not to the data).
    public var notCopied: Set<String>

    init(_ name: String, key: [String], _ columns: [Column], notCopied: Set<String>, hasIdentity: Bool) {
        self.name = name
        self.columns = columns
        self.notCopied = notCopied
        self.key = key.map { k in columns.firstIndex { $0.name == k }! }
        self.hasIdentity = hasIdentity
    }

    /// Every table of ``Schema``, parents before children (foreign keys hold at every step). The indexes (BM25
    /// postings, vectors) are not here: they are copied through their seams.
    public static let all: [TableSpec] = Schema.tables.map(TableSpec.init)

    init(_ table: SchemaTable) {
        let columns = table.columns.filter(\.copied).map { column -> Column in
            switch column.type {
            case .identity, .bigInteger, .integer: Column(column.name, .integer)
            case .real: Column(column.name, .real)
            case .text: Column(column.name, .text)
            }
        }
        self.init(table.name, key: table.primaryKey, columns,
                  notCopied: Set(table.columns.filter { !$0.copied }.map(\.name)),
                  hasIdentity: table.columns.contains { $0.type == .identity })
    }
}
