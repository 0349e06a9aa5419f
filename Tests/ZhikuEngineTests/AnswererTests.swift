import Foundation
import Logging
import Testing
import ZhikuCore
@testable import ZhikuEngine
import ZhikuTestSupport

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

    func answerer() async throws -> Answerer {
        Answerer(runtime: try await ZhikuRuntime(configuration: ZhikuConfiguration(dataFolder: folder.url), logger: Logger(label: "t")))
    }

    func hit(_ id: Int64, _ text: String) -> SearchHit {
        SearchHit(chunk: Chunk(id: id, fileID: 1, knowledgeBaseID: 1, ordinal: Int(id), page: 1, start: 0, end: text.count, text: text),
                  fileName: "f.txt", score: 1)
    }

    @Test func sourcesAreNeverCutAndOldestHistoryGoesFirst() async throws {
        let answerer = try await answerer()
        var request = Answerer.Request(question: "Q?")
        request.maxTokens = 100
        request.history = (1...6).map { ChatMessage(role: $0 % 2 == 1 ? .user : .assistant, content: "turn \($0) " + String(repeating: "x", count: 20)) }
        let sources = [hit(1, String(repeating: "a", count: 300)), hit(2, String(repeating: "b", count: 300)),
                       hit(3, String(repeating: "c", count: 300))]
        // Budget: 1000 - 100 - 64 = 836 tokens for a system prompt of 131 characters (the context grows by whatever
        // the instructions take beyond that). System + question + 32, then whole sources of ~320 each: two fit, the
        // third would cross the budget and is left out entirely.
        let model = CharacterModel(contextTokens: 1000 + Answerer.systemPrompt(chinese: false).count - 131)
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
        #expect(all.first?.role == .system)

        // A source bigger than the whole budget still goes in alone rather than in pieces.
        let (_, single) = answerer.prompt(request, sources: [hit(9, String(repeating: "z", count: 5000))], model: model)
        #expect(single.map(\.chunk.id) == [9])
        #expect(all.last?.content.contains("[3] f.txt, p. 1") == true)
    }

    /// A question about something no source names asks the model to say so; other questions do not get that line
    /// (the 1.5B model over-applies it).
    @Test func aQuestionAboutSomethingNoSourceNamesGetsTheRefusalInstruction() async throws {
        let answerer = try await answerer()
        let model = CharacterModel(contextTokens: 4000)
        let sources = [hit(1, "设置时区请运行 timedatectl。"), hit(2, "build-essential 会装上 gcc。")]
        let (asked, _) = answerer.prompt(Answerer.Request(question: "怎么把时区改成 Asia/Shanghai？"), sources: sources, model: model)
        let question = try #require(asked.last?.content)
        #expect(question.hasSuffix("注意：资料中没有出现「Asia/Shanghai」。如果资料不能回答这个问题，就只回答：" + Answerer.modelNotFound.chinese))
        let (plain, _) = answerer.prompt(Answerer.Request(question: "怎么设置时区？"), sources: sources, model: model)
        #expect(plain.last?.content.contains("注意") == false)
        let (english, _) = answerer.prompt(Answerer.Request(question: "Which GCC version?"), sources: sources, model: model)
        #expect(english.last?.content.contains("Note:") == false, "gcc is in source 2")
    }

    /// The model's own "not covered" reply (answers whose specifics are not in the sources: ``GroundingTests``).
    @Test func theModelsRefusalIsRecognised() {
        #expect(Answerer.isModelRefusal("资料中没有找到答案。"))
        #expect(Answerer.isModelRefusal(" The documents do not cover this. "))
        #expect(Answerer.isModelRefusal("[1] 资料中没有找到答案"))
        #expect(!Answerer.isModelRefusal("资料中没有找到答案，但是第 2 节说明了 build-essential 是最重要的软件包，应当首先安装它以便构建。"))
    }

    @Test func plainChatKeepsTheNewestTurnsThatFit() async throws {
        let answerer = try await answerer()
        var request = Answerer.Request(question: "Q?")
        request.maxTokens = 10
        request.history = (1...4).map { ChatMessage(role: .user, content: String(repeating: "\($0)", count: 50)) }
        // 200 - 10 - 64 - 2 - 8 = 116: two turns of 58 fit.
        let messages = answerer.plainChat(request, model: CharacterModel(contextTokens: 200))
        #expect(messages.map { $0.content.first } == ["3", "4", "Q"])
    }

    /// The check after generation, alone: the model's refusal is not-found, an answer with specifics the sources lack
    /// gets the note (in the question's language) and counts as not found, a grounded answer without a `[n]` gets one.
    @Test func theCheckAfterGenerationJudgesTheAnswerAlone() {
        let sources = ["Run apt-get install debhelper before building with debuild -us -uc."]
        let refusal = Answerer.check("资料中没有找到答案。", sources: sources, question: "怎么打包？")
        #expect(refusal.addition == nil && refusal.finishReason == .notFound)
        let invented = Answerer.check("Install version 4.8.0 from /opt/pkg/tools first.", sources: sources, question: "How do I build?")
        #expect(invented.finishReason == .notFound)
        #expect(invented.addition == "\n\n" + Answerer.ungroundedNote.english)
        let chinese = Answerer.check("先安装 4.8.0 版本的 /opt/pkg/tools。", sources: sources, question: "怎么打包？")
        #expect(chinese.addition == "\n\n" + Answerer.ungroundedNote.chinese)
        let grounded = Answerer.check("Install debhelper, then run debuild -us -uc.", sources: sources, question: "How do I build?")
        #expect(grounded.finishReason == nil)
        #expect(grounded.addition?.contains("[1]") == true, "a grounded answer without a citation gets one: \(String(describing: grounded.addition))")
        let cited = Answerer.check("Install debhelper, then run debuild -us -uc [1].", sources: sources, question: "How do I build?")
        #expect(cited.addition == nil && cited.finishReason == nil)
        // A question about something no source names: not covered, whatever the model wrote, and the note says what.
        let unnamed = Answerer.check("Run dpkg-reconfigure tzdata.", sources: sources, question: "How do I set Asia/Shanghai?")
        #expect(unnamed.finishReason == .notFound)
        #expect(unnamed.addition == "\n\n" + Answerer.unnamedNote(["Asia/Shanghai"], chinese: false))
        #expect(Answerer.check("用 debuild -us -uc [1]。", sources: sources, question: "~/.sbuildrc 怎么写？").addition?
                    .contains("「~/.sbuildrc」") == true)
        // A question for a number answered without one.
        let vague = Answerer.check("It uses the port given in its configuration [1].", sources: sources, question: "Which port does debuild use?")
        #expect(vague.finishReason == .notFound && vague.addition == "\n\n" + Answerer.noNumberNote.english)
        #expect(Answerer.check("debuild 用两个选项：-us 和 -uc [1]。", sources: sources, question: "debuild 用几个选项？").finishReason == nil)
    }
}
