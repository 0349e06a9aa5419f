import GRDB
import ZhikuCore

extension DatabasePool {
    /// A write transaction whose failure becomes a ``ZhikuError`` saying what was being done
    /// (errors that already are ``ZhikuError``s pass through).
    func writing<T: Sendable>(_ what: @autoclosure () -> String,
                              _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.explaining(what()) { try await write(body) }
    }

    /// A read with the same error handling as ``writing(_:_:)``.
    func reading<T: Sendable>(_ what: @autoclosure () -> String,
                              _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.explaining(what()) { try await read(body) }
    }

    private static func explaining<T>(_ what: @autoclosure () -> String, _ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as ZhikuError {
            throw error
        } catch {
            throw ZhikuError(.storageFailed, "\(what()) failed: \(error)")
        }
    }
}
