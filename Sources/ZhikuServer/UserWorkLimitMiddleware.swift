import Hummingbird
import ZhikuCore

/// At most `limit` answers and transcriptions in progress per signed-in user: the request that would be one too
/// many gets 429, so one member cannot fill the model's queue and make everyone else wait behind it. A streamed
/// answer counts until its last byte is written (or its client goes away). With sign-in off there is one user
/// and no limit.
struct UserWorkLimitMiddleware: RouterMiddleware {
    typealias Context = ZhikuRequestContext

    let limit: Int
    let enabled: Bool
    let counts = WorkCounts()

    static let paths: Set<String> = ["/api/chat", "/v1/chat/completions", "/api/transcribe", "/v1/audio/transcriptions"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard enabled, request.method == .post, Self.paths.contains(request.uri.path), let user = context.user?.ownerID else {
            return try await next(request, context)
        }
        guard await counts.begin(user, limit: limit) else {
            throw ZhikuError(.tooManyRequests, "you have \(limit) answers or transcriptions in progress; wait for one to finish")
        }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            await counts.end(user)
            throw error
        }
        var counted = response
        let body = response.body, counts = self.counts
        counted.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
                await counts.end(user)
            } catch {
                await counts.end(user)
                throw error
            }
        }
        return counted
    }

    /// Work in progress per user.
    actor WorkCounts {
        private var running: [User.ID: Int] = [:]

        func begin(_ user: User.ID, limit: Int) -> Bool {
            guard running[user, default: 0] < limit else { return false }
            running[user, default: 0] += 1
            return true
        }

        func end(_ user: User.ID) {
            running[user, default: 1] -= 1
            if running[user] == 0 { running[user] = nil }
        }
    }
}
