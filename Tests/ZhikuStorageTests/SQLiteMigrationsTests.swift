import Foundation
import GRDB
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuStorage

/// Migrations applied to a database that already holds data, as on a user's upgrade.
@Suite struct SQLiteMigrationsTests {
    /// v10 rebuilds `knowledge_bases` (names unique per owner): the rows, their files and chunks survive, each
    /// knowledge base belongs to its first owner member, and two owners may then share a name.
    @Test func knowledgeBaseOwnersMigrationKeepsEverything() async throws {
        let folder = TemporaryFolder()
        let path = folder.url.appendingPathComponent("old.sqlite").path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteMigrations.legacy.migrate(pool, upTo: "v9-session-idle")
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO knowledge_bases (id, name, description, created_at, embedding_model) VALUES
                        (1, 'hr', 'people', 1, 'multilingual-e5-small'), (2, 'legal', '', 2, NULL);
                    INSERT INTO users (id, name, role, password_hash, created_at) VALUES (5, 'ana', 'member', 'x', 1);
                    INSERT INTO kb_members (kb_id, user_id, role) VALUES (1, 5, 'owner');
                    INSERT INTO files (id, kb_id, name, sha256, media_type, size, status, created_at, updated_at)
                        VALUES (1, 1, 'a.txt', 'aa', 'text/plain', 3, 'indexed', 1, 1);
                    """)
            }
            try pool.close()
        }
        let database = try SQLiteDatabase(path: path)
        let store = SQLiteStore(database: database)
        let kbs = try await store.knowledgeBases()
        #expect(kbs.map(\.name) == ["hr", "legal"])
        #expect(kbs.map(\.ownerID) == [5, nil], "the first owner member owns it")
        #expect(kbs.first?.embeddingModel == "multilingual-e5-small" && kbs.first?.description == "people")
        #expect(try await store.files(in: 1).map(\.name) == ["a.txt"], "files kept their knowledge base")
        let fresh = try await store.createKnowledgeBase(name: "hr", description: "", embeddingModel: nil, owner: 6)
        #expect(fresh.id == 3 && fresh.ownerID == 6)
        // Foreign keys still point at the rebuilt table: deleting a knowledge base takes its files along.
        _ = try await store.deleteKnowledgeBase(id: 1)
        #expect(try await store.file(id: 1) == nil)
    }

    /// v11 names the audit log's asker column `user_name`, as in PostgreSQL: entries written before keep their asker
    /// and are still found by it.
    @Test func auditLogKeepsItsAskersAcrossTheRename() async throws {
        let folder = TemporaryFolder()
        let path = folder.url.appendingPathComponent("old.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteMigrations.legacy.migrate(pool, upTo: "v10-kb-owners")
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO audit_log (at, user, kb_id, kb_name, channel, question, retrieved, answer, model, finish_reason, latency_ms)
                        VALUES (5, 'ana', NULL, NULL, 'api', 'Q?', '[]', 'A.', 'm', 'not_found', 12);
                    """)
            }
            try pool.close()
        }
        let conversations = SQLiteConversationStore(database: try SQLiteDatabase(path: path))
        let entries = try await conversations.auditEntries(kbs: nil, askedBy: "ana", since: nil, limit: 10)
        #expect(entries.map(\.user) == ["ana"])
        #expect(entries.first?.finishReason == .notFound && entries.first?.channel == .api)
        #expect(try await conversations.auditEntries(kbs: nil, askedBy: "bo", since: nil, limit: 10).isEmpty)
    }
}
