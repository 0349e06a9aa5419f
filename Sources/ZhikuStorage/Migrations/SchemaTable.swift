/// One table of Zhiku's store as both databases hold it: its columns, keys and foreign keys, written once and
/// rendered for each database by ``SQLDialect``. See ``Schema`` for the tables.
public struct SchemaTable: Sendable {
    /// A column's type; each database names it its own way (see ``SQLDialect/type(of:)``).
    public enum ColumnType: Sendable {
        /// The row id: an integer primary key handed out by the database, never reused in PostgreSQL (an identity
        /// column) and, where ``SchemaTable/neverReusesIDs`` says so, in SQLite (AUTOINCREMENT).
        case identity
        /// A 64-bit integer: ids of other rows, byte sizes.
        case bigInteger
        /// A count or ordinal.
        case integer
        /// A double: times (seconds since 1970), durations.
        case real
        /// Text, JSON included.
        case text
    }

    /// What happens to a row when the row its foreign key points at is deleted.
    public enum OnDelete: String, Sendable {
        case cascade = "CASCADE"
        case setNull = "SET NULL"
    }

    /// A foreign key: the column holds the `column` of a row of `table`.
    public struct Reference: Sendable {
        public var table: String
        public var column: String
        public var onDelete: OnDelete

        public init(_ table: String, _ column: String = "id", onDelete: OnDelete) {
            self.table = table
            self.column = column
            self.onDelete = onDelete
        }
    }

    /// One column.
    public struct Column: Sendable {
        public var name: String
        public var type: ColumnType
        /// Whether NULL is allowed (columns are NOT NULL unless they say so).
        public var nullable: Bool
        /// The default, as an SQL literal both databases read alike (`0`, `''`, `'[]'`).
        public var defaultValue: String?
        public var references: Reference?
        /// A single-column UNIQUE constraint.
        public var unique: Bool
        /// Whether `zhiku migrate` copies it (a job's lease belongs to the process that held it, not to the data).
        public var copied: Bool

        public init(_ name: String, _ type: ColumnType, nullable: Bool = false, default defaultValue: String? = nil,
                    references: Reference? = nil, unique: Bool = false, copied: Bool = true) {
            self.name = name
            self.type = type
            self.nullable = nullable
            self.defaultValue = defaultValue
            self.references = references
            self.unique = unique
            self.copied = copied
        }
    }

    public var name: String
    public var columns: [Column]
    /// The primary key's columns (`["id"]` for a table with an identity column).
    public var primaryKey: [String]
    /// Multi-column UNIQUE constraints.
    public var uniqueTogether: [[String]]
    /// SQLite only: a deleted row's id is never handed out again (AUTOINCREMENT), so nothing keyed by it elsewhere
    /// (postings, caches, clients) can be mistaken for a new row. PostgreSQL identities never reuse ids anyway.
    public var neverReusesIDs: Bool
    /// SQLite only: the rows are stored in their primary key's order (WITHOUT ROWID).
    public var withoutRowID: Bool

    public init(_ name: String, primaryKey: [String] = ["id"], _ columns: [Column], uniqueTogether: [[String]] = [],
                neverReusesIDs: Bool = false, withoutRowID: Bool = false) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
        self.uniqueTogether = uniqueTogether
        self.neverReusesIDs = neverReusesIDs
        self.withoutRowID = withoutRowID
    }

    /// The column named `name`.
    public func column(_ name: String) -> Column? { columns.first { $0.name == name } }
}
