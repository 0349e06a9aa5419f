import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import ZhikuCore
@testable import ZhikuServer
@testable import ZhikuEngine
import ZhikuTestSupport

/// A real Zhiku server on a free loopback port, with its own data folder, driven over real HTTP.
final class TestServer: @unchecked Sendable {
    let folder: TemporaryFolder
    let runtime: ZhikuRuntime
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    let port: Int

    struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
        /// Response headers, names lowercased.
        var headers: [String: String] = [:]
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    /// `auth`: sign-in required (off by default in tests: one local admin, as `ZHIKU_AUTH=off` on loopback).
    /// `configure` adjusts the configuration further (limits, say); `clock` is what the request rate limit counts by.
    init(folder: TemporaryFolder = TemporaryFolder(), maxUploadBytes: Int64 = 1 << 30, auth: Bool = false,
         clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
         configure: (inout ZhikuConfiguration) -> Void = { _ in }) async throws {
        self.folder = folder
        var configuration = ZhikuConfiguration(dataFolder: folder.url, port: 0, maxUploadBytes: maxUploadBytes, workers: 2)
        configuration.host = "127.0.0.1"
        configuration.auth = auth
        configure(&configuration)
        var logger = Logger(label: "zhiku-test")
        logger.logLevel = .warning
        runtime = try await ZhikuRuntime(configuration: configuration, logger: logger, clock: clock)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = ZhikuServer.makeApplication(runtime: runtime) { port in continuation.yield(port) }
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let group = self.group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ZhikuError(.internal, "the server did not start") }
        self.port = port
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }

    enum Method { case GET, POST, PUT, PATCH, DELETE }

    /// A request with a generous deadline: under the whole suite on two cores an answer can take minutes, and the
    /// tests check outcomes, not speed.
    func request(_ method: Method, _ path: String, body: [UInt8]? = nil,
                 headers: [(String, String)] = [], timeout: Int64 = 180) async throws -> Reply {
        try await Self.request(port: port, method, path, body: body, headers: headers, timeout: timeout)
    }

    /// The tests' HTTP client: like `HTTPClient.shared`, but waiting up to 10 minutes between bytes of an answer
    /// (the shared client gives up after 90 s) — under the whole suite on two cores a server can be that slow.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = .init(connect: .seconds(90), read: .seconds(600))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// A request to any server on a loopback `port` (another process's, say).
    static func request(port: Int, _ method: Method, _ path: String, body: [UInt8]? = nil,
                        headers: [(String, String)] = [], timeout: Int64 = 180) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        switch method {
        case .GET: request.method = .GET
        case .POST: request.method = .POST
        case .PUT: request.method = .PUT
        case .PATCH: request.method = .PATCH
        case .DELETE: request.method = .DELETE
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(timeout))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        var fields: [String: String] = [:]
        for field in response.headers { fields[field.name.lowercased()] = field.value }
        return Reply(status: Int(response.status.code), body: Array(buffer.readableBytesView), headers: fields)
    }

    /// A request with an API key (`Authorization: Bearer …`) when `key` is given, and `object` as its JSON body.
    func call(_ method: Method, _ path: String, key: String? = nil, _ object: [String: Any]? = nil) async throws -> Reply {
        var headers = key.map { [("Authorization", "Bearer \($0)")] } ?? []
        var body: [UInt8]?
        if let object {
            body = Array(try JSONSerialization.data(withJSONObject: object))
            headers.append(("Content-Type", "application/json"))
        }
        return try await request(method, path, body: body, headers: headers)
    }

    func json(_ method: Method, _ path: String, _ object: [String: Any]) async throws -> Reply {
        try await request(method, path, body: Array(try JSONSerialization.data(withJSONObject: object)),
                          headers: [("Content-Type", "application/json")])
    }

    /// A multipart/form-data body with one `file` part per entry.
    static func multipart(_ files: [(name: String, bytes: [UInt8])], boundary: String = "zhiku-test-boundary")
        -> (body: [UInt8], contentType: String) {
        var body: [UInt8] = []
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored field\r\n".utf8)
        for file in files {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\n".utf8)
            body += Array("Content-Type: application/octet-stream\r\n\r\n".utf8)
            body += file.bytes
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    /// Uploads one file to knowledge base `kb` and returns its ingestion job once it has finished.
    func ingest(_ name: String, _ bytes: [UInt8], into kb: String) async throws -> [String: Any] {
        let form = Self.multipart([(name: name, bytes: bytes)])
        let reply = try await request(.POST, "/api/kbs/\(kb)/files", body: form.body, headers: [("Content-Type", form.contentType)])
        let job = ((reply.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? Int
        guard let job else { throw ZhikuError(.internal, "uploading \(name) started no job: \(reply.json)") }
        return try await waitForJob(job)
    }

    /// Polls a job until it leaves queued/running.
    func waitForJob(_ id: Int, timeout: Duration = .seconds(300), headers: [(String, String)] = []) async throws -> [String: Any] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            let job = try await request(.GET, "/api/jobs/\(id)", headers: headers).json
            if let status = job["status"] as? String, status == "succeeded" || status == "failed" { return job }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ZhikuError(.internal, "job \(id) did not finish within \(timeout)")
    }

    /// The Server-Sent Events of a body, in order, with their JSON data.
    static func events(_ body: [UInt8]) -> [(name: String, data: [String: Any])] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").compactMap { block in
            var name = "", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !name.isEmpty else { return nil }
            return (name, (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:])
        }
    }

    /// Posts `object` and reads the streamed reply until `enough` says so, then hangs up mid-stream (the request
    /// task is cancelled, which closes the connection). Returns the events read.
    func postAndHangUp(_ path: String, _ object: [String: Any],
                       enough: @escaping @Sendable ([(name: String, data: [String: Any])]) -> Bool) async throws
        -> [(name: String, data: [String: Any])] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: Array(try JSONSerialization.data(withJSONObject: object))))
        let (seen, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let task = Task {
            let response = try await Self.client.execute(request, timeout: .seconds(120))
            var bytes: [UInt8] = []
            for try await buffer in response.body {
                bytes += buffer.readableBytesView
                continuation.yield(bytes)
            }
            continuation.finish()
        }
        var last: [UInt8] = []
        for await bytes in seen {
            last = bytes
            if enough(Self.events(bytes)) { break }
        }
        task.cancel()
        _ = try? await task.value
        return Self.events(last)
    }
}
