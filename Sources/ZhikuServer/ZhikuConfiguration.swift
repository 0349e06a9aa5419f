import Foundation

/// Settings for a Zhiku process, from the environment with defaults that work out of the box.
///
/// | variable | default |
/// |---|---|
/// | `ZHIKU_DATA` | `./data` |
/// | `ZHIKU_HOST` / `ZHIKU_PORT` | `127.0.0.1` / `8080` |
/// | `ZHIKU_MAX_UPLOAD_BYTES` | 1 GiB |
/// | `ZHIKU_WORKERS` | number of cores (ingest jobs run in parallel) |
/// | `ZHIKU_LOG_LEVEL` | `info` |
public struct ZhikuConfiguration: Sendable {
    public var dataFolder: URL
    public var host: String
    public var port: Int
    public var maxUploadBytes: Int64
    public var workers: Int
    public var logLevel: String

    public init(dataFolder: URL, host: String = "127.0.0.1", port: Int = 8080, maxUploadBytes: Int64 = 1 << 30,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount, logLevel: String = "info") {
        self.dataFolder = dataFolder
        self.host = host
        self.port = port
        self.maxUploadBytes = maxUploadBytes
        self.workers = max(1, workers)
        self.logLevel = logLevel
    }

    /// Reads the `ZHIKU_*` variables of `environment`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> ZhikuConfiguration {
        var c = ZhikuConfiguration(dataFolder: URL(fileURLWithPath: environment["ZHIKU_DATA"] ?? "data",
                                                   isDirectory: true))
        if let host = environment["ZHIKU_HOST"], !host.isEmpty { c.host = host }
        if let port = environment["ZHIKU_PORT"].flatMap(Int.init) { c.port = port }
        if let limit = environment["ZHIKU_MAX_UPLOAD_BYTES"].flatMap(Int64.init), limit > 0 { c.maxUploadBytes = limit }
        if let workers = environment["ZHIKU_WORKERS"].flatMap(Int.init), workers > 0 { c.workers = workers }
        if let level = environment["ZHIKU_LOG_LEVEL"], !level.isEmpty { c.logLevel = level }
        return c
    }
}
