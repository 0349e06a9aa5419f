import Foundation
import Logging
import PostgresNIO
import ZhikuCore

/// ``ConversationStore`` on PostgreSQL (tables `conversations`, `messages`, `audit_log`), the same behaviour as
/// ``SQLiteConversationStore``.
public struct PostgresConversationStore: ConversationStore {
    public let database: PostgreSQLDatabase
    private var logger: Logger { database.logger }

    public init(database: PostgreSQLDatabase) {
        self.database = database
    }

    @discardableResult
    public func record(_ exchange: ChatExchange) async throws -> RecordedExchange {
        let time = Date().timeIntervalSince1970, logger = self.logger
        let citations = try JSONColumn.text(exchange.citations)
        let stats = try JSONColumn.text(exchange.stats)
        let retrieved = try JSONColumn.text(exchange.retrieved)
        return try await database.transaction("recording an answer") { connection in
            var conversationID: Conversation.ID?
            switch exchange.target {
            case .none:
                break
            case .newConversation:
                conversationID = try await Self.insertConversation(connection, question: exchange.question, kb: exchange.kb,
                                                                   owner: exchange.ownerID, time: time, logger: logger)
            case .conversation(let id):
                guard try await !connection.rows("UPDATE conversations SET updated_at = \(time) WHERE id = \(id) RETURNING id",
                                                 logger: logger).isEmpty else {
                    throw ZhikuError.notFound("conversation \(id) does not exist")
                }
                conversationID = id
            }
            // The audit entry first: the answer's message points at it.
            let auditID: AuditEntry.ID = try await connection.rows("""
                INSERT INTO audit_log (at, user_name, kb_id, kb_name, conversation_id, channel, question, retrieved, answer,
                                       model, finish_reason, latency_ms, citations)
                VALUES (\(time), \(exchange.user), \(exchange.kb?.id), \(exchange.kb?.name), \(conversationID), \(exchange.channel.rawValue),
                        \(exchange.question), \(retrieved), \(exchange.answer), \(exchange.stats.model),
                        \(exchange.stats.finishReason.rawValue), \(exchange.stats.totalMs), \(citations))
                RETURNING id
                """, logger: logger)[0]["id"]
            var messageID: ConversationMessage.ID?
            if let conversationID {
                if exchange.replacesLastTurn {
                    try await connection.execute("""
                        DELETE FROM messages WHERE conversation_id = \(conversationID) AND id >= (
                            SELECT MAX(id) FROM messages WHERE conversation_id = \(conversationID) AND role = 'user')
                        """, logger: logger)
                }
                try await connection.execute("""
                    INSERT INTO messages (conversation_id, role, content, created_at) VALUES (\(conversationID), 'user', \(exchange.question), \(time))
                    """, logger: logger)
                messageID = try await connection.rows("""
                    INSERT INTO messages (conversation_id, role, content, citations, stats, created_at, audit_id)
                    VALUES (\(conversationID), 'assistant', \(exchange.answer), \(citations), \(stats), \(time), \(auditID))
                    RETURNING id
                    """, logger: logger)[0]["id"]
            }
            guard let conversationID else { return RecordedExchange(auditID: auditID, conversation: nil, messageID: nil) }
            let conversation = try await connection.rows(Self.conversationQuery(id: conversationID), logger: logger).first.map(RowMapping.conversation)
            return RecordedExchange(auditID: auditID, conversation: conversation, messageID: messageID)
        }
    }

    public func conversations(limit: Int, owner: User.ID?) async throws -> [Conversation] {
        try await database.rows("listing conversations", """
            SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
            FROM conversations c WHERE c.user_id IS NOT DISTINCT FROM \(owner)
            ORDER BY c.updated_at DESC, c.id DESC LIMIT \(max(0, limit))
            """).map(RowMapping.conversation)
    }

