import Foundation
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

/// The stores the conformance suites run on: each test gets empty stores of its own.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    /// The three stores of one database, and what closes it.
    struct Stores {
        let store: any Store
        let conversations: any ConversationStore
        let accounts: any AccountStore
        /// Another process's view of the same database (its own lease owner), for the job-queue tests.
        let otherProcess: () -> any Store
        let folder: TemporaryFolder
        let close: () -> Void
    }

    /// Fresh stores, their jobs leased for `jobLease` (nil: PostgreSQL was asked for and no server runs — a
    /// "skipped" line says so).
    func make(jobLease: Duration = .seconds(60)) async throws -> Stores? {
        let folder = TemporaryFolder()
        switch self {
        case .sqlite:
            let database = try SQLiteDatabase(path: folder.url.appendingPathComponent("z.sqlite").path)
            return Stores(store: SQLiteStore(database: database, jobLease: jobLease),
                          conversations: SQLiteConversationStore(database: database),
                          accounts: SQLiteAccountStore(database: database),
                          otherProcess: { SQLiteStore(database: database, jobLease: jobLease) }, folder: folder, close: {})
        case .postgres:
            guard let database = try await VectorIndexConformanceTests.freshPostgres(for: "the store conformance suites") else {
                return nil
            }
            return Stores(store: PostgresStore(database: database, jobLease: jobLease),
                          conversations: PostgresConversationStore(database: database),
                          accounts: PostgresAccountStore(database: database),
                          otherProcess: { PostgresStore(database: database, jobLease: jobLease) }, folder: folder,
                          close: { database.close() })
        }
    }
}
