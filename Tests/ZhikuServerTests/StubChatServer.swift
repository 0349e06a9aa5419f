import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZhikuCore

/// A stand-in OpenAI-compatible model server on a loopback port that streams one fixed reply to every
/// `POST /v1/chat/completions`, in pieces: for tests of how a reply is shown, where the reply must be known.
final class StubChatServer: @unchecked Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    let port: Int

    /// `delay`: how long each reply waits before it is sent (a model that takes its time). `refusal`: answer every
    /// request with this status and JSON body instead (a server that refuses).
    init(reply: String, pieceLength: Int = 12, delay: Duration = .zero, refusal: (status: Int, body: String)? = nil) async throws {
        let router = Router()
        router.post("v1/chat/completions") { _, _ in
            if delay > .zero { try await Task.sleep(for: delay) }
            if let refusal {
                return Response(status: .init(code: refusal.status), headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: refusal.body)))
            }
            var body = ""
            var rest = Substring(reply)
            while !rest.isEmpty {
                let piece = rest.prefix(pieceLength)
                rest = rest.dropFirst(piece.count)
                let chunk = ["choices": [["index": 0, "delta": ["content": String(piece)]]]]
                body += "data: \(String(decoding: try JSONSerialization.data(withJSONObject: chunk), as: UTF8.self))\n\n"
            }
            body += "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n"
            return Response(status: .ok, headers: [.contentType: "text/event-stream"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        var logger = Logger(label: "stub-chat")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let group = self.group
        task = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ZhikuError(.internal, "the stub model server did not start") }
        self.port = port
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}
