import Foundation

/// The PostgreSQL server the tests use: `$ZHIKU_TEST_POSTGRES_URL`, which `scripts/test.sh` sets after starting one
/// with `scripts/postgres.sh start`.
public enum TestPostgres {
    /// The server's URL, or nil (with a visible "skipped" line naming `what`) when none was started.
    public static func url(for what: String) -> String? {
        if let url = ProcessInfo.processInfo.environment["ZHIKU_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        print("skipped: \(what) on PostgreSQL: ZHIKU_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server with scripts/postgres.sh)")
        return nil
    }
}
