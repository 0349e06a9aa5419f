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

    /// Fresh stores, their jobs leased for `jobLease` by `clock` (default: the system's, and PostgreSQL's own for
    /// leases) (nil: PostgreSQL was asked for and no server runs — a "skipped" line says so).
    func make(jobLease: Duration = .seconds(60), clock: ManualClock? = nil) async throws -> Stores? {
        let folder = TemporaryFolder()
        switch self {
        case .sqlite:
            let database = try SQLiteDatabase(path: folder.url.appendingPathComponent("z.sqlite").path)
            let time: @Sendable () -> Double
            if let clock { time = clock.function } else { time = { Date().timeIntervalSince1970 } }
            return Stores(store: SQLiteStore(database: database, jobLease: jobLease, clock: time),
                          conversations: SQLiteConversationStore(database: database),
                          accounts: SQLiteAccountStore(database: database),
                          otherProcess: { SQLiteStore(database: database, jobLease: jobLease, clock: time) }, folder: folder,
                          close: {})
        case .postgres:
            let database = try await VectorIndexConformanceTests.freshPostgres(for: "the store conformance suites")
            return Stores(store: PostgresStore(database: database, jobLease: jobLease, clock: clock?.function),
                          conversations: PostgresConversationStore(database: database),
                          accounts: PostgresAccountStore(database: database),
                          otherProcess: { PostgresStore(database: database, jobLease: jobLease, clock: clock?.function) }, folder: folder,
                          close: { database.close() })
        }
    }
}
