import Foundation
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuModels

/// The built-in chat model against ../shared/eval/chat-model (an independent float64 forward pass): identical
/// prompt ids, the same first-step top token and logits within 1e-2, the same greedy tokens for 20 steps.
@Suite(.serialized, .offThePool) struct LlamaGeneratorTests {
    struct Case: Decodable {
        var messages: [ChatMessage]
        var prompt: String
        var prompt_token_ids: [Int32]
        var greedy_token_ids: [Int32]
        var greedy_text: String
        var first_step_top10: [[Double]]
    }

    struct TokenizerCase: Decodable {
        var text: String
        var ids: [Int32]
    }

    static let generator: LlamaGenerator? = {
        guard (try? ModelLocation.folder(for: "smollm2-135m-instruct")) != nil else { return nil }
        // Float32 activations: the reference is a float64 forward pass (the 8-bit inputs of the fast path move
        // logits by a few hundredths).
        return try? LlamaGenerator.load("smollm2-135m-instruct", exactInputs: true)
    }()

    func loaded() throws -> LlamaGenerator {
        guard let generator = Self.generator else {
            try Skip.now("model \("smollm2-135m-instruct") not found in \(ModelLocation.root().path) (scripts/fetch-models.sh fetches it)")
        }
        return generator
    }

    @Test func tokenizerMatchesTheReference() throws {
        guard let folder = SharedEval.folder("chat-model") else { try SharedEval.skip("chat-model tokenizer cases") }
        let generator = try loaded()
        let cases = try JSONDecoder().decode([TokenizerCase].self,
                                             from: Data(contentsOf: folder.appendingPathComponent("smollm2-tokenizer.json")))
        #expect(cases.count >= 5)
        for c in cases {
            #expect(generator.model.tokenizer.encode(c.text, parsingControlTokens: true) == c.ids, "\(c.text)")
            #expect(generator.model.tokenizer.decode(c.ids) == c.text)
        }
    }

    @Test func greedyGenerationMatchesTheReference() throws {
        guard let folder = SharedEval.folder("chat-model") else { try SharedEval.skip("chat-model greedy cases") }
        let generator = try loaded()
        let cases = try String(contentsOf: folder.appendingPathComponent("smollm2-greedy.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONDecoder().decode(Case.self, from: Data($0.utf8)) }
        #expect(cases.count == 3)
        for c in cases {
            #expect(generator.template.render(c.messages) == c.prompt)
            let ids = generator.model.tokenizer.encode(c.prompt, parsingControlTokens: true)
            #expect(ids == c.prompt_token_ids)
            let reference = Array(c.greedy_token_ids.prefix(20))
            let result = try generator.generate(promptIDs: ids, maxTokens: reference.count)
            let produced = result.tokenIDs + (result.finishReason == .stop ? [generator.model.tokenizer.eosID] : [])
            #expect(Array(produced.prefix(reference.count)) == reference, "\(c.messages.last?.content.prefix(40) ?? "")")
            let top = result.firstLogits.indices.max { result.firstLogits[$0] < result.firstLogits[$1] }
            #expect(top == Int(c.first_step_top10[0][0]))
            for pair in c.first_step_top10 {
                let diff = abs(Double(result.firstLogits[Int(pair[0])]) - pair[1])
                #expect(diff < 1e-2, "logit of token \(Int(pair[0])) differs by \(diff)")
            }
            if c.greedy_token_ids.count <= 20 { #expect(result.text == c.greedy_text) }
        }
    }

    @Test func samplingIsSeededAndStopsAreHonoured() throws {
        let generator = try loaded()
        let messages = [ChatMessage(role: .user, content: "Write one sentence about tea.")]
        let options = SamplingOptions(temperature: 0.8, topP: 0.9, topK: 40, repetitionPenalty: 1.1, seed: 7)
        let a = try generator.generate(messages, maxTokens: 12, sampling: options)
        let b = try generator.generate(messages, maxTokens: 12, sampling: options)
        #expect(a.tokenIDs == b.tokenIDs, "the same seed gives the same tokens")
        var streamed = ""
        let limited = try generator.generate(messages, maxTokens: 5) { streamed += $0; return true }
        #expect(limited.finishReason == .length)
        #expect(limited.tokenIDs.count == 5)
        #expect(streamed == limited.text, "the streamed pieces add up to the text")
        let france = [ChatMessage(role: .user, content: "What is the capital of France?")]
        let stopped = try generator.generate(france, maxTokens: 20, stop: [" Paris"])
        #expect(stopped.text == "The capital of France is")
        #expect(stopped.finishReason == .stop)
        #expect(throws: ZhikuError.self) {
            _ = try generator.generate(messages, maxTokens: 5, sampling: SamplingOptions(temperature: -1))
        }
    }
}
