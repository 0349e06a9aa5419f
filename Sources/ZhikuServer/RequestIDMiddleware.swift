import HTTPTypes
import Hummingbird

/// Gives every request an id — the client's `X-Request-Id` when it sends a sensible one, else the server's own —
/// logs it with the request's outcome, and echoes it in the response's `X-Request-Id`, errors included, so a
/// report from a user can be found in the logs.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = ZhikuRequestContext
    static let header = HTTPField.Name("X-Request-Id")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let sent = request.headers[Self.header]
        let id = sent.flatMap { $0.count <= 128 && $0.allSatisfy { $0.isLetter || $0.isNumber || "-_.:".contains($0) } ? $0 : nil }
            ?? context.id
        context.logger[metadataKey: "request_id"] = .string(id)
        var response = try await next(request, context)
        response.headers[Self.header] = id
        if response.status.code >= 500 {
            context.logger.error("\(request.method) \(request.uri.path) → \(response.status.code)")
        } else {
            context.logger.debug("\(request.method) \(request.uri.path) → \(response.status.code)")
        }
        return response
    }
}
