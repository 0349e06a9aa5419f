import Foundation

/// How the next token is chosen.
public struct SamplingOptions: Sendable, Hashable, Codable {
    /// 0: greedy (always the most likely token).
    public var temperature: Double = 0
    /// Keep the smallest set of tokens whose probabilities reach this sum (1: all).
    public var topP: Double = 1
    /// Keep only the k most likely tokens (0: all).
    public var topK: Int = 0
    /// > 1 makes tokens already in the context less likely (CTRL-style: positive logits divided, negative multiplied).
    public var repetitionPenalty: Double = 1
    /// Seed of the random generator, for repeatable sampling.
    public var seed: UInt64 = 0

    public init(temperature: Double = 0, topP: Double = 1, topK: Int = 0, repetitionPenalty: Double = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topP = topP
        self.topK = topK
        self.repetitionPenalty = repetitionPenalty
        self.seed = seed
    }

    /// Checks the ranges; the error names the bad value.
    public func validated() throws -> SamplingOptions {
        guard temperature >= 0, temperature <= 5 else { throw ZhikuError.invalidInput("temperature must be between 0 and 5, got \(temperature)") }
        guard topP > 0, topP <= 1 else { throw ZhikuError.invalidInput("top_p must be in (0, 1], got \(topP)") }
        guard topK >= 0 else { throw ZhikuError.invalidInput("top_k must not be negative, got \(topK)") }
        guard repetitionPenalty >= 1, repetitionPenalty <= 3 else {
            throw ZhikuError.invalidInput("repetition_penalty must be between 1 and 3, got \(repetitionPenalty)")
        }
        return self
    }
}
