import Foundation
import Hummingbird
import ZhikuCore

/// `POST /api/chat`: a question answered from a knowledge base, streamed as Server-Sent Events —
/// `citations` (the numbered sources, first), `token` (pieces of the answer), `done` (usage and timings;
/// `finish_reason` is `not_found` when nothing relevant was found and the reply says so), `error`.
struct ChatRoutes {
    let runtime: ZhikuRuntime

    struct Body: Decodable {
        var kb: String
        var question: String
        /// Earlier turns, oldest first.
        var messages: [ChatMessage]?
        var model: String?
        var k: Int?
        var maxTokens: Int?
        var temperature: Double?
        var seed: UInt64?
    }

    func register(on router: Router<ZhikuRequestContext>) {
        router.post("api/chat") { request, context in
            let body = try await request.decode(as: Body.self, context: context)
            let kb = try await runtime.store.resolveKnowledgeBase(body.kb)
            let question = body.question.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !question.isEmpty else { throw ZhikuError.invalidInput("the question is empty") }
            var ask = Answerer.Request(question: question)
            ask.history = body.messages ?? []
            ask.model = body.model
            ask.k = body.k ?? 5
            ask.maxTokens = body.maxTokens ?? 384
            ask.sampling = try SamplingOptions(temperature: body.temperature ?? 0, seed: body.seed ?? 0).validated()
            try ask.validate()
            let events = Answerer(runtime: runtime).answer(ask, in: kb)
            let encoder = ZhikuJSON.encoder
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                            body: ResponseBody { writer in
                func send(_ name: String, _ value: some Encodable) async throws {
                    let data = String(decoding: try encoder.encode(value), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: \(name)\ndata: \(data)\n\n"))
                }
                struct Token: Encodable { var text: String }
                struct Sources: Encodable { var citations: [Citation] }
                struct Done: Encodable { var notFound: Bool; var stats: AnswerStats }
                struct Failure: Encodable { var code: String; var message: String }
                var notFound = false
                do {
                    for try await event in events {
                        switch event {
                        case .citations(let list): try await send("citations", Sources(citations: list))
                        case .token(let text): try await send("token", Token(text: text))
                        case .notFound(let reply):
                            notFound = true
                            try await send("citations", Sources(citations: []))
                            try await send("token", Token(text: reply))
                        case .done(let stats): try await send("done", Done(notFound: notFound, stats: stats))
                        }
                    }
                } catch let error as ZhikuError {
                    try await send("error", Failure(code: error.code.rawValue, message: error.message))
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    try await send("error", Failure(code: "internal", message: "\(error)"))
                }
                try await writer.finish(nil)
            })
        }
    }
}
