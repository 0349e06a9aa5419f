import Foundation
import Testing
import ZhikuTestSupport
import ZhikuCore
@testable import ZhikuModels

/// The built-in chat model as the server uses it: progress while the prompt is read, then text; a consumer that
/// goes away stops the work (tokenizing, prompt, generation) and frees the model within a second.
@Suite(.serialized, .offThePool) struct BuiltInChatModelTests {
    static let modelID = "qwen2.5-0.5b-instruct"

    static func load() throws -> BuiltInChatModel {
        guard (try? ModelLocation.folder(for: modelID)) != nil, let generator = try? LlamaGenerator.load(modelID) else {
            try Skip.now("model \(modelID) not found (scripts/fetch-models.sh fetches it)")
        }
        return BuiltInChatModel(generator)
    }

    @Test func progressThenTextThenDone() async throws {
        let model = try Self.load()
        let request = ChatRequest(messages: [ChatMessage(role: .user, content: String(repeating: "知识库问答。", count: 200) + "请用一句话总结。")],
                                  maxTokens: 8)
        var kinds: [String] = [], done: [Int] = [], total = 0
        for try await event in model.stream(request) {
            switch event {
            case .progress(let d, let t):
                kinds.append("progress")
                done.append(d)
                total = t
            case .text: kinds.append("text")
            case .done(let usage):
                kinds.append("done")
                #expect(usage.promptTokens == total)
            }
        }
        #expect(kinds.first == "progress")
        #expect(kinds.last == "done")
        #expect(kinds.lastIndex(of: "progress")! < kinds.firstIndex(of: "text")!, "all progress before the first text")
        #expect(done == done.sorted() && done.last == total && total > 512, "progress grows to the prompt's length (\(total))")
        #expect(Set(done).count > 4, "several steps: \(done.count)")
    }

    @Test func aStoppedAnswerFreesTheModelWithinASecond() async throws {
        let model = try Self.load()
        // A prompt of about 3 000 tokens: seconds of prompt reading, stopped at its first progress report.
        let long = String(repeating: "知识库需要快速而准确地回答团队的问题，并且给出处。", count: 130)
        let request = ChatRequest(messages: [ChatMessage(role: .user, content: long)], maxTokens: 256)
        let started = ContinuousClock.now
        let reader = Task {
            for try await event in model.stream(request) {
                if case .progress = event { return true }
            }
            return false
        }
        #expect(try await reader.value == true, "a progress report arrived")
        // Leaving the loop ended the stream: the consumer is gone.
        let stopped = ContinuousClock.now
        while model.isBusy && ContinuousClock.now - stopped < .seconds(30) { try await Task.sleep(for: .milliseconds(10)) }
        let freed = ContinuousClock.now - stopped
        print("model free \(freed) after the consumer left (\(stopped - started) into the answer)")
        #expect(!model.isBusy)
        #expect(freed < .seconds(1), "the model was still busy \(freed) after the consumer left")
        // And the next question gets its turn and an answer.
        var text = ""
        for try await event in model.stream(ChatRequest(messages: [ChatMessage(role: .user, content: "1+1=?")], maxTokens: 4)) {
            if case .text(let t) = event { text += t }
        }
        #expect(!text.isEmpty)
    }
}
