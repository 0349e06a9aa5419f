import ArgumentParser
import Foundation
import Logging
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine
import ZhikuServer

/// `zhiku-server` (what `zhiku serve` runs): the HTTP API, the web page and the ingest worker. It is its own
/// executable so that the `zhiku` command line does not link the HTTP server for its engine-only commands.
@main
struct ZhikuServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zhiku-server",
        abstract: "Run the server (web page, HTTP API, ingest worker); `zhiku serve` starts this.",
        version: ZhikuVersion.current)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        var configuration = options.data.configuration()
        if let host = options.host { configuration.host = host }
        if let port = options.port { configuration.port = port }
        if ProcessInfo.processInfo.environment["ZHIKU_LOG_FORMAT"]?.lowercased() == "json" {
            LoggingSystem.bootstrap(JSONLogHandler.init)
        }
        var logger = Logger(label: "zhiku")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        guard configuration.auth || configuration.isLoopbackOnly else {
            throw ZhikuError.invalidInput("ZHIKU_AUTH=off is allowed only on a loopback address (127.0.0.1, ::1, localhost), not \(configuration.host): anyone who can reach it would read every knowledge base")
        }
        let runtime = try await ZhikuRuntime(configuration: configuration, logger: logger)
        runtime.blobs.clearTemporary()
        let firstPassword = try await runtime.createFirstAdmin()
        let notice: String? = if let firstPassword {
            "Created the first user: admin, password: \(firstPassword)\n"
                + "(shown once; sign in with it, then change it with: zhiku user password admin)"
        } else if !configuration.auth {
            "Sign-in is off (ZHIKU_AUTH=off): everyone who can reach \(configuration.host) is the local admin."
        } else {
            nil
        }
        let host = configuration.host
        let dataPath = configuration.dataFolder.path
        let app = ZhikuServer.makeApplication(runtime: runtime) { port in
            emit("Zhiku listening on http://\(host):\(port) (data: \(dataPath))")
            if let notice { emit(notice) }
        }
        try await app.runService()
    }
}
