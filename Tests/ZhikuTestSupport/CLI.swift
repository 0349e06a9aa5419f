import Foundation

/// Runs the built `zhiku` executable as a user would.
public enum CLI {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// The executable beside the test bundle (or `ZHIKU_BIN`).
    public static var executable: URL {
        if let path = ProcessInfo.processInfo.environment["ZHIKU_BIN"] { return URL(fileURLWithPath: path) }
        var candidates: [URL] = []
        let bundle = Bundle.main.bundleURL
        candidates.append(bundle.appendingPathComponent("zhiku"))
        candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("zhiku"))
        if let exe = Bundle.main.executableURL {
            candidates.append(exe.deletingLastPathComponent().appendingPathComponent("zhiku"))
        }
        candidates.append(SharedEval.packageRoot().appendingPathComponent(".build/debug/zhiku"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }

    public static func process(_ arguments: [String], data: URL?, environment: [String: String] = [:]) -> Process {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments + (data.map { ["--data", $0.path] } ?? [])
        var env = ProcessInfo.processInfo.environment
        // Tests run servers on loopback without sign-in unless they ask for it (ZHIKU_AUTH=on).
        if env["ZHIKU_AUTH"] == nil { env["ZHIKU_AUTH"] = "off" }
        // Servers the tests start answer few questions: they load the chat model when asked, not at start.
        if env["ZHIKU_WARM_CHAT_MODEL"] == nil { env["ZHIKU_WARM_CHAT_MODEL"] = "0" }
        for (k, v) in environment { env[k] = v }
        p.environment = env
        return p
    }

    /// Runs to completion with `input` on standard input.
    public static func run(_ arguments: [String], data: URL? = nil, input: String = "",
                    environment: [String: String] = [:]) throws -> Result {
        let p = process(arguments, data: data, environment: environment)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        // Read both pipes while the process runs so neither fills up.
        let group = DispatchGroup()
        nonisolated(unsafe) var out = Data(), err = Data()
        group.enter()
        DispatchQueue.global().async { out = stdout.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { err = stderr.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                      stderr: String(decoding: err, as: UTF8.self))
    }

    /// ``run(_:data:input:environment:)`` for async tests, waiting on a thread of its own: a long run (an eval takes
    /// minutes) must not hold one of the few threads every other async test shares.
    public static func runDetached(_ arguments: [String], data: URL? = nil, input: String = "",
                                   environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try run(arguments, data: data, input: input, environment: environment) })
            }
        }
    }

    /// Starts `zhiku serve --port 0` on `data` (with `environment` added) and returns the process with the base URL it reported.
    public static func startServer(data: URL, environment: [String: String] = [:]) throws -> (process: Process, baseURL: String) {
        let server = process(["serve", "--port", "0"], data: data, environment: environment)
        let out = Pipe()
        server.standardOutput = out
        server.standardError = FileHandle.nullDevice
        try server.run()
        let banner = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard let range = banner.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            server.terminate()
            throw ServerDidNotStart(banner: banner)
        }
        return (server, String(banner[range]))
    }

    public struct ServerDidNotStart: Error, CustomStringConvertible {
        public var banner: String
        public var description: String { "zhiku serve did not report its address: \(banner)" }
    }
}
