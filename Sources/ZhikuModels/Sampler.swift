import Foundation
import ZhikuCore

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

/// Picks tokens from logits according to ``SamplingOptions``, with its own seeded generator (SplitMix64).
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var state: UInt64

    public init(_ options: SamplingOptions) {
        self.options = options
        state = options.seed &+ 0x9E37_79B9_7F4A_7C15
    }

    private mutating func nextUniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }

    /// The next token given the logits and the tokens so far (for the repetition penalty).
    public mutating func next(_ logits: [Float], history: [Int32]) -> Int32 {
        var logits = logits
        if options.repetitionPenalty != 1 {
            let p = Float(options.repetitionPenalty)
            for id in Set(history) where Int(id) < logits.count {
                let i = Int(id)
                logits[i] = logits[i] > 0 ? logits[i] / p : logits[i] * p
            }
        }
        guard options.temperature > 0 else {
            var best = 0
            for i in logits.indices where logits[i] > logits[best] { best = i }
            return Int32(best)
        }
        var order = Array(logits.indices).sorted { logits[$0] > logits[$1] }
        if options.topK > 0 { order = Array(order.prefix(options.topK)) }
        let t = options.temperature
        let top = Double(logits[order[0]])
        var probabilities = order.map { exp((Double(logits[$0]) - top) / t) }
        let total = probabilities.reduce(0, +)
        probabilities = probabilities.map { $0 / total }
        if options.topP < 1 {
            var sum = 0.0, keep = 0
            while keep < probabilities.count {
                sum += probabilities[keep]
                keep += 1
                if sum >= options.topP { break }
            }
            order = Array(order.prefix(keep))
            let kept = probabilities.prefix(keep).reduce(0, +)
            probabilities = probabilities.prefix(keep).map { $0 / kept }
        }
        var r = nextUniform()
        for (i, p) in probabilities.enumerated() {
            r -= p
            if r <= 0 { return Int32(order[i]) }
        }
        return Int32(order[order.count - 1])
    }
}
