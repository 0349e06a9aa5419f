import Foundation
import Testing

/// The PostgreSQL server the tests use: `$ZHIKU_TEST_POSTGRES_URL`, which `scripts/test.sh` sets after starting one
/// with `scripts/postgres.sh start`.
public enum TestPostgres {
    /// The server's URL; when none was started, the running test (or test case) is skipped with a reason naming
    /// `what` (see ``Skip``).
    public static func url(for what: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        if let url = ProcessInfo.processInfo.environment["ZHIKU_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        try Skip.now("\(what) on PostgreSQL: ZHIKU_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server with scripts/postgres.sh)",
                     sourceLocation: sourceLocation)
    }
}
