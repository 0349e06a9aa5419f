import ArgumentParser
import Foundation
import ZhikuCore
import ZhikuModels

/// `zhiku generate "question"`: one chat turn with the built-in model (or a GGUF file), streamed to the terminal.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Chat with the built-in model (no knowledge base): the reply streams as it is generated.")

    @Option(help: "Built-in chat model id or a path to a llama-architecture .gguf file.")
    var model = LlamaGenerator.defaultModelID
    @Option(help: "A system message.") var system: String?
    @Option(help: "Read the conversation from this JSON file ([{\"role\", \"content\"}, …]; '-' for stdin) instead of the argument.")
    var messages: String?
    @Option(help: "The most tokens to generate.") var maxTokens = 256
    @Option(help: "0 = greedy.") var temperature = 0.0
    @Option(help: "Nucleus sampling threshold.") var topP = 1.0
    @Option(help: "Keep only the k most likely tokens (0 = all).") var topK = 0
    @Option(help: "Penalty for repeating tokens (1 = none).") var repetitionPenalty = 1.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Flag(help: "Print one JSON object (prompt and generated token ids, text, finish reason, timing) instead of streaming.")
    var json = false
    @Argument(help: "The user's message.") var prompt: String?

    func validate() throws {
        if prompt == nil && messages == nil { throw ValidationError("give a message, or --messages FILE") }
    }

    func run() async throws {
        var conversation: [ChatMessage] = []
        if let messages {
            let data = messages == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: messages)
            guard let data, let decoded = try? JSONDecoder().decode([ChatMessage].self, from: data) else {
                throw ZhikuError.invalidInput("--messages must be a JSON array of {\"role\", \"content\"} objects")
            }
            conversation = decoded
        }
        if let system { conversation.insert(ChatMessage(role: "system", content: system), at: 0) }
        if let prompt { conversation.append(ChatMessage(role: "user", content: prompt)) }

        let clock = ContinuousClock()
        let loadStart = clock.now
        let generator = try LlamaGenerator.load(model)
        let loaded = clock.now
        let sampling = SamplingOptions(temperature: temperature, topP: topP, topK: topK,
                                       repetitionPenalty: repetitionPenalty, seed: seed)
        let result = try generator.generate(conversation, maxTokens: maxTokens, sampling: sampling, stop: stop) { piece in
            if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
            return true
        }
        let seconds = (clock.now - loaded).seconds
        if json {
            struct Output: Encodable {
                var model: String; var promptTokenIds: [Int32]; var tokenIds: [Int32]; var text: String
                var finishReason: String; var promptTokens: Int; var completionTokens: Int
                var loadSeconds: Double; var seconds: Double; var tokensPerSecond: Double
            }
            try emitJSON(Output(model: generator.modelID, promptTokenIds: result.promptTokenIDs, tokenIds: result.tokenIDs,
                                text: result.text, finishReason: result.finishReason.rawValue,
                                promptTokens: result.promptTokenIDs.count, completionTokens: result.tokenIDs.count,
                                loadSeconds: (loaded - loadStart).seconds, seconds: seconds,
                                tokensPerSecond: seconds > 0 ? Double(result.tokenIDs.count) / seconds : 0))
        } else {
            emit("")
        }
    }
}
