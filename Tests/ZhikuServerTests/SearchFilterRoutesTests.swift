import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport

/// Tags and filters over real HTTP: tagging at upload and afterwards, filtered search, filtered answers (the web
/// API's and the OpenAI-compatible one's), and bad filters refused with a 400.
@Suite struct SearchFilterRoutesTests {
    @Test func tagsAndFiltersOverHTTP() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let kb = try await server.json(.POST, "/api/kbs", ["name": "policies"]).json["id"] as! Int
        let documents = [("travel.txt", "财务", "Travel policy: hotel receipts must be filed within thirty days."),
                         ("meals.txt", "财务", "Meal receipts above fifty yuan must be kept for the audit."),
                         ("security.txt", "it", "Passwords must be rotated every ninety days.")]
        var ids: [String: Int] = [:]
        for (name, tag) in documents.map({ ($0.0, $0.1) }) {
            let text = documents.first { $0.0 == name }!.2
            let tagParameter = tag.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let reply = try await server.request(.POST, "/api/kbs/\(kb)/files?name=\(name)&tag=\(tagParameter)&tag=2024",
                                                 body: Array(text.utf8))
            let upload = (reply.json["uploads"] as! [[String: Any]])[0]
            #expect((upload["file"] as? [String: Any])?["tags"] as? [String] == [tag, "2024"])
            ids[name] = (upload["file"] as! [String: Any])["id"] as? Int
            let done = try await server.waitForJob((upload["job"] as! [String: Any])["id"] as! Int)
            #expect(done["status"] as? String == "succeeded")
        }

        // Tags are replaced with PUT and shown with the file.
        let tagged = try await server.json(.PUT, "/api/kbs/\(kb)/files/\(ids["meals.txt"]!)/tags", ["tags": ["财务", " Meals ", "meals"]])
        #expect(tagged.status == 200)
        #expect(tagged.json["tags"] as? [String] == ["财务", "Meals"])
        #expect(try await server.request(.GET, "/api/kbs/\(kb)/files/\(ids["meals.txt"]!)").json["tags"] as? [String] == ["财务", "Meals"])
        #expect(try await server.json(.PUT, "/api/kbs/\(kb)/files/\(ids["meals.txt"]!)/tags", ["tags": ["a\u{1}"]]).status == 400)
        #expect(try await server.json(.PUT, "/api/kbs/\(kb)/files/999/tags", ["tags": ["x"]]).status == 404)

        func search(_ parameters: String) async throws -> (names: [String], filtered: Int?, status: Int) {
            let reply = try await server.request(.GET, "/api/kbs/\(kb)/search?q=receipts&k=1" + parameters)
            let names = (reply.json["hits"] as? [[String: Any]] ?? []).compactMap { $0["file_name"] as? String }
            return (names, reply.json["filtered_files"] as? Int, reply.status)
        }
        let unfiltered = try await search("")
        #expect(unfiltered.names == ["travel.txt"] && unfiltered.filtered == nil)
        let meals = try await search("&tag=meals")
        #expect(meals.names == ["meals.txt"] && meals.filtered == 1)
        let byID = try await search("&file_id=\(ids["meals.txt"]!),\(ids["security.txt"]!)&mode=keyword")
        #expect(byID.names == ["meals.txt"] && byID.filtered == 2)
        let chinese = try await search("&tag=%E8%B4%A2%E5%8A%A1&path=meal")  // tag=财务
        #expect(chinese.names == ["meals.txt"] && chinese.filtered == 1)
        let nothing = try await search("&tag=it&tag=2023")
        #expect(nothing.names.isEmpty && nothing.filtered == 0 && nothing.status == 200)
        #expect(try await search("&after=yesterday").status == 400)
        #expect(try await search("&file_id=abc").status == 400)
        #expect(try await search("&after=2025-01-01&before=2024-01-01").status == 400)

        // Answers: the filter reaches retrieval; one matching no file says so.
        let answer = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "policies", "question": "Which receipts must be kept?", "mode": "extractive", "store": false,
            "filters": ["tags": ["meals"]]]).body)
        let cited = (answer.first { $0.name == "citations" }?.data["citations"] as? [[String: Any]] ?? []).compactMap { $0["file_name"] as? String }
        #expect(cited == ["meals.txt"])
        let refused = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "policies", "question": "报销需要保留哪些发票？", "mode": "extractive", "store": false,
            "filters": ["media_types": ["pdf"]]]).body)
        #expect(refused.first { $0.name == "token" }?.data["text"] as? String == "知识库中没有符合筛选条件的文件，所以没有可以依据的资料。")
        #expect(refused.last?.data["not_found"] as? Bool == true)
        #expect(try await server.json(.POST, "/api/chat", [
            "kb": "policies", "question": "x", "mode": "extractive", "filters": ["before": "soon"]]).status == 400)
    }
}
