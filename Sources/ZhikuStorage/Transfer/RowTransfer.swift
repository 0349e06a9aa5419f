/// Row-level access to one database for `zhiku migrate`: tables read in key order in pages, rows written with
/// existing keys left alone (so a copy can be repeated), row counts, and the identity counters set after a copy.
public protocol RowTransfer: Sendable {
    /// Up to `limit` rows of `table` with keys above `after` (nil: from the first), in key order, each value in the
    /// kind its column declares.
    func rows(of table: TableSpec, after: [CellValue]?, limit: Int) async throws -> [[CellValue]]
    /// The largest key in `table`, nil when it is empty.
    func lastKey(of table: TableSpec) async throws -> [CellValue]?
    /// Inserts `rows` in one transaction; a row whose key is already there is skipped.
    func insert(_ rows: [[CellValue]], into table: TableSpec) async throws
    func count(of table: TableSpec) async throws -> Int
    /// Makes new rows of `table` get ids above every copied one.
    func continueIdentity(of table: TableSpec) async throws
}
