import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// Puts the signed-in ``ZhikuCore/User`` on every request, from an API key (`Authorization: Bearer zk_…`) or a
/// browser session (the `zhiku_session` cookie, whose changing requests must also carry the session's
/// `X-CSRF-Token`). Everything but the web UI's files, the API's description (`/openapi.json`, `/api-docs`),
/// `/healthz`, `/readyz`, `/metrics`, `/api/login` and `/api/me` needs one: 401 otherwise.
/// With sign-in off (loopback only) every request is ``ZhikuCore/User/local``.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ZhikuRequestContext
    let runtime: ZhikuRuntime

    static let cookieName = "zhiku_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    static func isOpen(_ path: String) -> Bool {
        path == "/" || path.hasPrefix("/assets/") || path == "/openapi.json" || path == "/api-docs" || path == "/healthz"
            || path == "/readyz" || path == "/metrics" || path == "/api/login" || path == "/api/me"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        guard runtime.configuration.auth else {
            context.user = .local
            return try await Self.resolvingDetails(for: .local) { try await next(request, context) }
        }
        let path = request.uri.path
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer "),
                  let user = try await runtime.accounts.user(forKeyHash: Secret.tokenHash(String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)))
            else {
                throw ZhikuError(.unauthorized, "the API key is not valid (or was revoked)")
            }
            context.user = user
        } else if let token = Self.sessionToken(request), let (user, csrf) = try await runtime.accounts.session(
            tokenHash: Secret.tokenHash(token), idleTimeout: runtime.configuration.sessionIdleTimeout.seconds) {
            if ![.get, .head, .options].contains(request.method), path != "/api/login" {
                guard let sent = request.headers[Self.csrfHeader], Secret.equal(sent, csrf) else {
                    throw ZhikuError(.forbidden, "missing or wrong X-CSRF-Token header (reload the page)")
                }
            }
            context.user = user
        } else if !Self.isOpen(path) {
            throw ZhikuError(.unauthorized, "sign in first, or send Authorization: Bearer <API key>")
        }
        if let user = context.user { try await runtime.rateLimiter.take(user.id) }
        return try await Self.resolvingDetails(for: context.user) { [context] in try await next(request, context) }
    }

    /// Runs `body`, turning a ``ZhikuCore/ZhikuError/detail`` into what `user` may read (the whole reply for an admin,
    /// a pointer to the log for anyone else): the error middleware outside this one does not know the user.
    static func resolvingDetails(for user: User?, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as ZhikuError where error.detail != nil && error.code != .internal && error.code != .storageFailed {
            throw ZhikuError(error.code, error.clientMessage(for: user))
        }
    }

    /// The session token from the request's cookies.
    static func sessionToken(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }
}
