import Foundation

/// Named crash points for recovery tests: when the environment variable `ZHIKU_FAULT` names a point, the
/// process kills itself with SIGKILL there — no cleanup, no flushing, exactly like `kill -9` or a power cut at
/// that instant. Unset (always, outside tests), a fault point costs one dictionary lookup.
public enum FaultInjection {
    private static let armed = ProcessInfo.processInfo.environment["ZHIKU_FAULT"]

    public static func point(_ name: String) {
        guard let armed, armed == name else { return }
        kill(getpid(), SIGKILL)
    }
}
