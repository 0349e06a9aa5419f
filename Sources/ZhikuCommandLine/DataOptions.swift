import ArgumentParser
import Foundation
import Logging
import ZhikuCore
import ZhikuEngine

/// Options every command that touches the data folder shares.
public struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data folder (default: $ZHIKU_DATA or ./data).")
    public var data: String?

    public init() {}

    /// The configuration from the environment, with `--data` applied.
    public func configuration() -> ZhikuConfiguration {
        var c = ZhikuConfiguration.fromEnvironment()
        if let data { c.dataFolder = URL(fileURLWithPath: data, isDirectory: true) }
        return c
    }

    /// Opens the data folder. CLI tools log warnings only, unless ZHIKU_LOG_LEVEL says otherwise.
    public func runtime(defaultLogLevel: Logger.Level = .warning) async throws -> ZhikuRuntime {
        let c = configuration()
        var logger = Logger(label: "zhiku")
        logger.logLevel = ProcessInfo.processInfo.environment["ZHIKU_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? defaultLogLevel
        return try await ZhikuRuntime(configuration: c, logger: logger)
    }
}
