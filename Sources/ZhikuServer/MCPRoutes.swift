import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ZhikuCore
import ZhikuEngine
import ZhikuMCP

/// `/mcp`: the Model Context Protocol over streamable HTTP, stateless (each POST is one JSON-RPC message answered
/// with JSON; no session, no server-sent stream: GET and DELETE answer 405). Signed in like the rest of the API
/// (an API key as `Authorization: Bearer`, or the browser session), with the same access per knowledge base.
struct MCPRoutes {
    let runtime: ZhikuRuntime

    /// The largest JSON-RPC message accepted.
    static let maxMessageBytes = 4 << 20

    func register(on router: RouteRecorder) {
        router.post("mcp") { request, context in try await handle(request, context) }
        router.get("mcp") { request, context in try await handle(request, context) }
        router.delete("mcp") { request, context in try await handle(request, context) }
    }

    private func handle(_ request: Request, _ context: ZhikuRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var body: Data?
        if request.method == .post {
            let buffer = try await request.body.collect(upTo: Self.maxMessageBytes)
            body = Data(buffer.readableBytesView)
        }
        let reply = await ZhikuMCPServer(runtime: runtime, user: user).handleHTTP(method: request.method.rawValue, headers: headers, body: body)
        var fields = HTTPFields()
        for (name, value) in reply.headers { if let name = HTTPField.Name(name) { fields[name] = value } }
        return Response(status: .init(code: reply.status), headers: fields,
                        body: reply.body.map { .init(byteBuffer: ByteBuffer(bytes: $0)) } ?? .init())
    }
}
