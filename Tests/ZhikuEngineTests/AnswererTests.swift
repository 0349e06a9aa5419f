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

    /// The model's own "not covered" reply, and answers whose specifics are not in the sources.
    @Test func refusalsAndUngroundedAnswersAreRecognised() {
        #expect(Answerer.isModelRefusal("资料中没有找到答案。"))
        #expect(Answerer.isModelRefusal(" The documents do not cover this. "))
        #expect(Answerer.isModelRefusal("[1] 资料中没有找到答案"))
        #expect(!Answerer.isModelRefusal("资料中没有找到答案，但是第 2 节说明了 build-essential 是最重要的软件包，应当首先安装它以便构建。"))
        let sources = ["最重要的软件包是 build-essential，安装它会把 gcc、make 和 dpkg-dev 一起装上。",
                       "Names in HAL have a maximum length of 41 characters (HAL_NAME_LEN in hal.h)."]
        #expect(Answerer.isGrounded("应该先安装 build-essential [1]。", in: sources))
        #expect(Answerer.isGrounded("The limit is 41 characters, HAL_NAME_LEN [2].", in: sources))
        #expect(Answerer.isGrounded("是的，需要先安装它。", in: sources), "no specifics: nothing to check")
        #expect(!Answerer.isGrounded("The minimum GCC version is 4.8.0 and the server listens on port 52000.", in: sources))
        #expect(!Answerer.isGrounded("运行 dpkg-reconfigure tzdata 并编辑 /etc/timezone 即可。", in: sources))
        #expect(!Answerer.isGrounded("build-essential 需要 gcc 4.8.0 [1]。", in: sources), "an invented version")
        // An invented path or setting fails even beside a term that is in the sources.
        let rules = ["override_dh_auto_configure: dh_auto_configure -- --with-kde in debian/rules"]
        #expect(!Answerer.isGrounded("启动参数写 override_dh_auto_configure -- --sysconfig=/etc/kde-plasma [1]。", in: rules))
        #expect(!Answerer.isGrounded("Edit /etc/default/keyboard and run override_dh_auto_configure [1].", in: rules))
        #expect(Answerer.isGrounded("Use override_dh_auto_configure and/or edit debian/rules [1].", in: rules), "and/or is a word")
        #expect(Answerer.isGrounded("Leave must be requested one-week ahead through the HR-portal [1].",
                                    in: ["Employees must request annual leave one week in advance using the HR portal."]),
                "hyphenated paraphrases are not specifics")
        #expect(Answerer.isGrounded("The server listens on port 52000.", in: sources + ["Which port, 52000 or 5005?"]),
                "a term from the question itself counts as known")
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
    }
}
