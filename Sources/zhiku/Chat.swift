import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuEngine

/// `zhiku chat [--kb NAME]`: a multi-turn session on the terminal, stored as a conversation.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat on the terminal, with a knowledge base or without; each line is a question (/new starts over, /exit or Ctrl-D ends).")

    @OptionGroup var options: DataOptions
    @Option(help: "The knowledge base (name or id); none: a plain chat with the model.") var kb: String?
    @Option(help: "The chat model (default: the configured default).") var model: String?
    @Option(help: "Continue this stored conversation.") var conversation: Int64?
    @Option(help: "The most tokens an answer may have.") var maxTokens = 384

    func run() async throws {
        let runtime = try await options.runtime()
        var base: KnowledgeBase?
        if let kb { base = try await runtime.store.resolveKnowledgeBase(kb) }
        var target = ChatExchange.Target.newConversation
        if let conversation {
            guard let stored = try await runtime.conversations.conversation(id: conversation) else {
                throw ZhikuError.notFound("conversation \(conversation) does not exist")
            }
            target = .conversation(stored.id)
            emit("continuing “\(stored.title)” (\(stored.messageCount) messages)")
        }
        let interactive = isatty(STDIN_FILENO) != 0
        while true {
            if interactive { FileHandle.standardOutput.write(Data("> ".utf8)) }
            guard let line = readLine() else { break }
            let question = line.trimmingCharacters(in: .whitespaces)
            if question.isEmpty { continue }
            if question == "/exit" || question == "/quit" { break }
            if question == "/new" {
                target = .newConversation
                emit("(new conversation)")
                continue
            }
            var request = Answerer.Request(question: question)
            request.model = model
            request.modelFilesAllowed = true
            request.maxTokens = maxTokens
            request.target = target
            request.channel = .cli
            do {
                let outcome = try await AnswerPrinter.run(Answerer(runtime: runtime).answer(request, in: base))
                if let stored = outcome.conversation { target = .conversation(stored.id) }
            } catch let error as ZhikuError {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            }
            emit("")
        }
    }
}
