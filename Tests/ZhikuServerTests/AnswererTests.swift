import Foundation
import Logging
import Testing
import ZhikuCore
import ZhikuTestSupport
@testable import ZhikuServer

/// The prompt budget: whole sources best first, then the newest history that fits, oldest turns dropped first.
/// A counting stand-in for the model (one token per character) makes the budget exact.
@Suite struct AnswererTests {
    struct CharacterModel: ChatModel {
        var modelID = "chars"
        var contextTokens: Int?
        func tokenCount(_ text: String) -> Int { text.count }
        func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
            AsyncThrowingStream { $0.finish() }
        }
    }

    let folder = TemporaryFolder()

    func answerer() throws -> Answerer {
        Answerer(runtime: try ZhikuRuntime(configuration: ZhikuConfiguration(dataFolder: folder.url), logger: Logger(label: "t")))
    }

    func hit(_ id: Int64, _ text: String) -> SearchHit {
        SearchHit(chunk: Chunk(id: id, fileID: 1, knowledgeBaseID: 1, ordinal: Int(id), page: 1, start: 0, end: text.count, text: text),
                  fileName: "f.txt", score: 1)
    }

    @Test func sourcesAreNeverCutAndOldestHistoryGoesFirst() throws {
        let answerer = try answerer()
        var request = Answerer.Request(question: "Q?")
        request.maxTokens = 100
        request.history = (1...6).map { ChatMessage(role: $0 % 2 == 1 ? "user" : "assistant", content: "turn \($0) " + String(repeating: "x", count: 20)) }
        let sources = [hit(1, String(repeating: "a", count: 300)), hit(2, String(repeating: "b", count: 300)),
                       hit(3, String(repeating: "c", count: 300))]
        // Budget: 1000 - 100 - 64 = 836 tokens. System (~100) + question + 32, then whole sources of ~320 each:
        // two fit, the third would cross the budget and is left out entirely.
        let model = CharacterModel(contextTokens: 1000)
        let (messages, used) = answerer.prompt(request, sources: sources, model: model)
        #expect(used.map(\.chunk.id) == [1, 2])
        let last = try #require(messages.last?.content)
        #expect(last.contains(String(repeating: "a", count: 300)) && last.contains(String(repeating: "b", count: 300)))
        #expect(!last.contains("ccc"))
        // 39 tokens are left: the newest turn (27 + 8) fits, the one before does not — trimmed from the oldest end.
        let history = messages.dropFirst().dropLast()
        #expect(history.map { $0.content.prefix(6) } == ["turn 6"])

        // A roomy context keeps every source and every turn, in order.
        let (all, allUsed) = answerer.prompt(request, sources: sources, model: CharacterModel(contextTokens: 8000))
        #expect(allUsed.count == 3)
        #expect(all.dropFirst().dropLast().map { $0.content.prefix(6) } == (1...6).map { "turn \($0)"[...] })
        #expect(all.first?.role == "system")

        // A source bigger than the whole budget still goes in alone rather than in pieces.
        let (_, single) = answerer.prompt(request, sources: [hit(9, String(repeating: "z", count: 5000))], model: model)
        #expect(single.map(\.chunk.id) == [9])
        #expect(all.last?.content.contains("[3] f.txt, p. 1") == true)
    }

    @Test func plainChatKeepsTheNewestTurnsThatFit() throws {
        let answerer = try answerer()
        var request = Answerer.Request(question: "Q?")
        request.maxTokens = 10
        request.history = (1...4).map { ChatMessage(role: "user", content: String(repeating: "\($0)", count: 50)) }
        // 200 - 10 - 64 - 2 - 8 = 116: two turns of 58 fit.
        let messages = answerer.plainChat(request, model: CharacterModel(contextTokens: 200))
        #expect(messages.map { $0.content.first } == ["3", "4", "Q"])
    }
}
