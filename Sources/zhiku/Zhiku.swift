import ArgumentParser
import Foundation
import Logging
import ZhikuCore
import ZhikuEngine

/// The `zhiku` command: a knowledge-base server and the tools around it.
@main
struct Zhiku: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zhiku",
        abstract: "Zhiku 知库 — a private, self-hosted knowledge-base server.",
        version: ZhikuVersion.current,
        subcommands: [Serve.self, KB.self, Ingest.self, Jobs.self, Search.self, Ask.self, Chat.self, Eval.self, EvalQA.self, Split.self, OCR.self,
                      Embed.self, Generate.self, Transcribe.self, Say.self, Users.self, Keys.self, Backup.self, Restore.self,
                      Migrate.self])
}

/// Options every command that touches the data folder shares.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder (default: $ZHIKU_DATA or ./data).")
    var data: String?

    /// The configuration from the environment, with `--data` applied.
    func configuration() -> ZhikuConfiguration {
        var c = ZhikuConfiguration.fromEnvironment()
        if let data { c.dataFolder = URL(fileURLWithPath: data, isDirectory: true) }
        return c
    }

    /// Opens the data folder. CLI tools log warnings only, unless ZHIKU_LOG_LEVEL says otherwise.
    func runtime(defaultLogLevel: Logger.Level = .warning) async throws -> ZhikuRuntime {
        let c = configuration()
        var logger = Logger(label: "zhiku")
        logger.logLevel = ProcessInfo.processInfo.environment["ZHIKU_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? defaultLogLevel
        return try await ZhikuRuntime(configuration: c, logger: logger)
    }
}

/// Writes a line to standard output and flushes, so pipes see it at once.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes `value` as JSON on one line of standard output.
func emitJSON<T: Encodable>(_ value: T, pretty: Bool = false) throws {
    let encoder = ZhikuJSON.encoder
    if pretty { encoder.outputFormatting.insert(.prettyPrinted) }
    emit(String(decoding: try encoder.encode(value), as: UTF8.self))
}
