import Foundation
import Hummingbird
import ZhikuCore
import ZhikuEngine

/// Stored conversations (`GET/PATCH/DELETE /api/conversations[/{id}]`), the audit log (`GET /api/audit`, `?feedback=up`
/// for rated answers) and feedback on answers (`POST /api/answers/{id}/feedback`, by the person who asked).
struct ConversationRoutes {
    let runtime: ZhikuRuntime

    struct ConversationList: Encodable { var conversations: [Conversation] }
    struct ConversationDetail: Encodable {
        var conversation: Conversation
        var messages: [ConversationMessage]
    }
    struct Rename: Decodable { var title: String }
    struct AuditList: Encodable { var entries: [AuditEntry] }
    /// 👍 (`up`), 👎 (`down`) or nothing (`null`: the feedback is removed), with an optional comment.
    struct FeedbackBody: Decodable {
        var rating: AnswerFeedback.Rating?
        var comment: String?
    }
    struct FeedbackReply: Encodable {
        var answerId: AuditEntry.ID
        var feedback: AnswerFeedback?
    }

    func register(on router: RouteRecorder) {
        let api = router.group("api")
        api.get("conversations") { request, context in
            let limit = try Self.limit(request, default: 100)
            let owner = try context.requireUser().ownerID
            return try json(ConversationList(conversations: try await runtime.conversations.conversations(limit: limit, owner: owner)))
        }
        api.get("conversations/:id") { _, context in
            let conversation = try await owned(context)
            return try json(ConversationDetail(conversation: conversation,
                                               messages: try await runtime.conversations.messages(in: conversation.id)))
        }
        api.patch("conversations/:id") { request, context in
            let body = try await request.decode(as: Rename.self, context: context)
            return try json(try await runtime.conversations.renameConversation(id: try await owned(context).id, to: body.title))
        }
        api.delete("conversations/:id") { _, context in
            let id = try await owned(context).id
            guard try await runtime.conversations.deleteConversation(id: id) else {
                throw ZhikuError.notFound("conversation \(id) does not exist")
            }
            return Response(status: .noContent)
        }
        api.post("answers/:id/feedback") { request, context in
            let user = try context.requireUser()
            let text = context.parameters.get("id") ?? ""
            // Only the person who asked rates an answer; anyone else's answer is as absent as a missing one.
            guard let id = AuditEntry.ID(text), let entry = try await runtime.conversations.auditEntry(id: id),
                  entry.user == user.auditName else {
                throw ZhikuError.notFound("answer '\(text)' does not exist")
            }
            let body = try await request.decode(as: FeedbackBody.self, context: context)
            if body.rating == nil, body.comment?.isEmpty == false {
                throw ZhikuError.invalidInput("a comment needs a rating: \"up\" or \"down\"")
            }
            let feedback = try body.rating.map { try AnswerFeedback(rating: $0, comment: body.comment).validated() }
            let updated = try await runtime.conversations.setFeedback(feedback, onAnswer: entry.id)
            return try json(FeedbackReply(answerId: updated.id, feedback: updated.feedback))
        }
        api.get("audit") { request, context in
            let parameters = request.uri.queryParameters
            let user = try context.requireUser()
            // Admins read every entry; owners every entry of their knowledge bases; viewers and editors only their
            // own questions (another member's questions and answers are theirs to see, not a colleague's).
            var owned: [KnowledgeBase.ID]?, others: [KnowledgeBase.ID] = []
            if !user.isAdmin {
                let roles = try await runtime.accounts.roles(of: user.id)
                owned = roles.filter { $0.value >= .owner }.map(\.key)
                others = roles.filter { $0.value < .owner }.map(\.key)
            }
            if let name = parameters.get("kb") {
                let kb = try await runtime.access.knowledgeBase(String(name), for: user, needs: .viewer)
                if owned != nil {
                    owned = owned!.contains(kb.id) ? [kb.id] : []
                    others = others.contains(kb.id) ? [kb.id] : []
                } else {
                    owned = [kb.id]
                }
            }
            var since: Date?
            if let text = parameters.get("since") {
                guard let date = ISO8601DateFormatter().date(from: String(text)) else {
                    throw ZhikuError.invalidInput("since must be an ISO 8601 time like 2026-01-31T12:00:00Z, got '\(text)'")
                }
                since = date
            }
            let limit = try Self.limit(request, default: 100)
            let rated = try parameters.get("feedback").map { text in
                guard let rating = AnswerFeedback.Rating(rawValue: String(text)) else {
                    throw ZhikuError.invalidInput("feedback must be 'up' or 'down', got '\(text)'")
                }
                return rating
            }
            var entries = try await runtime.conversations.auditEntries(kbs: owned, askedBy: nil, since: since, rated: rated, limit: limit)
            if !others.isEmpty, let name = user.auditName {
                entries += try await runtime.conversations.auditEntries(kbs: others, askedBy: name, since: since, rated: rated, limit: limit)
                entries = Array(entries.sorted { $0.id > $1.id }.prefix(limit))
            }
            return try json(AuditList(entries: entries))
        }
    }

    /// The conversation of the path, if it is the signed-in user's (404 otherwise, as for one that does not exist).
    private func owned(_ context: ZhikuRequestContext) async throws -> Conversation {
        let id = try Self.id(context)
        guard let conversation = try await runtime.conversations.conversation(id: id),
              conversation.userID == (try context.requireUser().ownerID) else {
            throw ZhikuError.notFound("conversation \(id) does not exist")
        }
        return conversation
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
