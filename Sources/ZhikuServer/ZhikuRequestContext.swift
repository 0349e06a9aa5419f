import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// The request context of Zhiku's routes: JSON in and out with snake_case keys and ISO-8601 dates.
public struct ZhikuRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is asking: set by ``AuthMiddleware`` (``ZhikuCore/User/local`` when sign-in is off); nil before it runs
    /// and on the few routes open to everyone.
    public var user: User?
    /// The peer's address, for rate limits.
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The signed-in user (routes behind ``AuthMiddleware`` always have one).
    public func requireUser() throws -> User {
        guard let user else { throw ZhikuError(.unauthorized, "sign in first, or send Authorization: Bearer <API key>") }
        return user
    }

    public var requestDecoder: ZhikuRequestDecoder { ZhikuRequestDecoder() }
    public var responseEncoder: JSONEncoder { ZhikuJSON.encoder }
}
