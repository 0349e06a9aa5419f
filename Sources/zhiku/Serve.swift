import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
#if canImport(Glibc)
import Glibc
#endif

/// `zhiku serve`: the HTTP API, the web page and the ingest worker. The server is its own executable,
/// `zhiku-server`, next to `zhiku` (so the command line's other commands do not link the HTTP server); this
/// command replaces itself with it (same process id, signals and output), passing its options on.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (web page, HTTP API, ingest worker).")

    @OptionGroup var options: ServeOptions

    func run() throws {
        let server = Self.serverExecutable()
        guard FileManager.default.isExecutableFile(atPath: server.path) else {
            throw ZhikuError.notFound("zhiku serve runs \(server.path), which is not there: build it with `swift build --product zhiku-server` (scripts/setup.sh does)")
        }
        let argv = [server.path] + options.arguments
        var cArguments = argv.map { strdup($0) } + [nil]
        execv(server.path, &cArguments)
        let reason = String(cString: strerror(errno))
        throw ZhikuError.invalidInput("zhiku serve could not start \(server.path): \(reason)")
    }

    /// `zhiku-server` in the folder of the running `zhiku` (symbolic links resolved).
    static func serverExecutable() -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let folder = FileManager.default.fileExists(atPath: me.path) && me.path != "/proc/self/exe"
            ? me.deletingLastPathComponent()
            : URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return folder.appendingPathComponent("zhiku-server")
    }
}
