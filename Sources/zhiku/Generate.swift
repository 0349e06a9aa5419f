import ArgumentParser
import Foundation
import ZhikuCommandLine
import ZhikuCore
import ZhikuModels

/// `zhiku generate`: one completion from the built-in chat model (or a llama-architecture GGUF file), no
/// knowledge base. Chat messages come as a JSON array on stdin (or a raw prompt with `--raw`).
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Complete a conversation with a chat model: messages as a JSON array on stdin ([{\"role\", \"content\"}, …]).")

    @Option(help: "Built-in chat model id (qwen2.5-0.5b-instruct, qwen2.5-1.5b-instruct, smollm2-135m-instruct) or a path to a llama or qwen2 .gguf file.")
    var model = LlamaGenerator.defaultModelID
    @Flag(help: "Always take the most likely token (reproducible; overrides --temperature).") var greedy = false
    @Flag(help: "Stdin is the prompt text itself, fed without a chat template.") var raw = false
    @Option(help: "The most tokens to generate.") var maxTokens = 256
    @Option(help: "Sampling temperature.") var temperature = 0.7
    @Option(help: "Nucleus sampling threshold.") var topP = 0.9
    @Option(help: "Keep only the k most likely tokens (0 = all).") var topK = 40
    @Option(help: "Penalty for repeating tokens (1 = none).") var repetitionPenalty = 1.1
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Flag(help: "Print one JSON object {\"text\", \"prompt_token_ids\", \"completion_token_ids\", …} instead of streaming.")
    var json = false
    @Argument(help: "A user message, instead of reading stdin.") var message: String?

    func run() async throws {
        let input: String
        if let message {
            input = message
        } else {
            input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        let clock = ContinuousClock()
        let loadStart = clock.now
        let generator = try LlamaGenerator.load(model)
        let loaded = clock.now
        let promptIDs: [Int32]
        if raw {
            // A raw prompt is the caller's own text: control tokens written in it are parsed.
            promptIDs = generator.model.tokenizer.encode(input, parsingControlTokens: true)
        } else if message != nil {
            promptIDs = try generator.promptIDs([ChatMessage(role: .user, content: input)]) ?? []
        } else {
            guard let messages = try? JSONDecoder().decode([ChatMessage].self, from: Data(input.utf8)), !messages.isEmpty else {
                throw ZhikuError.invalidInput("stdin must be a JSON array of {\"role\", \"content\"} messages (or use --raw)")
            }
            promptIDs = try generator.promptIDs(messages) ?? []
        }
        guard !promptIDs.isEmpty else { throw ZhikuError.invalidInput("the prompt is empty") }
        let sampling = greedy ? SamplingOptions() : SamplingOptions(temperature: temperature, topP: topP, topK: topK,
                                                                    repetitionPenalty: repetitionPenalty, seed: seed)
        var firstToken: Duration?
        let result = try generator.generate(promptIDs: promptIDs, maxTokens: maxTokens, sampling: sampling, stop: stop) { piece in
            if firstToken == nil { firstToken = clock.now - loaded }
            if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
            return true
        }
        let seconds = (clock.now - loaded).seconds
        guard json else {
            emit("")
            return
        }
        struct Output: Encodable {
            var text: String; var promptTokenIds: [Int32]; var completionTokenIds: [Int32]; var model: String
            var finishReason: String; var loadSeconds: Double; var firstTokenSeconds: Double?; var seconds: Double
        }
        try emitJSON(Output(text: result.text, promptTokenIds: result.promptTokenIDs, completionTokenIds: result.tokenIDs,
                            model: generator.modelID, finishReason: result.finishReason.rawValue,
                            loadSeconds: (loaded - loadStart).seconds, firstTokenSeconds: firstToken?.seconds,
                            seconds: seconds))
    }
}