    public func startConversation(question: String, kb: KnowledgeBase?, owner: User.ID?) async throws -> Conversation {
        let time = Date().timeIntervalSince1970
        let logger = self.logger
        let id = try await database.transaction("starting a conversation") { connection in
            try await Self.insertConversation(connection, question: question, kb: kb, owner: owner, time: time, logger: logger)
        }
        guard let conversation = try await conversation(id: id) else {
            throw ZhikuError(.storageFailed, "conversation \(id) vanished as it was started")
        }
        return conversation
    }

    /// A new, empty conversation titled from `question`; its id.
    private static func insertConversation(_ connection: PostgresConnection, question: String, kb: KnowledgeBase?,
                                           owner: User.ID?, time: Double, logger: Logger) async throws -> Conversation.ID {
        let rows = try await connection.rows("""
            INSERT INTO conversations (title, kb_id, user_id, created_at, updated_at)
            VALUES (\(Conversation.title(for: question)), \(kb?.id), \(owner), \(time), \(time))
            RETURNING id
            """, logger: logger)
        return try rows[0]["id"]
    }

    public func conversation(id: Conversation.ID) async throws -> Conversation? {
        try await database.rows("reading conversation \(id)", Self.conversationQuery(id: id)).first.map(RowMapping.conversation)
    }

    public func messages(in conversation: Conversation.ID) async throws -> [ConversationMessage] {
        try await database.rows("reading the messages of conversation \(conversation)", """
            \(unescaped: RowMapping.messageQuery) WHERE m.conversation_id = \(conversation) ORDER BY m.id
            """).map(RowMapping.message)
    }

    public func renameConversation(id: Conversation.ID, to title: String) async throws -> Conversation {
        let title = try Conversation.validatedTitle(title)
        guard try await !database.rows("renaming conversation \(id)", "UPDATE conversations SET title = \(title) WHERE id = \(id) RETURNING id").isEmpty,
              let conversation = try await conversation(id: id) else {
            throw ZhikuError.notFound("conversation \(id) does not exist")
        }
        return conversation
    }

    public func deleteConversation(id: Conversation.ID) async throws -> Bool {
        try await !database.rows("deleting conversation \(id)", "DELETE FROM conversations WHERE id = \(id) RETURNING id").isEmpty
    }

    public func auditEntries(kbs: [KnowledgeBase.ID]?, askedBy: String?, since: Date?, rated: AnswerFeedback.Rating?,
                             limit: Int) async throws -> [AuditEntry] {
        let everyBase = kbs == nil
        let since = since?.timeIntervalSince1970, rating = rated?.rawValue
        return try await database.rows("reading the audit log", """
            SELECT * FROM audit_log
            WHERE (\(everyBase) OR kb_id = ANY(\(kbs ?? [])::bigint[])) AND (\(since)::float8 IS NULL OR at > \(since)::float8)
              AND (\(askedBy)::text IS NULL OR user_name = \(askedBy)) AND (\(rating)::text IS NULL OR feedback = \(rating))
            ORDER BY id DESC LIMIT \(max(0, limit))
            """).map(RowMapping.auditEntry)
    }

    public func auditEntry(id: AuditEntry.ID) async throws -> AuditEntry? {
        try await database.rows("reading audit entry \(id)", "SELECT * FROM audit_log WHERE id = \(id)").first.map(RowMapping.auditEntry)
    }

    public func setFeedback(_ feedback: AnswerFeedback?, onAnswer id: AuditEntry.ID) async throws -> AuditEntry {
        let at = feedback?.at.timeIntervalSince1970
        guard let row = try await database.rows("recording feedback on answer \(id)", """
            UPDATE audit_log SET feedback = \(feedback?.rating.rawValue), feedback_comment = \(feedback?.comment), feedback_at = \(at)
            WHERE id = \(id) RETURNING *
            """).first else { throw ZhikuError.notFound("answer \(id) does not exist") }
        return try RowMapping.auditEntry(row)
    }

    private static func conversationQuery(id: Conversation.ID) -> PostgresQuery {
        """
        SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
        FROM conversations c WHERE c.id = \(id)
        """
    }
}
