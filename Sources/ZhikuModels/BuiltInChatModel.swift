import Foundation
import ZhikuCore

/// ``ChatModel`` on the built-in engine (``LlamaGenerator``). Generation runs on its own thread; at most
/// `parallelism` requests generate at once (each uses the cores), the rest wait their turn. A consumer that goes
/// away (a stopped or disconnected answer) stops tokenizing, prompt reading and generation within one layer's
/// work, and frees its turn. A prompt that begins like an earlier one (the same instructions; a follow-up that
/// repeats the conversation) is read only from where they differ (``PromptCache``).
public final class BuiltInChatModel: ChatModel, @unchecked Sendable {
    public let generator: LlamaGenerator
    public var modelID: String { generator.modelID }
    public var contextTokens: Int? { generator.model.configuration.context }
    /// Prompts longer than this are not worth their wait on a CPU (see README: time to first token).
    public let promptTokenBudget: Int?
    private let slots: DispatchSemaphore
    private let running = CancelFlag.Counter()

    /// Whether a request is generating (holds a turn) right now.
    public var isBusy: Bool { running.value > 0 }

    public init(_ generator: LlamaGenerator, parallelism: Int = 1, promptTokenBudget: Int? = 1024) {
        self.generator = generator
        self.promptTokenBudget = promptTokenBudget
        slots = DispatchSemaphore(value: max(1, parallelism))
    }

    public func tokenCount(_ text: String) -> Int { generator.model.tokenizer.encode(text).count }

    public func stream(_ request: ChatRequest) -> AsyncThrowingStream<ChatEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ChatEvent.self)
        let cancelled = CancelFlag()
        continuation.onTermination = { _ in cancelled.set() }
        let generator = self.generator, slots = self.slots, running = self.running
        Thread.detachNewThread {
            // Wait for a turn, but give up at once when the consumer has gone.
            while slots.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
                if cancelled.isSet { return continuation.finish(throwing: CancellationError()) }
            }
            running.add(1)
            defer {
                running.add(-1)
                slots.signal()
            }
            guard !cancelled.isSet else { return continuation.finish(throwing: CancellationError()) }
            do {
                let control = LlamaGenerator.Control(
                    progress: { done, total in continuation.yield(.progress(done: done, total: total)) },
                    shouldStop: { cancelled.isSet })
                let result = try generator.generate(
                    request.messages, maxTokens: request.maxTokens, sampling: request.sampling, stop: request.stop,
                    stopOnRepetition: true, reusingPrompts: true, control: control) { piece in
                    continuation.yield(.text(piece))
                    return !cancelled.isSet
                }
                continuation.yield(.done(ChatUsage(promptTokens: result.promptTokenIDs.count,
                                                   completionTokens: result.tokenIDs.count,
                                                   finishReason: cancelled.isSet ? .cancelled : result.finishReason)))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }
}

