import Foundation
import HTTPTypes
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// Signing in and out, the signed-in user, API keys, users (admins), and who may use a knowledge base (owners):
/// `POST /api/login` `{name, password}` · `POST /api/logout` · `GET /api/me` · `GET/POST /api/keys` ·
/// `DELETE /api/keys/{id}` · `GET/POST /api/users` · `DELETE /api/users/{name}` · `GET /api/kbs/{kb}/members` ·
/// `PUT/DELETE /api/kbs/{kb}/members/{user}` `{role}`.
struct AccountRoutes {
    let runtime: ZhikuRuntime

    struct Login: Decodable { var name: String; var password: String }
    struct PasswordChange: Decodable { var currentPassword: String; var newPassword: String }
    struct Me: Encodable {
        /// Nil when nobody is signed in.
        var user: User?
        /// False when the server runs without sign-in (one local user).
        var auth: Bool
        /// Send this as `X-CSRF-Token` with every changing request of a browser session.
        var csrfToken: String?
    }
    struct NewKey: Decodable { var name: String? }
    struct CreatedKey: Encodable {
        /// The key itself: shown this once, stored only as a hash.
        var key: String
        var apiKey: APIKey
    }
    struct KeyList: Encodable { var apiKeys: [APIKey] }
    struct NewUser: Decodable { var name: String; var password: String?; var role: User.Role? }
    struct CreatedUser: Encodable {
        var user: User
        /// The generated password when none was given (shown once).
        var password: String?
    }
    struct UserList: Encodable { var users: [User] }
    struct Member: Encodable { var user: String; var role: KnowledgeBaseRole }
    struct MemberList: Encodable { var members: [Member] }
    struct Grant: Decodable { var role: KnowledgeBaseRole }

