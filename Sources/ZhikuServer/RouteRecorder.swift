import HTTPTypes
import Hummingbird

/// The server's router, remembering every route registered through it (method and path, `{name}` for a path
/// parameter), so the API's description (``OpenAPIDocument``) can be checked against what is actually served.
final class RouteRecorder: RouterMethods, @unchecked Sendable {
    typealias Context = ZhikuRequestContext

    /// One registered route: `GET /api/kbs/{kb}`.
    struct Route: Hashable, Sendable, Comparable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method) \(path)" }
        static func < (a: Route, b: Route) -> Bool { (a.path, a.method) < (b.path, b.method) }
    }

    let router: Router<ZhikuRequestContext>
    /// Registration happens once, before the server starts (no concurrent access).
    private(set) var routes: [Route] = []

    init(_ router: Router<ZhikuRequestContext>) { self.router = router }

    @discardableResult
    func on<Responder: HTTPResponder>(_ path: RouterPath, method: HTTPRequest.Method, responder: Responder) -> Self
        where Responder.Context == ZhikuRequestContext {
        routes.append(Route(method: method.rawValue, path: path.description))
        router.on(path, method: method, responder: responder)
        return self
    }

    @discardableResult
    func add(middleware: any MiddlewareProtocol<Request, Response, ZhikuRequestContext>) -> Self {
        router.add(middleware: middleware)
        return self
    }
}
