import Foundation
import Testing
import ZhikuCore
import ZhikuModels
import ZhikuTestSupport
@testable import ZhikuProviders

/// The OpenAI-compatible chat backend against a second Zhiku process serving its built-in model over
/// `/v1/chat/completions` — real HTTP both ways.
@Suite struct OpenAIChatModelTests {
    @Test func streamsFromASecondZhikuProcess() async throws {
        guard (try? ModelLocation.folder(for: LlamaGenerator.defaultModelID)) != nil else {
            try Skip.now("model \(LlamaGenerator.defaultModelID) not found (scripts/fetch-models.sh fetches it)")
        }
        let data = TemporaryFolder()
        let (server, base) = try CLI.startServer(data: data.url)
        defer { server.terminate(); server.waitUntilExit() }
        let remote = OpenAIChatModel(.init(baseURL: base, model: LlamaGenerator.defaultModelID, apiKey: "unused"))
        let question = ChatRequest(messages: [ChatMessage(role: .user, content: "What is the capital of France?")],
                                   maxTokens: 24, sampling: SamplingOptions(temperature: 0))
        var pieces: [String] = [], usage: ChatUsage?
        for try await event in remote.stream(question) {
            switch event {
            case .text(let t): pieces.append(t)
            case .done(let u): usage = u
            case .progress: break
            }
        }
        #expect(pieces.count > 2, "streamed piece by piece")
        #expect(pieces.joined().contains("Paris"))
        #expect(usage?.finishReason == .stop)
        let engine = try await LlamaGeneratorCache.shared.generator(LlamaGenerator.defaultModelID)
        #expect(usage?.promptTokens == (try engine.promptIDs(question.messages))?.count, "the prompt as the model saw it")
        let local = try await ComputeThreads.shared.run { try engine.generate(question.messages, maxTokens: 24) }
        #expect(pieces.joined() == local.text, "the same greedy text as the engine in this process")

        // A client that goes away mid-stream: the stream ends, and the server keeps serving.
        let long = ChatRequest(messages: [ChatMessage(role: .user, content: "Write a long story about a dragon.")],
                               maxTokens: 300, sampling: SamplingOptions(temperature: 0))
        var received = 0
        for try await event in remote.stream(long) {
            if case .text = event { received += 1 }
            if received == 3 { break }
        }
        #expect(received == 3)
        var again = ""
        for try await event in remote.stream(question) { if case .text(let t) = event { again += t } }
        #expect(again == local.text)

        // A model the server does not have: an immediate error with the server's message.
        let wrong = OpenAIChatModel(.init(baseURL: base + "/v1", model: "qwen-72b"))
        await #expect { for try await _ in wrong.stream(question) {} } throws: { error in
            (error as? ZhikuError)?.detail?.contains("unknown chat model 'qwen-72b'") == true
        }
    }

    @Test func unreachableServerIsAClearError() async throws {
        // A port nothing listens on: bound but not listening (connections are refused), and kept bound until the end
        // so that no other test's server can take it meanwhile.
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        defer { close(socket) }

        var configuration = OpenAIChatModel.Configuration(baseURL: "http://127.0.0.1:\(port)", model: "m")
        configuration.retries = 1
        let model = OpenAIChatModel(configuration)
        let request = ChatRequest(messages: [ChatMessage(role: .user, content: "hi")])
        await #expect { for try await _ in model.stream(request) {} } throws: { error in
            let e = error as? ZhikuError
            return e?.code == .upstreamFailed && e?.message == "cannot reach the chat model server"
                && e?.detail?.hasPrefix("http://127.0.0.1:\(port)/v1/chat/completions") == true
        }
    }
}