    func register(on router: RouteRecorder) {
        let api = router.group("api")
        api.post("login") { request, context in try await login(request, context) }
        api.post("logout") { request, _ in
            if let token = AuthMiddleware.sessionToken(request) {
                try await runtime.accounts.deleteSession(tokenHash: Secret.tokenHash(token))
            }
            var response = Response(status: .noContent)
            response.headers[.setCookie] = "\(AuthMiddleware.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
            return response
        }
        api.get("me") { request, context in
            guard let user = context.user else { return try json(Me(user: nil, auth: true)) }
            var csrf: String?
            if runtime.configuration.auth, request.headers[.authorization] == nil, let token = AuthMiddleware.sessionToken(request) {
                csrf = try await runtime.accounts.session(tokenHash: Secret.tokenHash(token),
                                                        idleTimeout: runtime.configuration.sessionIdleTimeout.seconds)?.1
            }
            return try json(Me(user: user, auth: runtime.configuration.auth, csrfToken: csrf))
        }

        api.post("me/password") { request, context in try await changePassword(request, context) }

        api.get("keys") { _, context in
            let user = try context.requireUser()
            try Self.requireAccount(user, runtime)
            return try json(KeyList(apiKeys: try await runtime.accounts.apiKeys(of: user.id)))
        }
        api.post("keys") { request, context in
            let user = try context.requireUser()
            try Self.requireAccount(user, runtime)
            let body = try await request.decode(as: NewKey.self, context: context)
            let (key, record) = try await runtime.createAPIKey(for: user, name: body.name ?? "")
            return try json(CreatedKey(key: key, apiKey: record), status: .created)
        }
        api.delete("keys/:id") { _, context in
            let user = try context.requireUser()
            let raw = context.parameters.get("id") ?? ""
            guard let id = APIKey.ID(raw), let key = try await runtime.accounts.apiKey(id: id),
                  key.userID == user.id || user.isAdmin else {
                throw ZhikuError.notFound("API key '\(raw)' does not exist")
            }
            guard try await runtime.accounts.revokeAPIKey(id: id) else {
                throw ZhikuError(.conflict, "API key \(id) was already revoked")
            }
            return Response(status: .noContent)
        }

        api.get("users") { _, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "list users")
            return try json(UserList(users: try await runtime.accounts.users()))
        }
        api.post("users") { request, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "create users")
            let body = try await request.decode(as: NewUser.self, context: context)
            let password = body.password ?? Secret.password()
            try Secret.checkPassword(password)
            let hash = try await ComputeThreads.shared.run { Secret.passwordHash(password) }
            let user = try await runtime.accounts.createUser(name: body.name, role: body.role ?? .member, passwordHash: hash)
            return try json(CreatedUser(user: user, password: body.password == nil ? password : nil), status: .created)
        }
        api.delete("users/:name") { _, context in
            let admin = try context.requireUser()
            try AccessControl.requireAdmin(admin, to: "delete users")
            let name = context.parameters.get("name") ?? ""
            guard let user = try await runtime.accounts.user(named: name) else { throw ZhikuError.notFound("user '\(name)' does not exist") }
            guard user.id != admin.id else { throw ZhikuError(.conflict, "you cannot delete yourself") }
            _ = try await runtime.accounts.deleteUser(id: user.id)
            return Response(status: .noContent)
        }

        api.get("kbs/:kb/members") { _, context in
            let kb = try await knowledgeBase(context, needs: .owner)
            let members = try await runtime.accounts.members(of: kb.id).map { Member(user: $0.0.name, role: $0.1) }
            return try json(MemberList(members: members))
        }
        api.put("kbs/:kb/members/:user") { request, context in
            let kb = try await knowledgeBase(context, needs: .owner)
            let body = try await request.decode(as: Grant.self, context: context)
            let user = try await member(context)
            try await runtime.accounts.grant(body.role, in: kb.id, to: user.id)
            return try json(Member(user: user.name, role: body.role))
        }
        api.delete("kbs/:kb/members/:user") { _, context in
            let kb = try await knowledgeBase(context, needs: .owner)
            let user = try await member(context)
            guard try await runtime.accounts.revoke(in: kb.id, from: user.id) else {
                throw ZhikuError.notFound("user '\(user.name)' has no role in knowledge base '\(kb.name)'")
            }
            return Response(status: .noContent)
        }
    }

    private func knowledgeBase(_ context: ZhikuRequestContext, needs role: KnowledgeBaseRole) async throws -> KnowledgeBase {
        let raw = context.parameters.get("kb") ?? ""
        return try await runtime.access.knowledgeBase(raw.removingPercentEncoding ?? raw, for: try context.requireUser(), needs: role)
    }

    private func member(_ context: ZhikuRequestContext) async throws -> User {
        let name = context.parameters.get("user") ?? ""
        guard let user = try await runtime.accounts.user(named: name.removingPercentEncoding ?? name) else {
            throw ZhikuError.notFound("user '\(name)' does not exist")
        }
        return user
    }

    /// What password attempts are counted by: the name and the client's address (see ``ClientAddress``).
    private func throttleKey(name: String, _ request: Request, _ context: ZhikuRequestContext) -> String {
        let client = ClientAddress.resolve(peer: context.remoteAddress, forwardedFor: request.headers[values: HTTPField.Name("X-Forwarded-For")!],
                                           trustedProxies: runtime.configuration.trustedProxies)
        return "\(name.lowercased())|\(client ?? "?")"
    }

    /// What an unknown name's password is checked against (same iterations as real hashes).
    static let dummyHash = Secret.passwordHash(Secret.token())

    private func login(_ request: Request, _ context: ZhikuRequestContext) async throws -> Response {
        guard runtime.configuration.auth else { throw ZhikuError(.conflict, "this server runs without sign-in") }
        let body = try await request.decode(as: Login.self, context: context)
        let key = throttleKey(name: body.name, request, context)
        try await runtime.loginThrottle.attempt(key)
        let found = try await runtime.accounts.credentials(named: body.name)
        let password = body.password
        // PBKDF2 takes a core for a fraction of a second: it runs on the compute threads, not the request pool. An
        // unknown name is checked against a dummy hash of the same cost, so the time taken does not tell which
        // names exist.
        let matches = try await ComputeThreads.shared.run {
            let matches = Secret.verify(password, against: found?.1 ?? Self.dummyHash)
            return found != nil && matches
        }
        guard let (user, _) = found, matches else {
            throw ZhikuError(.unauthorized, "wrong name or password")
        }
        await runtime.loginThrottle.succeeded(key)
        return try await startSession(for: user, request)
    }

    /// Changes the signed-in user's own password (the current one must be given): every session and API key of the
    /// user ends, and a browser that asked gets a new session at once. Wrong current passwords count against the
    /// same sign-in limit as failed sign-ins.
    private func changePassword(_ request: Request, _ context: ZhikuRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard runtime.configuration.auth, user.ownerID != nil else {
            throw ZhikuError(.conflict, "this server runs without sign-in, so there are no passwords")
        }
        let body = try await request.decode(as: PasswordChange.self, context: context)
        try Secret.checkPassword(body.newPassword)
        let key = throttleKey(name: user.name, request, context)
        try await runtime.loginThrottle.attempt(key)
        let stored = try await runtime.accounts.credentials(named: user.name)
        let (current, new) = (body.currentPassword, body.newPassword)
        let hash: String? = try await ComputeThreads.shared.run {
            guard let stored, Secret.verify(current, against: stored.1) else { return nil }
            return Secret.passwordHash(new)
        }
        guard let hash else { throw ZhikuError(.forbidden, "the current password is wrong") }
        await runtime.loginThrottle.succeeded(key)
        try await runtime.accounts.setPasswordHash(hash, of: user.id)
        let fromBrowser = request.headers[.authorization] == nil && AuthMiddleware.sessionToken(request) != nil
        return fromBrowser ? try await startSession(for: user, request) : Response(status: .noContent)
    }

    /// A new browser session for `user`: the cookie, and the CSRF token in the body.
    private func startSession(for user: User, _ request: Request) async throws -> Response {
        let token = Secret.token(), csrf = Secret.token()
        let lifetime = runtime.configuration.sessionLifetime
        try await runtime.accounts.createSession(tokenHash: Secret.tokenHash(token), user: user.id, csrf: csrf,
                                                 expires: Date().addingTimeInterval(lifetime.seconds),
                                                 idleTimeout: runtime.configuration.sessionIdleTimeout.seconds)
        var response = try json(Me(user: user, auth: true, csrfToken: csrf))
        let secure = runtime.configuration.secureCookies
            || request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        response.headers[.setCookie] = "\(AuthMiddleware.cookieName)=\(token); Path=/; HttpOnly; SameSite=Strict; "
            + "Max-Age=\(Int(lifetime.seconds))" + (secure ? "; Secure" : "")
        return response
    }

    static func requireAccount(_ user: User, _ runtime: ZhikuRuntime) throws {
        guard runtime.configuration.auth else { throw ZhikuError(.conflict, "this server runs without sign-in, so there are no API keys") }
    }

}
