import Foundation
import GRDB
import ZhikuCore

/// ``ConversationStore`` on the embedded SQLite database (tables `conversations`, `messages`, `audit_log`).
public struct SQLiteConversationStore: ConversationStore {
    private let pool: DatabasePool

    public init(database: SQLiteDatabase) {
        pool = database.pool
    }

    @discardableResult
    public func record(_ exchange: ChatExchange) async throws -> RecordedExchange {
        let time = Date().timeIntervalSince1970
        let citations = try JSONColumn.text(exchange.citations)
        let stats = try JSONColumn.text(exchange.stats)
        let retrieved = try JSONColumn.text(exchange.retrieved)
        return try await pool.writing("recording an answer") { db in
            var conversationID: Conversation.ID?
            switch exchange.target {
            case .none:
                break
            case .newConversation:
                conversationID = try Self.insertConversation(db, question: exchange.question, kb: exchange.kb,
                                                             owner: exchange.ownerID, time: time)
            case .conversation(let id):
                try db.execute(literal: "UPDATE conversations SET updated_at = \(time) WHERE id = \(id)")
                guard db.changesCount > 0 else { throw ZhikuError.notFound("conversation \(id) does not exist") }
                conversationID = id
            }
            // The audit entry first: the answer's message points at it.
            try db.execute(literal: """
                INSERT INTO audit_log (at, user_name, kb_id, kb_name, conversation_id, channel, question, retrieved, answer,
                                       model, finish_reason, latency_ms, citations)
                VALUES (\(time), \(exchange.user), \(exchange.kb?.id), \(exchange.kb?.name), \(conversationID), \(exchange.channel.rawValue), \(exchange.question), \(retrieved), \(exchange.answer), \(exchange.stats.model), \(exchange.stats.finishReason.rawValue), \(exchange.stats.totalMs), \(citations))
                """)
            let auditID = db.lastInsertedRowID
            var messageID: ConversationMessage.ID?
            if let conversationID {
                if exchange.replacesLastTurn {
                    try db.execute(literal: """
                        DELETE FROM messages WHERE conversation_id = \(conversationID) AND id >= (
                            SELECT MAX(id) FROM messages WHERE conversation_id = \(conversationID) AND role = 'user')
                        """)
                }
                try db.execute(literal: """
                    INSERT INTO messages (conversation_id, role, content, created_at) VALUES (\(conversationID), 'user', \(exchange.question), \(time))
                    """)
                try db.execute(literal: """
                    INSERT INTO messages (conversation_id, role, content, citations, stats, created_at, audit_id)
                    VALUES (\(conversationID), 'assistant', \(exchange.answer), \(citations), \(stats), \(time), \(auditID))
                    """)
                messageID = db.lastInsertedRowID
            }
            return RecordedExchange(auditID: auditID, conversation: try conversationID.flatMap { try Self.conversation(db, id: $0) },
                                    messageID: messageID)
        }
    }

    public func startConversation(question: String, kb: KnowledgeBase?, owner: User.ID?) async throws -> Conversation {
        let time = Date().timeIntervalSince1970
        return try await pool.writing("starting a conversation") { db in
            try Self.conversation(db, id: Self.insertConversation(db, question: question, kb: kb, owner: owner, time: time))!
        }
    }

    /// A new, empty conversation titled from `question`; its id.
    private static func insertConversation(_ db: Database, question: String, kb: KnowledgeBase?, owner: User.ID?,
                                           time: Double) throws -> Conversation.ID {
        try db.execute(literal: """
            INSERT INTO conversations (title, kb_id, user_id, created_at, updated_at) VALUES (\(Conversation.title(for: question)), \(kb?.id), \(owner), \(time), \(time))
            """)
        return db.lastInsertedRowID
    }

    public func conversations(limit: Int, owner: User.ID?) async throws -> [Conversation] {
        try await pool.reading("listing conversations") { db in
            try Row.fetchAll(db, SQLRequest(literal: Self.conversationQuery
                    + " WHERE c.user_id IS \(owner) ORDER BY c.updated_at DESC, c.id DESC LIMIT \(max(0, limit))"))
                .map(RowMapping.conversation)
        }
    }

    public func conversation(id: Conversation.ID) async throws -> Conversation? {
        try await pool.reading("reading conversation \(id)") { db in try Self.conversation(db, id: id) }
    }

    public func messages(in conversation: Conversation.ID) async throws -> [ConversationMessage] {
        try await pool.reading("reading the messages of conversation \(conversation)") { db in
            try Row.fetchAll(db, SQLRequest(literal: SQL(sql: RowMapping.messageQuery) + " WHERE m.conversation_id = \(conversation) ORDER BY m.id"))
                .map(RowMapping.message)
        }
    }

    public func renameConversation(id: Conversation.ID, to title: String) async throws -> Conversation {
        let title = try Conversation.validatedTitle(title)
        return try await pool.writing("renaming conversation \(id)") { db in
            try db.execute(literal: "UPDATE conversations SET title = \(title) WHERE id = \(id)")
            guard db.changesCount > 0, let c = try Self.conversation(db, id: id) else {
                throw ZhikuError.notFound("conversation \(id) does not exist")
            }
            return c
        }
    }

    public func deleteConversation(id: Conversation.ID) async throws -> Bool {
        try await pool.writing("deleting conversation \(id)") { db in
            try db.execute(literal: "DELETE FROM conversations WHERE id = \(id)")
            return db.changesCount > 0
        }
    }

    public func auditEntries(kbs: [KnowledgeBase.ID]?, askedBy: String?, since: Date?, rated: AnswerFeedback.Rating?,
                             limit: Int) async throws -> [AuditEntry] {
        try await pool.reading("reading the audit log") { db in
            var sql: SQL = "SELECT * FROM audit_log WHERE 1 = 1"
            if let kbs { sql += " AND kb_id IN \(kbs)" }
            if let askedBy { sql += " AND user_name = \(askedBy)" }
            if let since { sql += " AND at > \(since.timeIntervalSince1970)" }
            if let rated { sql += " AND feedback = \(rated.rawValue)" }
            sql += " ORDER BY id DESC LIMIT \(max(0, limit))"
            return try Row.fetchAll(db, SQLRequest(literal: sql)).map(RowMapping.auditEntry)
        }
    }

    public func auditEntry(id: AuditEntry.ID) async throws -> AuditEntry? {
        try await pool.reading("reading audit entry \(id)") { db in
            try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM audit_log WHERE id = \(id)")).map(RowMapping.auditEntry)
        }
    }

    public func setFeedback(_ feedback: AnswerFeedback?, onAnswer id: AuditEntry.ID) async throws -> AuditEntry {
        try await pool.writing("recording feedback on answer \(id)") { db in
            try db.execute(literal: """
                UPDATE audit_log SET feedback = \(feedback?.rating.rawValue), feedback_comment = \(feedback?.comment),
                                     feedback_at = \(feedback?.at.timeIntervalSince1970) WHERE id = \(id)
                """)
            guard db.changesCount > 0, let row = try Row.fetchOne(db, SQLRequest(literal: "SELECT * FROM audit_log WHERE id = \(id)")) else {
                throw ZhikuError.notFound("answer \(id) does not exist")
            }
            return try RowMapping.auditEntry(row)
        }
    }

    private static let conversationQuery: SQL = """
        SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
        FROM conversations c
        """

    private static func conversation(_ db: Database, id: Conversation.ID) throws -> Conversation? {
        try Row.fetchOne(db, SQLRequest(literal: conversationQuery + " WHERE c.id = \(id)")).map(RowMapping.conversation)
    }
}
