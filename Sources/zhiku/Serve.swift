import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ZhikuServer

/// `zhiku serve`: the HTTP API, the web page and the ingest worker.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server (web page, HTTP API, ingest worker).")

    @OptionGroup var options: DataOptions

    @Option(help: "Address to listen on (default: $ZHIKU_HOST or 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (default: $ZHIKU_PORT or 8080).")
    var port: Int?

    func run() async throws {
        var configuration = options.configuration()
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        var logger = Logger(label: "zhiku")
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let runtime = try ZhikuRuntime(configuration: configuration, logger: logger)
        runtime.blobs.clearTemporary()
        let host = configuration.host
        let dataPath = configuration.dataFolder.path
        let app = ZhikuServer.makeApplication(runtime: runtime) { port in
            emit("Zhiku listening on http://\(host):\(port) (data: \(dataPath))")
        }
        try await app.runService()
    }
}
