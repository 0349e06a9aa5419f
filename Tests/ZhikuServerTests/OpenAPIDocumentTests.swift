import Foundation
import Hummingbird
import Logging
import Testing
import ZhikuCore
import ZhikuEngine
import ZhikuTestSupport
@testable import ZhikuServer

/// `/openapi.json` describes the whole API: every registered route is in it and everything in it is a route, its
/// references resolve, and real responses of a working server carry no field (and no type) their schema lacks.
@Suite struct OpenAPIDocumentTests {
    // MARK: - Checking a value against a schema

    /// Where `value` departs from `schema`: fields the schema does not have, and values of another type.
    static func departures(_ value: Any, _ schema: [String: Any], _ components: [String: Any], at path: String = "$") -> [String] {
        if let ref = schema["$ref"] as? String {
            guard let target = components[String(ref.split(separator: "/").last ?? "")] as? [String: Any] else { return ["\(path): unresolved \(ref)"] }
            return departures(value, target, components, at: path)
        }
        if let options = schema["oneOf"] as? [[String: Any]] {
            let tries = options.map { departures(value, $0, components, at: path) }
            return tries.contains { $0.isEmpty } ? [] : tries.min { $0.count < $1.count } ?? []
        }
        let types: [String] = (schema["type"] as? [String]) ?? ((schema["type"] as? String).map { [$0] } ?? [])
        if types.isEmpty { return [] }  // any value
        let actual: String
        switch value {
        case is NSNull: actual = "null"
        case let number as NSNumber where ["c", "B"].contains(String(cString: number.objCType)): actual = "boolean"
        case let number as NSNumber: actual = number.doubleValue.rounded() == number.doubleValue ? "integer" : "number"
        case is String: actual = "string"
        case is [Any]: actual = "array"
        case is [String: Any]: actual = "object"
        default: actual = "unknown"
        }
        let fits = types.contains(actual) || (actual == "integer" && types.contains("number"))
        guard fits else { return ["\(path): \(actual) where the schema says \(types.joined(separator: " | "))"] }
        if let object = value as? [String: Any] {
            let properties = schema["properties"] as? [String: Any] ?? [:]
            let extra = schema["additionalProperties"] as? [String: Any]
            var found: [String] = []
            for (key, item) in object {
                if let property = properties[key] as? [String: Any] {
                    found += departures(item, property, components, at: "\(path).\(key)")
                } else if let extra {
                    found += departures(item, extra, components, at: "\(path).\(key)")
                } else {
                    found.append("\(path).\(key): not in the schema")
                }
            }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { found.append("\(path).\(key): required but absent") }
            return found
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            return array.enumerated().flatMap { departures($1, items, components, at: "\(path)[\($0)]") }
        }
        return []
    }

    /// The checker itself: an extra field, a wrong type and a missing required field are each caught.
    @Test func theCheckerCatchesDepartures() {
        let components: [String: Any] = ["Thing": ["type": "object", "properties": ["id": ["type": "integer"]], "required": ["id"]]]
        let schema: [String: Any] = ["type": "object", "properties": ["things": ["type": "array", "items": ["$ref": "#/components/schemas/Thing"]]]]
        #expect(Self.departures(["things": [["id": 1]]], schema, components).isEmpty)
        #expect(Self.departures(["things": [["id": 1, "extra": true]]], schema, components) == ["$.things[0].extra: not in the schema"])
        #expect(Self.departures(["things": [["id": "1"]]], schema, components) == ["$.things[0].id: string where the schema says integer"])
        #expect(Self.departures(["things": [[String: Any]()]], schema, components) == ["$.things[0].id: required but absent"])
    }

    // MARK: - Routes

    @Test func everyRouteIsDescribedAndEveryDescriptionIsARoute() async throws {
        let folder = TemporaryFolder()
        let runtime = try await ZhikuRuntime(configuration: ZhikuConfiguration(dataFolder: folder.url), logger: Logger(label: "t"))
        let recorder = RouteRecorder(Router(context: ZhikuRequestContext.self))
        ZhikuServer.registerRoutes(on: recorder, runtime: runtime)
        let registered = Set(recorder.routes), described = OpenAPIDocument.operations.map(\.route)
        #expect(registered.count == recorder.routes.count, "a route registered twice")
        #expect(Set(described).count == described.count, "an operation described twice")
        #expect(registered.subtracting(described).sorted().isEmpty, "registered but not described: \(registered.subtracting(described).sorted())")
        #expect(Set(described).subtracting(registered).sorted().isEmpty, "described but not registered: \(Set(described).subtracting(registered).sorted())")
        #expect(registered.count >= 50)
    }

