import Foundation
import Testing
import ZhikuCore
import ZhikuStorage
import ZhikuTestSupport

/// The behaviour every ``ConversationStore`` backend must show (SQLite and PostgreSQL run the same tests).
@Suite struct ConversationStoreConformanceTests {
    func exchange(_ question: String, _ answer: String, target: ChatExchange.Target, kb: KnowledgeBase?,
                  finish: FinishReason = .stop) -> ChatExchange {
        let chunk = Chunk(id: 7, fileID: 3, knowledgeBaseID: kb?.id ?? 0, ordinal: 0, page: 2, start: 0, end: 10, text: "0123456789")
        let hit = SearchHit(chunk: chunk, fileName: "handbook.pdf", score: 0.5, vectorScore: 0.9)
        let stats = AnswerStats(model: "m", promptTokens: 100, completionTokens: 20, finishReason: finish, retrievalMs: 3,
                                firstTokenMs: 40, totalMs: 900)
        return ChatExchange(target: target, kb: kb, channel: .api, question: question, answer: answer,
                            citations: [Citation(n: 1, hit: hit)], retrieved: [AuditEntry.RetrievedChunk(hit)], stats: stats)
    }

    @Test(arguments: StoreBackend.allCases) func turnsAreStoredReadRenamedAndDeleted(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store, conversations = s.conversations

        let kb = try await store.createKnowledgeBase(name: "hr", description: "")
        let created = try #require(try await conversations.record(exchange("How early must leave be requested?\nThanks",
                                                                            "One week [1].", target: .newConversation, kb: kb)).conversation)
        #expect(created.title == "How early must leave be requested?")
        #expect(created.kbID == kb.id)
        #expect(created.messageCount == 2)
        let continued = try await conversations.record(exchange("And sick leave?", "A doctor's note [1].",
                                                                target: .conversation(created.id), kb: kb)).conversation
        #expect(continued?.id == created.id)
        #expect(continued?.messageCount == 4)

        let messages = try await conversations.messages(in: created.id)
        #expect(messages.map(\.role) == [.user, .assistant, .user, .assistant])
        #expect(messages.map(\.content) == ["How early must leave be requested?\nThanks", "One week [1].",
                                            "And sick leave?", "A doctor's note [1]."])
        #expect(messages[1].citations.first?.fileName == "handbook.pdf")
        #expect(messages[1].citations.first?.page == 2)
        #expect(messages[1].stats?.completionTokens == 20)
        #expect(messages[0].stats == nil)

        let renamed = try await conversations.renameConversation(id: created.id, to: "  Leave  ")
        #expect(renamed.title == "Leave")
        await #expect(throws: ZhikuError.self) { _ = try await conversations.renameConversation(id: created.id, to: " ") }
        await #expect(throws: ZhikuError.self) { _ = try await conversations.renameConversation(id: 999, to: "x") }

        _ = try await conversations.record(exchange("Plain", "Hi", target: .newConversation, kb: nil))
        #expect(try await conversations.conversations(limit: 10).map(\.title) == ["Plain", "Leave"])
        #expect(try await conversations.conversations(limit: 1).count == 1)

        #expect(try await conversations.deleteConversation(id: created.id))
        #expect(!(try await conversations.deleteConversation(id: created.id)))
        #expect(try await conversations.messages(in: created.id).isEmpty)
        #expect(try await conversations.conversation(id: created.id) == nil)
        // The audit log outlives the conversation.
        #expect(try await conversations.auditEntries(kb: kb.id, since: nil, limit: 10).count == 2)
    }

    @Test(arguments: StoreBackend.allCases) func aRegeneratedAnswerReplacesTheLastTurn(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store, conversations = s.conversations

        let kb = try await store.createKnowledgeBase(name: "hr", description: "")
        let created = try #require(try await conversations.record(exchange("Q1", "A1", target: .newConversation, kb: kb)).conversation)
        _ = try await conversations.record(exchange("Q2", "A2", target: .conversation(created.id), kb: kb))
        var again = exchange("Q2", "A2 again", target: .conversation(created.id), kb: kb)
        again.replacesLastTurn = true
        #expect(try await conversations.record(again).conversation?.messageCount == 4)
        #expect(try await conversations.messages(in: created.id).map(\.content) == ["Q1", "A1", "Q2", "A2 again"])
        // Both answers stay in the audit log.
        #expect(try await conversations.auditEntries(kb: kb.id, since: nil, limit: 10).count == 3)
    }

    @Test(arguments: StoreBackend.allCases) func aTurnForAMissingConversationStoresNothing(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store, conversations = s.conversations

        await #expect(throws: ZhikuError.self) {
            try await conversations.record(exchange("q", "a", target: .conversation(42), kb: nil))
        }
        #expect(try await conversations.auditEntries(kb: nil, since: nil, limit: 10).isEmpty)
        #expect(try await conversations.conversations(limit: 10).isEmpty)
    }

    @Test(arguments: StoreBackend.allCases) func auditLogIsQueryableAndKeepsDeletedKnowledgeBaseNames(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let store = s.store, conversations = s.conversations

        let hr = try await store.createKnowledgeBase(name: "hr", description: "")
        let law = try await store.createKnowledgeBase(name: "law", description: "")
        let before = Date()
        try await conversations.record(exchange("q1", "a1", target: .none, kb: hr))
        try await conversations.record(exchange("q2", "", target: .none, kb: law, finish: .notFound))
        try await conversations.record(exchange("q3", "a3", target: .newConversation, kb: hr))
        #expect(try await conversations.conversations(limit: 10).count == 1, "audit-only exchanges make no conversation")

        let all = try await conversations.auditEntries(kb: nil, since: nil, limit: 10)
        #expect(all.map(\.question) == ["q3", "q2", "q1"])
        #expect(all[1].finishReason == .notFound)
        #expect(all[0].conversationID != nil)
        #expect(all[2].conversationID == nil)
        #expect(all[2].retrieved == [AuditEntry.RetrievedChunk(
            SearchHit(chunk: Chunk(id: 7, fileID: 3, knowledgeBaseID: hr.id, ordinal: 0, page: 2, start: 0, end: 10, text: ""),
                      fileName: "", score: 0.5, vectorScore: 0.9))])
        #expect(all[2].model == "m")
        #expect(all[2].latencyMs == 900)
        #expect(try await conversations.auditEntries(kb: hr.id, since: nil, limit: 10).map(\.question) == ["q3", "q1"])
        #expect(try await conversations.auditEntries(kb: nil, since: before.addingTimeInterval(-60), limit: 2).count == 2)
        #expect(try await conversations.auditEntries(kb: nil, since: Date().addingTimeInterval(60), limit: 10).isEmpty)
        #expect(try await conversations.auditEntries(kbs: [hr.id, law.id], askedBy: nil, since: nil, limit: 10).count == 3)
        #expect(try await conversations.auditEntries(kbs: [], askedBy: nil, since: nil, limit: 10).isEmpty, "no knowledge base, no entries")
        #expect(try await conversations.auditEntries(kbs: nil, askedBy: "ana", since: nil, limit: 10).isEmpty, "nobody named asked")

        _ = try await store.deleteKnowledgeBase(id: law.id)
        let kept = try await conversations.auditEntries(kb: law.id, since: nil, limit: 10)
        #expect(kept.map(\.kbName) == ["law"])
    }

    /// A conversation started before its first answer: titled from the question, empty, then the answer recorded
    /// into it like any turn.
    @Test(arguments: StoreBackend.allCases)
    func aStartedConversationTakesItsFirstAnswer(_ backend: StoreBackend) async throws {
        guard let stores = try await backend.make() else { return }
        defer { stores.close() }
        let conversations = stores.conversations
        let kb = try await stores.store.createKnowledgeBase(name: "hr", description: "", embeddingModel: nil)
        let started = try await conversations.startConversation(question: "How early must leave be requested?\nThanks",
                                                                kb: kb, owner: nil)
        #expect(started.title == "How early must leave be requested?" && started.messageCount == 0 && started.kbID == kb.id)
        #expect(try await conversations.conversations(limit: 10).map(\.id) == [started.id])
        let recorded = try await conversations.record(exchange("How early must leave be requested?\nThanks", "One week [1].",
                                                               target: .conversation(started.id), kb: kb)).conversation
        #expect(recorded?.id == started.id && recorded?.messageCount == 2)
    }

    /// 👍/👎 with a comment on an answer: kept on its audit entry, shown with its conversation message, filterable,
    /// changeable and removable; feedback on an answer that does not exist is `.notFound`.
    @Test(arguments: StoreBackend.allCases)
    func feedbackIsKeptWithTheAnswerAndItsMessage(_ backend: StoreBackend) async throws {
        guard let s = try await backend.make() else { return }
        defer { s.close() }
        let conversations = s.conversations
        let kb = try await s.store.createKnowledgeBase(name: "hr", description: "")
        let first = try await conversations.record(exchange("Q1", "A1 [1]", target: .newConversation, kb: kb))
        let conversation = try #require(first.conversation)
        let second = try await conversations.record(exchange("Q2", "A2", target: .conversation(conversation.id), kb: kb))
        let loose = try await conversations.record(exchange("Q3", "A3", target: .none, kb: kb))
        #expect(loose.messageID == nil && loose.conversation == nil)
        #expect(Set([first.auditID, second.auditID, loose.auditID]).count == 3)

        let up = try await conversations.setFeedback(AnswerFeedback(rating: .up, comment: "  exact page  "), onAnswer: first.auditID)
        #expect(up.feedback?.rating == .up && up.feedback?.comment == "exact page")
        #expect(up.citations.first?.fileName == "handbook.pdf", "the entry keeps the sources the answer was given")
        _ = try await conversations.setFeedback(AnswerFeedback(rating: .down), onAnswer: loose.auditID)

        let messages = try await conversations.messages(in: conversation.id)
        #expect(messages[1].id == first.messageID && messages[1].auditID == first.auditID)
        #expect(messages[1].feedback?.rating == .up && messages[1].feedback?.comment == "exact page")
        #expect(messages[3].auditID == second.auditID && messages[3].feedback == nil)
        #expect(messages[0].auditID == nil)

        #expect(try await conversations.auditEntries(kbs: nil, askedBy: nil, since: nil, rated: .up, limit: 10).map(\.question) == ["Q1"])
        #expect(try await conversations.auditEntries(kbs: nil, askedBy: nil, since: nil, rated: .down, limit: 10).map(\.question) == ["Q3"])
        // Changed, then removed.
        _ = try await conversations.setFeedback(AnswerFeedback(rating: .down, comment: "wrong year"), onAnswer: first.auditID)
        #expect(try await conversations.auditEntry(id: first.auditID)?.feedback?.comment == "wrong year")
        let cleared = try await conversations.setFeedback(nil, onAnswer: first.auditID)
        #expect(cleared.feedback == nil)
        #expect(try await conversations.messages(in: conversation.id)[1].feedback == nil)
        await #expect(throws: ZhikuError.self) { _ = try await conversations.setFeedback(AnswerFeedback(rating: .up), onAnswer: 99_999) }
        #expect(try await conversations.auditEntry(id: 99_999) == nil)
    }
}
