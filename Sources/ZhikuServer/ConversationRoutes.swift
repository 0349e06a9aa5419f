import Foundation
import Hummingbird
import ZhikuCore

/// Stored conversations (`GET/PATCH/DELETE /api/conversations[/{id}]`) and the audit log (`GET /api/audit`).
struct ConversationRoutes {
    let runtime: ZhikuRuntime

    struct ConversationList: Encodable { var conversations: [Conversation] }
    struct ConversationDetail: Encodable {
        var conversation: Conversation
        var messages: [ConversationMessage]
    }
    struct Rename: Decodable { var title: String }
    struct AuditList: Encodable { var entries: [AuditEntry] }

    func register(on router: Router<ZhikuRequestContext>) {
        let api = router.group("api")
        api.get("conversations") { request, _ in
            let limit = try Self.limit(request, default: 100)
            return try json(ConversationList(conversations: try await runtime.conversations.conversations(limit: limit)))
        }
        api.get("conversations/:id") { _, context in
            let id = try Self.id(context)
            guard let conversation = try await runtime.conversations.conversation(id: id) else {
                throw ZhikuError.notFound("conversation \(id) does not exist")
            }
            return try json(ConversationDetail(conversation: conversation,
                                               messages: try await runtime.conversations.messages(in: id)))
        }
        api.patch("conversations/:id") { request, context in
            let body = try await request.decode(as: Rename.self, context: context)
            return try json(try await runtime.conversations.renameConversation(id: try Self.id(context), to: body.title))
        }
        api.delete("conversations/:id") { _, context in
            let id = try Self.id(context)
            guard try await runtime.conversations.deleteConversation(id: id) else {
                throw ZhikuError.notFound("conversation \(id) does not exist")
            }
            return Response(status: .noContent)
        }
        api.get("audit") { request, _ in
            let parameters = request.uri.queryParameters
            var kb: KnowledgeBase.ID?
            if let name = parameters.get("kb") { kb = try await runtime.store.resolveKnowledgeBase(String(name)).id }
            var since: Date?
            if let text = parameters.get("since") {
                guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                    throw ZhikuError.invalidInput("since must be an ISO 8601 time like 2026-01-31T12:00:00Z, got '\(text)'")
                }
                since = date
            }
            let limit = try Self.limit(request, default: 100)
            return try json(AuditList(entries: try await runtime.conversations.auditEntries(kb: kb, since: since, limit: limit)))
        }
    }

    private static func id(_ context: ZhikuRequestContext) throws -> Conversation.ID {
        let text = context.parameters.get("id") ?? ""
        guard let id = Conversation.ID(text) else { throw ZhikuError.notFound("conversation '\(text)' does not exist") }
        return id
    }

    private static func limit(_ request: Request, default value: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return value }
        guard let limit = Int(text), (1...1000).contains(limit) else {
            throw ZhikuError.invalidInput("limit must be a whole number from 1 to 1000, got '\(text)'")
        }
        return limit
    }
}
