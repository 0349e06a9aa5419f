import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// The chat model settings, changed at run time: `GET /api/models`, `PUT /api/models/default`,
/// `PUT/DELETE /api/models/chat/{name}`, `POST /api/models/chat/{name}/test` (one short generation).
struct ModelRoutes {
    let runtime: ZhikuRuntime

    struct Listing: Encodable {
        var defaultChatModel: String
        /// The models configured by name (keys redacted).
        var chatModels: [ChatModelSpec]
        /// Every chat model name a request may use without further set-up.
        var available: [String]
        var embeddingModels: [String]
    }
    struct SetDefault: Decodable { var chatModel: String }
    struct TestResult: Encodable {
        var ok: Bool
        var model: String?
        var latencyMs: Double
        var reply: String?
        var error: String?
    }

    func register(on router: RouteRecorder) {
        let api = router.group("api/models")
        api.get { _, context in try await listing(for: try context.requireUser()) }
        api.put("default") { request, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "change the chat model")
            let body = try await request.decode(as: SetDefault.self, context: context)
            try await runtime.chatModels.setDefault(body.chatModel)
            return try await listing(for: try context.requireUser())
        }
        api.put("chat/:name") { request, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "configure chat models")
            var spec = try await request.decode(as: ChatModelSpec.self, context: context)
            spec.name = context.parameters.get("name") ?? ""
            return try json(try await runtime.chatModels.save(spec).redacted)
        }
        api.delete("chat/:name") { _, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "remove chat models")
            let name = context.parameters.get("name") ?? ""
            guard try await runtime.chatModels.remove(name) else {
                throw ZhikuError.notFound("no chat model named '\(name)' is configured")
            }
            return Response(status: .noContent)
        }
        api.post("chat/:name/test") { _, context in
            try AccessControl.requireAdmin(try context.requireUser(), to: "test chat models")
            let clock = ContinuousClock(), started = clock.now
            do {
                let model = try await runtime.chatModels.model(context.parameters.get("name"))
                var reply = ""
                let ping = ChatRequest(messages: [ChatMessage(role: .user, content: "Say OK.")], maxTokens: 4,
                                       sampling: SamplingOptions(temperature: 0))
                for try await event in model.stream(ping) { if case .text(let t) = event { reply += t } }
                return try json(TestResult(ok: true, model: model.modelID, latencyMs: (clock.now - started).seconds * 1000,
                                           reply: reply))
            } catch let error as ZhikuError {
                return try json(TestResult(ok: false, latencyMs: (clock.now - started).seconds * 1000, error: "\(error)"))
            }
        }
    }

    /// The settings as `user` may see them: admins get the configured specs (keys redacted), members only names,
    /// providers and models.
    private func listing(for user: User) async throws -> Response {
        let registry = runtime.chatModels
        let specs = await registry.specs
        return try json(Listing(defaultChatModel: await registry.defaultModel,
                                chatModels: user.isAdmin ? specs.map(\.redacted) : specs.map(\.forMembers),
                                available: await registry.listedModels(),
                                embeddingModels: runtime.embedders.installedModels()))
    }
}
