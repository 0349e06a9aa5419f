import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MCP
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// `/mcp` with the official Swift SDK's client over real HTTP, signed in with API keys: initialize, the tool list,
/// search (with filters), ask with citations, read_page, the pages as resources — and a knowledge base the key's
/// user holds no role in is invisible here too.
@Suite struct MCPRoutesTests {
    func client(_ server: TestServer, key: String?) async throws -> (Client, Initialize.Result) {
        let transport = HTTPClientTransport(endpoint: URL(string: "http://127.0.0.1:\(server.port)/mcp")!, streaming: false,
                                            requestModifier: { request in
                                                var request = request
                                                if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
                                                return request
                                            })
        let client = Client(name: "zhiku-test", version: "1.0")
        return (client, try await client.connect(transport: transport))
    }

    func text(_ content: [Tool.Content]) -> String {
        content.compactMap { if case .text(let text, _, _) = $0 { text } else { nil } }.joined(separator: "\n")
    }

    @Test func anMCPClientSearchesAsksAndReadsWithTheKeysAccess() async throws {
        let server = try await TestServer(auth: true)
        defer { Task { try? await server.stop() } }
        let runtime = server.runtime
        _ = try await runtime.createFirstAdmin()
        let admin = try #require(try await runtime.accounts.user(named: "admin"))
        let (adminKey, _) = try await runtime.createAPIKey(for: admin, name: "test")
        for name in ["alice", "bob"] {
            #expect(try await server.call(.POST, "/api/users", key: adminKey, ["name": name, "password": "correct horse \(name)"]).status == 201)
        }
        let aliceKey = try await runtime.createAPIKey(for: try #require(try await runtime.accounts.user(named: "alice")), name: "agent").0
        let bobKey = try await runtime.createAPIKey(for: try #require(try await runtime.accounts.user(named: "bob")), name: "agent").0
        // Quoted answers, so the test needs no chat model.
        #expect(try await server.call(.PUT, "/api/settings", key: adminKey, ["answer_mode": "extractive"]).status == 200)
        #expect(try await server.call(.POST, "/api/kbs", key: aliceKey, ["name": "alice-hr"]).status == 201)
        for (name, text) in [("canteen.txt", "The canteen opens at noon and closes at two in the afternoon."),
                             ("年假.txt", "员工年假需提前一周在人事系统中申请，经部门经理批准后生效。")] {
            let reply = try await server.request(.POST, "/api/kbs/alice-hr/files?name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&tag=hr",
                                                 body: Array(text.utf8), headers: [("Authorization", "Bearer \(aliceKey)")])
            let job = try #require(((reply.json["uploads"] as? [[String: Any]])?.first?["job"] as? [String: Any])?["id"] as? Int)
            #expect(try await server.waitForJob(job, headers: [("Authorization", "Bearer \(aliceKey)")])["status"] as? String == "succeeded")
        }

        // Alice's agent.
        let (alice, initialized) = try await client(server, key: aliceKey)
        #expect(initialized.serverInfo.name == "zhiku")
        let tools = try await alice.listTools().tools.map(\.name)
        #expect(Set(tools) == ["list_knowledge_bases", "search", "ask", "read_page"])
        let listed = try await alice.callTool(name: "list_knowledge_bases")
        #expect(text(listed.content).contains("alice-hr") && listed.isError != true)

        let found = try await alice.callTool(name: "search", arguments: ["kb": "alice-hr", "query": "When does the canteen open?", "k": 2])
        #expect(found.isError != true)
        #expect(text(found.content).hasPrefix("[1] canteen.txt · page 1"), "\(text(found.content))")
        let chinese = try await alice.callTool(name: "search", arguments: ["kb": "alice-hr", "query": "年假怎么申请", "k": 1])
        #expect(text(chinese.content).contains("年假.txt"))
        let filtered = try await alice.callTool(name: "search", arguments: [
            "kb": "alice-hr", "query": "canteen", "filters": ["tags": ["finance"]]])
        #expect(text(filtered.content).contains("No file of 'alice-hr' matches the filters"))

        let answered = try await alice.callTool(name: "ask", arguments: ["kb": "alice-hr", "question": "When does the canteen open?"])
        let answer = text(answered.content)
        #expect(answered.isError != true)
        #expect(answer.contains("[1]") && answer.contains("noon") && answer.contains("Sources:\n[1] canteen.txt · page 1"), "\(answer)")

        let page = try await alice.callTool(name: "read_page", arguments: ["kb": "alice-hr", "file": "canteen.txt", "page": 1])
        #expect(text(page.content) == "The canteen opens at noon and closes at two in the afternoon.")
        let noPage = try await alice.callTool(name: "read_page", arguments: ["kb": "alice-hr", "file": "canteen.txt", "page": 9])
        #expect(noPage.isError == true)

        let resources = try await alice.listResources().resources
        #expect(resources.count == 2)
        let canteen = try #require(resources.first { $0.name == "canteen.txt · page 1" })
        #expect(try await alice.readResource(uri: canteen.uri).first?.text == "The canteen opens at noon and closes at two in the afternoon.")

        // Bob's agent: alice-hr does not exist for him, in every tool and resource.
        let (bob, _) = try await client(server, key: bobKey)
        #expect(!text(try await bob.callTool(name: "list_knowledge_bases").content).contains("alice-hr"))
        for (tool, arguments) in [("search", ["kb": "alice-hr", "query": "canteen"]), ("ask", ["kb": "alice-hr", "question": "canteen?"]),
                                  ("read_page", ["kb": "alice-hr", "file": "canteen.txt", "page": 1])] as [(String, [String: Value])] {
            let refused = try await bob.callTool(name: tool, arguments: arguments)
            #expect(refused.isError == true, "\(tool)")
            #expect(text(refused.content).contains("does not exist"), "\(tool): \(text(refused.content))")
        }
        #expect(try await bob.listResources().resources.isEmpty)
        await #expect(throws: (any Error).self) { _ = try await bob.readResource(uri: canteen.uri) }

        // No key: the endpoint is closed like the rest of the API.
        let anonymous = try await server.request(.POST, "/mcp", body: Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8),
                                                 headers: [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")])
        #expect(anonymous.status == 401)
        // The audit log records the agent's question on the mcp channel.
        let audit = try await server.call(.GET, "/api/audit", key: aliceKey).json["entries"] as? [[String: Any]] ?? []
        #expect(audit.first?["channel"] as? String == "mcp")
    }
}