    @Test func theDocumentIsServedAndRealResponsesMatchIt() async throws {
        let server = try await TestServer()
        defer { Task { try? await server.stop() } }
        let served = try await server.request(.GET, "/openapi.json")
        #expect(served.status == 200)
        let document = served.json
        #expect(document["openapi"] as? String == "3.1.0")
        let components = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        #expect(paths.values.reduce(0) { $0 + $1.count } == OpenAPIDocument.operations.count)
        // Every reference resolves; every path parameter is declared.
        let text = String(decoding: served.body, as: UTF8.self)
        for match in text.matches(of: /"#\/components\/schemas\/([A-Za-z]+)"/) {
            #expect(components[String(match.1)] != nil, "unresolved reference \(match.1)")
        }
        for (path, operations) in paths {
            for (method, operation) in operations {
                let declared = ((operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? []).filter { $0["in"] as? String == "path" }
                #expect(declared.compactMap { $0["name"] as? String } == OpenAPIDocument.pathParameters(path), "\(method) \(path)")
            }
        }

        /// Sends a request and checks the response against the documented status and schema.
        @discardableResult
        func check(_ method: TestServer.Method, _ path: String, documented: String, body: [String: Any]? = nil,
                   raw: [UInt8]? = nil) async throws -> [String: Any] {
            let reply = if let raw { try await server.request(method, path, body: raw) }
                        else if let body { try await server.json(method, path, body) }
                        else { try await server.request(method, path) }
            let operation = paths[documented]?[String(describing: method).lowercased()] as? [String: Any]
            let responses = operation?["responses"] as? [String: Any] ?? [:]
            let success = responses.keys.first { $0 != "default" }
            #expect(success == String(reply.status), "\(method) \(path): status \(reply.status), documented \(success ?? "none")")
            let content = (responses[success ?? ""] as? [String: Any])?["content"] as? [String: Any]
            if let schema = (content?["application/json"] as? [String: Any])?["schema"] as? [String: Any] {
                let object = try JSONSerialization.jsonObject(with: Data(reply.body))
                #expect(Self.departures(object, schema, components).isEmpty,
                        "\(method) \(path): \(Self.departures(object, schema, components))")
            }
            return reply.json
        }

        try await check(.GET, "/healthz", documented: "/healthz")
        try await check(.GET, "/api/me", documented: "/api/me")
        let kb = try await check(.POST, "/api/kbs", documented: "/api/kbs", body: ["name": "hr"])["id"] as! Int
        let upload = try await check(.POST, "/api/kbs/\(kb)/files?name=leave.txt&tag=hr", documented: "/api/kbs/{kb}/files",
                                     raw: Array("# Leave\nAnnual leave must be requested one week in advance.".utf8))
        let first = (upload["uploads"] as? [[String: Any]])?.first
        let file = (first?["file"] as? [String: Any])?["id"] as! Int
        let job = (first?["job"] as? [String: Any])?["id"] as! Int
        #expect(try await server.waitForJob(job)["status"] as? String == "succeeded")
        try await check(.GET, "/api/kbs", documented: "/api/kbs")
        try await check(.GET, "/api/kbs/\(kb)", documented: "/api/kbs/{kb}")
        try await check(.PATCH, "/api/kbs/\(kb)", documented: "/api/kbs/{kb}", body: ["description": "HR rules"])
        try await check(.GET, "/api/kbs/\(kb)/files", documented: "/api/kbs/{kb}/files")
        try await check(.GET, "/api/kbs/\(kb)/files/\(file)", documented: "/api/kbs/{kb}/files/{file}")
        try await check(.GET, "/api/kbs/\(kb)/files/\(file)/pages", documented: "/api/kbs/{kb}/files/{file}/pages")
        try await check(.GET, "/api/kbs/\(kb)/files/\(file)/chunks", documented: "/api/kbs/{kb}/files/{file}/chunks")
        try await check(.PUT, "/api/kbs/\(kb)/files/\(file)/tags", documented: "/api/kbs/{kb}/files/{file}/tags", body: ["tags": ["hr", "2024"]])
        try await check(.GET, "/api/kbs/\(kb)/jobs", documented: "/api/kbs/{kb}/jobs")
        try await check(.GET, "/api/jobs/\(job)", documented: "/api/jobs/{job}")
        try await check(.GET, "/api/kbs/\(kb)/search?q=annual%20leave&tag=hr", documented: "/api/kbs/{kb}/search")
        let events = TestServer.events(try await server.json(.POST, "/api/chat", [
            "kb": "hr", "question": "How early must leave be requested?", "mode": "extractive"]).body)
        let done = try #require(events.last { $0.name == "done" }?.data)
        let answer = try #require(done["answer_id"] as? Int)
        try await check(.POST, "/api/answers/\(answer)/feedback", documented: "/api/answers/{id}/feedback", body: ["rating": "up"])
        let conversation = try await check(.GET, "/api/conversations", documented: "/api/conversations")
        let id = ((conversation["conversations"] as? [[String: Any]])?.first?["id"] as? Int) ?? 0
        try await check(.GET, "/api/conversations/\(id)", documented: "/api/conversations/{id}")
        try await check(.PATCH, "/api/conversations/\(id)", documented: "/api/conversations/{id}", body: ["title": "Leave"])
        try await check(.GET, "/api/audit", documented: "/api/audit")
        try await check(.GET, "/api/settings", documented: "/api/settings")
        try await check(.PUT, "/api/settings", documented: "/api/settings", body: ["k": 4])
        try await check(.GET, "/api/models", documented: "/api/models")
        try await check(.GET, "/v1/models", documented: "/v1/models")
        try await check(.POST, "/v1/embeddings", documented: "/v1/embeddings", body: ["input": ["年假", "leave"]])
        try await check(.POST, "/v1/rerank", documented: "/v1/rerank", body: ["query": "leave", "documents": ["annual leave", "canteen"]])
        try await check(.DELETE, "/api/conversations/\(id)", documented: "/api/conversations/{id}")
        try await check(.DELETE, "/api/kbs/\(kb)/files/\(file)", documented: "/api/kbs/{kb}/files/{file}")
        try await check(.DELETE, "/api/kbs/\(kb)", documented: "/api/kbs/{kb}")
        // An error has the documented shape.
        let missing = try await server.request(.GET, "/api/kbs/999")
        #expect(missing.status == 404)
        let error = ["$ref": "#/components/schemas/Error"] as [String: Any]
        #expect(Self.departures(try JSONSerialization.jsonObject(with: Data(missing.body)), error, components).isEmpty)
    }
}
