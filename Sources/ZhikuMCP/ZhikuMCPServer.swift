import Foundation
import MCP
import ZhikuCore
import ZhikuEngine

/// Zhiku as a Model Context Protocol server for one user: agents list the knowledge bases that user can see, search
/// them (with filters), ask them for answers with numbered citations, and read files' pages (as tools, and the
/// pages as resources). Access is the REST API's: a knowledge base the user holds no role in does not exist here
/// either. Served over stdio by `zhiku mcp` and over streamable HTTP at `/mcp` by the server.
public struct ZhikuMCPServer: Sendable {
    public let runtime: ZhikuRuntime
    public let user: User

    public init(runtime: ZhikuRuntime, user: User) {
        self.runtime = runtime
        self.user = user
    }

    /// An MCP server with Zhiku's tools and resources, ready to start on a transport.
    public func makeServer() async -> Server {
        let server = Server(name: "zhiku", version: ZhikuVersion.current, title: "Zhiku 知库",
                            instructions: "Search and ask the user's knowledge bases. Every answer cites numbered sources "
                                + "(file, page); say so when a knowledge base does not cover a question.",
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: Self.tools) }
        await server.withMethodHandler(CallTool.self) { params in await call(params.name, params.arguments ?? [:]) }
        await server.withMethodHandler(ListResources.self) { params in try await resources(after: params.cursor) }
        await server.withMethodHandler(ReadResource.self) { params in try await read(params.uri) }
        return server
    }

    // MARK: - Tools

    /// The tools, with their JSON Schema inputs.
    public static let tools: [Tool] = {
        let filters: Value = .object([
            "type": "object",
            "description": "Only passages of matching files (every field set must hold).",
            "properties": .object([
                "file_ids": .object(["type": "array", "items": .object(["type": "integer"])]),
                "tags": .object(["type": "array", "items": .object(["type": "string"]), "description": "A file must carry every tag."]),
                "media_types": .object(["type": "array", "items": .object(["type": "string"]),
                                        "description": "pdf, image, audio, docx, text/csv, …"]),
                "after": .object(["type": "string", "description": "A day (2024-05-01) or ISO 8601 time; inclusive."]),
                "before": .object(["type": "string", "description": "Exclusive."]),
                "path_prefix": .object(["type": "string"]),
                "author": .object(["type": "string", "description": "Part of the author in the document's metadata."]),
                "title": .object(["type": "string", "description": "Part of the document's own title."]),
            ]),
        ])
        let kb: Value = .object(["type": "string", "description": "The knowledge base: its name or id (list_knowledge_bases)."])
        func schema(_ properties: [String: Value], required: [String]) -> Value {
            .object(["type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) })])
        }
        let readOnly = Tool.Annotations(readOnlyHint: true, openWorldHint: false)
        return [
            Tool(name: "list_knowledge_bases", title: "List knowledge bases",
                 description: "The knowledge bases you can search and ask: id, name, description, embedding model and file count.",
                 inputSchema: schema([:], required: []), annotations: readOnly),
            Tool(name: "search", title: "Search a knowledge base",
                 description: "Hybrid (keyword + vector) search: the best passages with file, page, heading path and scores.",
                 inputSchema: schema(["kb": kb, "query": .object(["type": "string"]),
                                      "k": .object(["type": "integer", "minimum": 1, "maximum": 50, "default": 5]),
                                      "mode": .object(["type": "string", "enum": ["hybrid", "keyword", "vector"], "default": "hybrid"]),
                                      "filters": filters], required: ["kb", "query"]),
                 annotations: readOnly),
            Tool(name: "ask", title: "Ask a knowledge base",
                 description: "An answer written from the knowledge base's passages, with numbered citations [n] (file, page), "
                    + "or a reply saying the knowledge base does not cover the question.",
                 inputSchema: schema(["kb": kb, "question": .object(["type": "string"]),
                                      "k": .object(["type": "integer", "minimum": 1, "maximum": 20]), "filters": filters],
                                     required: ["kb", "question"]),
                 annotations: readOnly),
            Tool(name: "read_page", title: "Read a page",
                 description: "The extracted text of one page of a file (pages start at 1; a recording's pages are its timed parts).",
                 inputSchema: schema(["kb": kb, "file": .object(["type": "string", "description": "The file's name or id."]),
                                      "page": .object(["type": "integer", "minimum": 1])], required: ["kb", "file", "page"]),
                 annotations: readOnly),
        ]
    }()

    /// Runs a tool; a failure (bad arguments, a knowledge base you cannot see) is a tool error with its reason.
    func call(_ name: String, _ arguments: [String: Value]) async -> CallTool.Result {
        do {
            switch name {
            case "list_knowledge_bases": return try await listKnowledgeBases()
            case "search": return try await search(arguments)
            case "ask": return try await ask(arguments)
            case "read_page": return try await readPage(arguments)
            default: throw ZhikuError.notFound("there is no tool named '\(name)'")
            }
        } catch {
            let message = (error as? ZhikuError)?.message ?? "\(error)"
            return .init(content: [.text(text: message, annotations: nil, _meta: nil)], isError: true)
        }
    }

    private func listKnowledgeBases() async throws -> CallTool.Result {
        var rows: [Value] = [], lines: [String] = []
        for kb in try await runtime.access.visibleKnowledgeBases(for: user) {
            let files = try await runtime.store.files(in: kb.id).count
            rows.append(.object(["id": .int(Int(kb.id)), "name": .string(kb.name), "description": .string(kb.description),
                                 "embedding_model": kb.embeddingModel.map { .string($0) } ?? .null, "files": .int(files)]))
            lines.append("\(kb.name) (id \(kb.id)): \(files) file(s)" + (kb.description.isEmpty ? "" : " — \(kb.description)"))
        }
        let text = lines.isEmpty ? "You can see no knowledge base." : lines.joined(separator: "\n")
        return .init(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: .object(["knowledge_bases": .array(rows)]))
    }

    private func search(_ arguments: [String: Value]) async throws -> CallTool.Result {
        let kb = try await knowledgeBase(arguments)
        let query = try Self.string(arguments, "query")
        let k = try Self.integer(arguments, "k", default: 5, range: 1...50)
        let mode = try SearchMode.parse(arguments["mode"]?.stringValue ?? "hybrid")
        let filter = try Self.filter(arguments)
        let results = try await runtime.search(query, in: kb, k: k, mode: mode, translating: true, filter: filter)
        var rows: [Value] = [], lines: [String] = []
        if results.filteredFiles == 0 { lines.append("No file of '\(kb.name)' matches the filters.") }
        for (i, hit) in results.hits.enumerated() {
            let place = Self.place(page: hit.chunk.page, section: hit.chunk.section)
            lines.append("[\(i + 1)] \(hit.fileName) · \(place) · score \(String(format: "%.3f", hit.score))\n\(hit.chunk.text)")
            rows.append(.object([
                "file_id": .int(Int(hit.chunk.fileID)), "file_name": .string(hit.fileName), "page": .int(hit.chunk.page),
                "section": hit.chunk.section.map { .string($0) } ?? .null, "text": .string(hit.chunk.text),
                "chunk_id": .int(Int(hit.chunk.id)), "score": .double(hit.score),
                "keyword_rank": hit.keywordRank.map { .int($0) } ?? .null, "keyword_score": hit.keywordScore.map { .double($0) } ?? .null,
                "vector_rank": hit.vectorRank.map { .int($0) } ?? .null, "vector_score": hit.vectorScore.map { .double($0) } ?? .null,
            ]))
        }
        if results.hits.isEmpty, results.filteredFiles != 0 { lines.append("Nothing in '\(kb.name)' matches: \(query)") }
        var structured: [String: Value] = ["knowledge_base": .string(kb.name), "mode": .string(results.mode.rawValue), "hits": .array(rows)]
        if let filtered = results.filteredFiles { structured["filtered_files"] = .int(filtered) }
        return .init(content: [.text(text: lines.joined(separator: "\n\n"), annotations: nil, _meta: nil)],
                     structuredContent: .object(structured))
    }

    private func ask(_ arguments: [String: Value]) async throws -> CallTool.Result {
        let kb = try await knowledgeBase(arguments)
        let settings = await runtime.settings.answers
        var request = Answerer.Request(question: try Self.string(arguments, "question"))
        request.k = try Self.integer(arguments, "k", default: settings.k, range: 1...20)
        request.searchMode = settings.searchMode
        request.noAnswerThreshold = settings.noAnswerThreshold
        request.modelThresholds = settings.modelThresholds
        request.mode = settings.answerMode
        request.filter = try Self.filter(arguments)
        request.channel = .mcp
        request.user = user.auditName
        request.ownerID = user.ownerID
        try request.validate(runtime.configuration)
        var answer = "", citations: [Citation] = [], notFound = false, answerID: AuditEntry.ID?
        for try await event in Answerer(runtime: runtime).answer(request, in: kb) {
            switch event {
            case .citations(let list): citations = list
            case .token(let piece): answer += piece
            case .notFound(let reply):
                answer += reply
                notFound = true
            case .done(let stats, let recorded):
                notFound = notFound || stats.finishReason == .notFound
                answerID = recorded.auditID
            case .progress, .queued, .conversation: break
            }
        }
        var text = answer
        if !citations.isEmpty {
            text += "\n\nSources:\n" + citations.map { "[\($0.n)] \($0.fileName) · \(Self.place(page: $0.page, section: $0.section))" }
                .joined(separator: "\n")
        }
        let cited: [Value] = citations.map {
            .object(["n": .int($0.n), "file_id": .int(Int($0.fileID)), "file_name": .string($0.fileName), "page": .int($0.page),
                     "section": $0.section.map { .string($0) } ?? .null, "snippet": .string($0.snippet)])
        }
        return .init(content: [.text(text: text, annotations: nil, _meta: nil)],
                     structuredContent: .object(["answer": .string(answer), "not_found": .bool(notFound), "citations": .array(cited),
                                                 "answer_id": answerID.map { .int(Int($0)) } ?? .null]))
    }

    private func readPage(_ arguments: [String: Value]) async throws -> CallTool.Result {
        let kb = try await knowledgeBase(arguments)
        let reference = try Self.string(arguments, "file")
        let number = try Self.integer(arguments, "page", default: nil, range: 1...1_000_000)
        let files = try await runtime.store.files(in: kb.id).filter { String($0.id) == reference || $0.name == reference }
        guard let file = files.first else { throw ZhikuError.notFound("'\(kb.name)' has no file '\(reference)'") }
        let text = try await pageText(file, number)
        return .init(content: [.text(text: text, annotations: nil, _meta: nil)],
                     structuredContent: .object(["file_id": .int(Int(file.id)), "file_name": .string(file.name), "page": .int(number),
                                                 "text": .string(text)]))
    }

    // MARK: - Resources: every page of every ready file, `zhiku://kb/{kb}/file/{file}/page/{n}`

    /// Resources per listing page.
    static let resourcesPerPage = 200

    func resources(after cursor: String?) async throws -> ListResources.Result {
        let start = cursor.flatMap(Int.init) ?? 0
        var all: [Resource] = [], index = 0
        outer: for kb in try await runtime.access.visibleKnowledgeBases(for: user) {
            for file in try await runtime.store.files(in: kb.id) where file.status == .ready {
                for page in 1...max(1, file.pageCount) {
                    defer { index += 1 }
                    guard index >= start else { continue }
                    if all.count == Self.resourcesPerPage { break outer }
                    all.append(Resource(name: "\(file.name) · page \(page)", uri: Self.uri(kb.id, file.id, page),
                                        description: "Page \(page) of \(file.name) in \(kb.name)", mimeType: "text/plain"))
                }
            }
        }
        let more = all.count == Self.resourcesPerPage
        return .init(resources: all, nextCursor: more ? String(start + all.count) : nil)
    }

    func read(_ uri: String) async throws -> ReadResource.Result {
        let parts = uri.split(separator: "/")
        guard uri.hasPrefix("zhiku://kb/"), parts.count == 7, parts[3] == "file", parts[5] == "page",
              let kbID = KnowledgeBase.ID(parts[2]), let fileID = FileRecord.ID(parts[4]), let page = Int(parts[6]) else {
            throw MCPError.invalidParams("not a Zhiku page: \(uri) (zhiku://kb/{kb}/file/{file}/page/{n})")
        }
        do {
            let kb = try await runtime.access.knowledgeBase(id: kbID, for: user, needs: .viewer)
            guard let file = try await runtime.store.file(id: fileID), file.knowledgeBaseID == kb.id else {
                throw ZhikuError.notFound("no such file")
            }
            return .init(contents: [.text(try await pageText(file, page), uri: uri, mimeType: "text/plain")])
        } catch let error as ZhikuError {
            throw MCPError.invalidParams("\(uri): \(error.message)")
        }
    }

    static func uri(_ kb: KnowledgeBase.ID, _ file: FileRecord.ID, _ page: Int) -> String { "zhiku://kb/\(kb)/file/\(file)/page/\(page)" }

    // MARK: - Helpers

    private func knowledgeBase(_ arguments: [String: Value]) async throws -> KnowledgeBase {
        let reference = try Self.string(arguments, "kb")
        return try await runtime.access.knowledgeBase(reference, for: user, needs: .viewer)
    }

    private func pageText(_ file: FileRecord, _ number: Int) async throws -> String {
        let pages = try await runtime.store.pages(ofFile: file.id)
        guard let page = pages.first(where: { $0.number == number }) else {
            throw ZhikuError.notFound("\(file.name) has no page \(number) (it has \(pages.count))")
        }
        return page.text
    }

    static func place(page: Int, section: String?) -> String {
        "page \(page)" + (section.map { " · \($0)" } ?? "")
    }

    static func string(_ arguments: [String: Value], _ name: String) throws -> String {
        guard let text = arguments[name]?.stringValue ?? arguments[name]?.intValue.map(String.init),
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ZhikuError.invalidInput("'\(name)' is required (a string)")
        }
        return text
    }

    static func integer(_ arguments: [String: Value], _ name: String, default value: Int?, range: ClosedRange<Int>) throws -> Int {
        guard let raw = arguments[name], raw != .null else {
            guard let value else { throw ZhikuError.invalidInput("'\(name)' is required (a whole number)") }
            return value
        }
        guard let number = raw.intValue ?? raw.doubleValue.flatMap({ $0.rounded() == $0 ? Int($0) : nil }), range.contains(number) else {
            throw ZhikuError.invalidInput("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The `filters` argument as a ``SearchFilter`` (read as the REST API reads one).
    static func filter(_ arguments: [String: Value]) throws -> SearchFilter? {
        guard let raw = arguments["filters"], raw != .null else { return nil }
        guard case .object = raw else { throw ZhikuError.invalidInput("'filters' must be an object") }
        let data = try JSONEncoder().encode(raw)
        let filter = try ZhikuJSON.decoder.decode(SearchFilter.self, from: data)
        return filter.isEmpty ? nil : try filter.validated()
    }
}

extension ZhikuMCPServer {
    /// Serves MCP over standard input and output until the client closes them (`zhiku mcp`).
    public func runOverStdio() async throws {
        let server = await makeServer()
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }

    /// One HTTP request to the streamable HTTP endpoint, answered statelessly (a JSON response per POST; no
    /// session, no server-sent stream): a fresh server for this user handles the message. Returns the status, the
    /// headers and the body to send back.
    public func handleHTTP(method: String, headers: [String: String], body: Data?) async -> (status: Int, headers: [String: String], body: Data?) {
        // Origins are checked by the server's own middleware (and API keys are not sent by browsers on their own).
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
        ]))
        let server = await makeServer()
        do { try await server.start(transport: transport) } catch {
            return (500, ["Content-Type": "application/json"], Data(#"{"error":{"code":"internal","message":"the MCP server did not start"}}"#.utf8))
        }
        let response = await transport.handleRequest(HTTPRequest(method: method, headers: headers, body: body, path: "/mcp"))
        await server.stop()
        return (response.statusCode, response.headers, response.bodyData)
    }
}
